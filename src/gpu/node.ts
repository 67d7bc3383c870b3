import { existsSync, readdirSync } from 'node:fs';
import { acquireFromGpu } from './acquire';
import { GpuError, type GpuContext } from './context';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

function hasGpuDeviceNode(): boolean {
  if (existsSync('/dev/nvidia0')) return true;
  return existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
}

/**
 * Dawn finds a real GPU through the system's Vulkan drivers. On a machine
 * with no GPU device node, it is pointed at SwiftShader from Debian's
 * chromium package, the CPU Vulkan that runs WebGPU everywhere. The choice is
 * made before Dawn starts: a second Dawn instance in one process is not safe.
 */
export async function acquireNodeGpu(): Promise<GpuContext> {
  const pinned = process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES;
  if (!pinned && !hasGpuDeviceNode() && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (error) {
    throw new GpuError(`the 'webgpu' package (Dawn) could not be loaded: ${(error as Error).message}`);
  }
  Object.assign(globalThis, webgpu.globals);
  const driver = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES ?? 'the system Vulkan drivers';
  // Dawn zero-fills workgroup memory with generated code; on SwiftShader that makes a kernel
  // with a 4 KiB tile take seconds to compile. Every kernel here writes its workgroup memory
  // before reading it, so the fill buys nothing. Dawn keeps shader-f16 off on NVIDIA's Vulkan
  // driver and the subgroup-matrix feature behind its unsafe-API switch; the two toggles offer
  // them (seen on the H200: both, with f16 products matching the CPU), and the kernels that use
  // them check each feature and are tested against the CPU wherever they run.
  return acquireFromGpu(
    webgpu.create(['enable-dawn-features=disable_workgroup_init,vulkan_enable_f16_on_nvidia,allow_unsafe_apis']),
    `in Node through ${driver}. On Debian without a GPU, run \`apt-get install -y chromium libvulkan1\` ` +
      'so that SwiftShader can stand in',
  );
}
