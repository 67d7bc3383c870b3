import code from '../../../shaders/elementwise.wgsl?raw';
import type { Dispatch, GpuContext } from '../../gpu/context';
import { grid } from './grid';

/** Invocations of a workgroup (the shader's THREADS override) and the values each row of the grid covers. */
const SWIGLU_THREADS = 256;

/**
 * out[t][j] = silu(gate[t][j]) * up[t][j] for `tokens` rows of `width`, where gateUp holds a
 * token's gate values then its up values (the stacked gate/up projection).
 */
export function encodeSwiglu(gpu: GpuContext, gateUp: GPUBuffer, out: GPUBuffer, tokens: number, width: number): Dispatch[] {
  const n = tokens * width;
  // The kernel indexes with x * SWIGLU_THREADS per row of the grid, so x must be the exact row width.
  const [x, y] = grid(Math.ceil(n / SWIGLU_THREADS));
  const pipeline = gpu.pipeline(code, 'swiglu', { THREADS: SWIGLU_THREADS });
  return [gpu.record(pipeline, [gpu.uniform([n, width], 'uu'), gateUp, out], [x, y])];
}
