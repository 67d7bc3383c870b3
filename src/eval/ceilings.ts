/**
 * The device's own bandwidth ceilings, measured once a bench run: a large buffer copy (bytes
 * read plus bytes written, over its time) and a read-and-reduce kernel (shaders/bandwidth.wgsl:
 * bytes read over its time), each on two buffers of 512 MiB (or the largest the device binds), far past any L2.
 */
import bandwidthCode from '../../shaders/bandwidth.wgsl?raw';
import type { Dispatch, GpuContext } from '../gpu/context';
import { grid } from '../engine/ops/grid';
import { inOnePass, timePerRepetition } from './gpuTime';

export interface Ceilings {
  copy_gb_per_s: number;
  read_gb_per_s: number;
}

/** Invocations a workgroup of the read kernel (THREADS in bandwidth.wgsl) and the workgroups of its grid. */
const READ_THREADS = 256;
const READ_WORKGROUPS = 4096;

/** Workgroups the read kernel runs for `bytes` of data: one slot of `sums` each. */
export function readSumWorkgroups(bytes: number): number {
  return Math.min(READ_WORKGROUPS, Math.ceil(bytes / 16 / READ_THREADS));
}

/** Records the read kernel over all of `data` (16-byte words): sums[w] = wrapping u32 sum of workgroup w's words. */
export function encodeReadSum(gpu: GpuContext, data: GPUBuffer, sums: GPUBuffer): Dispatch[] {
  const workgroups = readSumWorkgroups(data.size);
  const params = gpu.uniform([data.size / 16, workgroups * READ_THREADS], 'uu');
  return [gpu.record(gpu.pipeline(bandwidthCode, 'read_sum', { THREADS: READ_THREADS }), [params, data, sums], grid(workgroups))];
}

export async function measureCeilings(gpu: GpuContext, bytes = 1 << 30): Promise<Ceilings> {
  const size = Math.floor(Math.min(bytes / 2, gpu.info.maxStorageBufferBindingSize, gpu.info.maxBufferSize) / 16) * 16;
  const source = gpu.createBuffer('ceilings: source', size);
  const target = gpu.createBuffer('ceilings: target', size);
  const sums = gpu.createBuffer('ceilings: sums', READ_WORKGROUPS * 4);
  try {
    const copyMs = await timePerRepetition(gpu, (encoder, n) => {
      for (let i = 0; i < n; i++) encoder.copyBufferToBuffer(i % 2 ? target : source, 0, i % 2 ? source : target, 0, size);
    }, 4);
    const readMs = await timePerRepetition(gpu, (encoder, n) => {
      inOnePass(gpu, encoder, n, (i) => encodeReadSum(gpu, i % 2 ? target : source, sums));
    }, 4);
    return { copy_gb_per_s: (2 * size) / copyMs / 1e6, read_gb_per_s: size / readMs / 1e6 };
  } finally {
    for (const b of [source, target, sums]) gpu.destroy(b);
  }
}
