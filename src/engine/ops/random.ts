/** Random 16-bit weights filled on the GPU (shaders/random.wgsl): the bench's synthetic models and kernel matrices. */
import randomCode from '../../../shaders/random.wgsl?raw';
import type { GpuContext } from '../../gpu/context';
import { grid } from './grid';

/** Invocations a workgroup (THREADS in the shader), one u32 (two values) each. */
const FILL_THREADS = 256;

/** A new buffer of `count` f16 values (count even), uniform in [-scale, scale), from `seed`. */
export function randomF16(gpu: GpuContext, label: string, count: number, seed: number, scale: number): GPUBuffer {
  if (count % 2 !== 0) throw new Error(`${label}: 16-bit values are made two to a word, so the count must be even, not ${count}.`);
  const buffer = gpu.createBuffer(label, count * 2);
  const pairs = count / 2;
  const [x, y] = grid(Math.ceil(pairs / FILL_THREADS), gpu.device.limits.maxComputeWorkgroupsPerDimension);
  const params = gpu.uniform([pairs, seed >>> 0, scale, x * FILL_THREADS], 'uufu');
  gpu.run([gpu.record(gpu.pipeline(randomCode, 'fill_f16', { THREADS: FILL_THREADS }), [params, buffer], [x, y])]);
  return buffer;
}

/** The CPU reference of value i: PCG hash of seed + i, 24 bits, to [-scale, scale) in f32 arithmetic. */
export function randomValue(seed: number, i: number, scale: number): number {
  let state = (Math.imul((seed + i) >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  state = ((word >>> 22) ^ word) >>> 0;
  const unit = Math.fround(Math.fround(Math.fround(state >>> 8) * Math.fround(2 / 16777216)) - 1);
  return Math.fround(unit * Math.fround(scale));
}
