import code from '../../../shaders/elementwise.wgsl?raw';
import type { GpuContext } from '../../gpu/context';
import { grid } from './grid';

function encode(gpu: GpuContext, pass: GPUComputePassEncoder, entry: string, acc: GPUBuffer, other: GPUBuffer, n: number) {
  const [x, y] = grid(Math.ceil(n / 256));
  // The kernel indexes with x * 256 per row of the grid, so x must be the exact row width.
  gpu.dispatch(pass, gpu.pipeline(code, entry), [gpu.uniform([n], 'u'), acc, other], [x, y]);
}

/** acc += other, over n floats. */
export function encodeAdd(gpu: GpuContext, pass: GPUComputePassEncoder, acc: GPUBuffer, other: GPUBuffer, n: number) {
  encode(gpu, pass, 'add_inplace', acc, other, n);
}

/** gate = silu(gate) * up, over n floats. */
export function encodeSwiglu(gpu: GpuContext, pass: GPUComputePassEncoder, gate: GPUBuffer, up: GPUBuffer, n: number) {
  encode(gpu, pass, 'swiglu_inplace', gate, up, n);
}
