/**
 * Whether kernels may multiply f16 operands on this GPU (prefill on subgroup matrices,
 * ops/subgroupMatrix.ts). On by default where the device has shader-f16 and runs the GPUs'
 * kernels; the f32 kernels stay for every other adapter, and for anyone who turns this off (the
 * f32-reference tests, and `quantlab bench --f32-kernels` to compare).
 */
import type { GpuContext } from '../../gpu/context';

const switchedOff = new WeakSet<GpuContext>();

export function f16Arithmetic(gpu: GpuContext): boolean {
  return !switchedOff.has(gpu) && !gpu.directKernels && gpu.info.features.includes('shader-f16');
}

export function setF16Arithmetic(gpu: GpuContext, on: boolean): void {
  if (on) switchedOff.delete(gpu);
  else switchedOff.add(gpu);
}
