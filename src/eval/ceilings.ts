/**
 * The device's own bandwidth ceilings, measured once a bench run by two kernels of
 * shaders/bandwidth.wgsl: a copy (bytes read plus bytes written, over its time) and a
 * read-and-reduce (bytes read over its time), on two buffers of 512 MiB (or the largest the
 * device binds), far past any L2. A kernel's copy, not the copy command: the ceiling is what
 * QuantLab's own kernels could reach.
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
  return encodeStream(gpu, 'read_sum', data, sums);
}

/** Records the copy kernel: every 16-byte word of `data` into `target` (as large). */
export function encodeCopyWords(gpu: GpuContext, data: GPUBuffer, target: GPUBuffer): Dispatch[] {
  return encodeStream(gpu, 'copy_words', data, target);
}

function encodeStream(gpu: GpuContext, entryPoint: string, data: GPUBuffer, out: GPUBuffer): Dispatch[] {
  const workgroups = readSumWorkgroups(data.size);
  const params = gpu.uniform([data.size / 16, workgroups * READ_THREADS], 'uu');
  return [gpu.record(gpu.pipeline(bandwidthCode, entryPoint, { THREADS: READ_THREADS }), [params, data, out], grid(workgroups))];
}

export async function measureCeilings(gpu: GpuContext, bytes = 1 << 30): Promise<Ceilings> {
  const size = Math.floor(Math.min(bytes / 2, gpu.info.maxStorageBufferBindingSize, gpu.info.maxBufferSize) / 16) * 16;
  const source = gpu.createBuffer('ceilings: source', size);
  const target = gpu.createBuffer('ceilings: target', size);
  const sums = gpu.createBuffer('ceilings: sums', READ_WORKGROUPS * 4);
  try {
    const copyMs = await timePerRepetition(gpu, (encoder, n) => {
      inOnePass(gpu, encoder, n, (i) => encodeCopyWords(gpu, i % 2 ? target : source, i % 2 ? source : target));
    }, 4);
    const readMs = await timePerRepetition(gpu, (encoder, n) => {
      inOnePass(gpu, encoder, n, (i) => encodeReadSum(gpu, i % 2 ? target : source, sums));
    }, 4);
    return { copy_gb_per_s: (2 * size) / copyMs / 1e6, read_gb_per_s: size / readMs / 1e6 };
  } finally {
    for (const b of [source, target, sums]) gpu.destroy(b);
  }
}
