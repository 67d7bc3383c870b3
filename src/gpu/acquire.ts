import { GpuContext, GpuError, type AdapterDetails } from './context';

/** Limits the engine asks for: as much buffer room as the adapter offers. */
function requiredLimits(adapter: GPUAdapter): Record<string, number> {
  return {
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
    maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
    maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
  };
}

/** Dawn's tensor-core products (matmul_sgmat.wgsl) need the last, which @webgpu/types does not name yet. */
const OPTIONAL_FEATURES = ['timestamp-query', 'subgroups', 'shader-f16', 'chromium-experimental-subgroup-matrix'] as GPUFeatureName[];

export function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info;
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean);
  return parts.length ? parts.join(' / ') : 'unnamed adapter';
}

/** Turns a `GPU` object (navigator.gpu or Dawn's) into a ready GpuContext. */
export async function acquireFromGpu(gpu: GPU | undefined, hostHint: string): Promise<GpuContext> {
  if (!gpu) {
    throw new GpuError(`WebGPU is not available ${hostHint}.`);
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new GpuError(`WebGPU is present but no GPU adapter was found ${hostHint}.`);
  }
  const features = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredFeatures: features, requiredLimits: requiredLimits(adapter) });
  return new GpuContext(device, describeAdapter(adapter), [gpu, adapter], (adapter.info ?? {}) as AdapterDetails);
}
