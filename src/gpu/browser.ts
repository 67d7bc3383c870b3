import { acquireFromGpu } from './acquire';
import type { GpuContext } from './context';

export async function acquireBrowserGpu(): Promise<GpuContext> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext !== false;
  const hint = secure
    ? 'in this browser. Use a recent Chrome, Edge or Firefox with WebGPU enabled'
    : 'because this page is not a secure context: open it from https:// or http://localhost';
  return acquireFromGpu(gpu, hint);
}
