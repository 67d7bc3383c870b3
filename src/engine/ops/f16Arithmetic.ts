/**
 * Whether kernels may multiply f16 operands on this GPU (prefill on subgroup matrices,
 * ops/subgroupMatrix.ts). Off unless turned on: scores, perplexities and KL divergences keep the
 * f32 arithmetic that matches the reference formula on every GPU. With f16 operands a 2-bit KV
 * cache, whose codes flip at the smallest change of K and V, gave quantlab-tiny a perplexity
 * 11% off PyTorch's float32 one on the H200 (quant-ppl.test.ts), and results shared between
 * GPUs would differ that much. The speed bench turns it on where the device has shader-f16 and
 * runs the GPU kernels (`quantlab bench`, unless --f32-kernels).
 */
import type { GpuContext } from '../../gpu/context';

const switchedOn = new WeakSet<GpuContext>();

export function f16Arithmetic(gpu: GpuContext): boolean {
  return switchedOn.has(gpu) && !gpu.directKernels && gpu.info.features.includes('shader-f16');
}

export function setF16Arithmetic(gpu: GpuContext, on: boolean): void {
  if (on) switchedOn.add(gpu);
  else switchedOn.delete(gpu);
}
