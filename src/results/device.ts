import type { GpuContext } from '../gpu/context';
import type { DeviceInfo } from './record';

/** What a record says about the GPU that measured it. */
export function describeDevice(gpu: GpuContext): DeviceInfo {
  const i = gpu.info;
  return {
    description: i.description,
    vendor: i.vendor,
    architecture: i.architecture,
    features: [...i.features].sort(),
    limits: {
      maxStorageBufferBindingSize: i.maxStorageBufferBindingSize,
      maxBufferSize: i.maxBufferSize,
      maxComputeWorkgroupStorageSize: i.maxComputeWorkgroupStorageSize,
    },
  };
}
