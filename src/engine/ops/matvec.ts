/**
 * Decode's matrix-vector products (M = 1) that stream the weights 16 bytes a load:
 * shaders/matvec_f16.wgsl for 16-bit weights and shaders/matvec_q.wgsl for the packed formats
 * whose groups fill whole 16-byte words (fastMatvecFits says which). Four rows a workgroup;
 * the workgroup's invocations split K between them, as many as matvecThreads picks for the
 * shape (many for tall-skinny rows: split-K inside the workgroup). Each pipeline is one
 * module, built once here, specialised with override constants set from the constants below.
 */
import f16Code from '../../../shaders/f16.wgsl?raw';
import matvecF16Code from '../../../shaders/matvec_f16.wgsl?raw';
import matvecQCode from '../../../shaders/matvec_q.wgsl?raw';
import reduceSharedCode from '../../../shaders/reduce_shared.wgsl?raw';
import reduceSubgroupCode from '../../../shaders/reduce_subgroup.wgsl?raw';
import type { Dispatch, GpuContext } from '../../gpu/context';
import { grid } from './grid';

/** Rows of W a workgroup computes: one lane of a vec4 a row (ROWS in matvec_f16.wgsl; matvec_q.wgsl's straight-line code is written for 4). */
export const MATVEC_ROWS = 4;
/** Workgroup sizes the kernels are built for (THREADS; powers of two from 16, for reduce_shared.wgsl, to 256, the WebGPU default limit). */
export const MATVEC_THREAD_CHOICES = [32, 64, 128, 256] as const;
export type MatvecThreads = (typeof MATVEC_THREAD_CHOICES)[number];

/** How a workgroup adds up its invocations' partial sums. */
export type MatvecReduction = 'subgroup' | 'shared';

const modules = {
  f16: { subgroup: `${reduceSubgroupCode}\n${matvecF16Code}`, shared: `${reduceSharedCode}\n${matvecF16Code}` },
  q: { subgroup: `${reduceSubgroupCode}\n${matvecQCode}\n${f16Code}`, shared: `${reduceSharedCode}\n${matvecQCode}\n${f16Code}` },
};

const reductionModes = new WeakMap<GpuContext, MatvecReduction>();

/** 'subgroup' where the device has the `subgroups` feature, else 'shared', unless set. */
export function matvecReduction(gpu: GpuContext): MatvecReduction {
  return reductionModes.get(gpu) ?? (gpu.info.features.includes('subgroups') ? 'subgroup' : 'shared');
}

/** Picks the reduction (tests run both on an adapter that offers subgroups). */
export function setMatvecReduction(gpu: GpuContext, mode: MatvecReduction): void {
  if (mode === 'subgroup' && !gpu.info.features.includes('subgroups')) {
    throw new Error("this GPU has no 'subgroups' feature: use the 'shared' reduction");
  }
  reductionModes.set(gpu, mode);
}

export interface MatvecWeight {
  rows: number;
  cols: number;
  format: 'f16' | 'q';
  bits: number;
  group: number;
  symmetric: boolean;
  data: GPUBuffer;
  scales: GPUBuffer | null;
  zeros: GPUBuffer | null;
  bias: GPUBuffer | null;
}

/** Inputs one 16-byte load of a row covers (three loads for 3-bit codes: runs of 8 codes tile 96 bits). */
function unitCodes(bits: number): number {
  return bits === 16 ? 8 : bits === 3 ? 128 : 128 / bits;
}

/** Whether these kernels take the weight: the groups must hold whole units, K whole groups. */
export function fastMatvecFits(w: Pick<MatvecWeight, 'format' | 'bits' | 'group' | 'cols'>): boolean {
  if (w.format === 'f16') return w.cols % 8 === 0;
  if (![2, 3, 4, 8].includes(w.bits)) return false;
  return w.group % unitCodes(w.bits) === 0 && w.cols % w.group === 0;
}

/** Packed rows of fewer units than this take matmul_q.wgsl's matvec on GPUs (see takesFastMatvec). */
const MIN_UNITS = 16;

/**
 * Whether decode takes these kernels for this weight: where they fit it (fastMatvecFits) and beat
 * matmul_q.wgsl's generic matvec (runs of 8 codes, 64 invocations). On GPUs not for packed rows of fewer than MIN_UNITS unit loads, where most of a workgroup
 * has no unit to take. H200, 768x512 to 512x1408 (quantlab-tiny's layers), best workgroup size
 * against the generic kernel: w3g128 (4 and 11 units) 9.1-9.6 us against 4.9-6.8; w2g128 at K = 512
 * (8 units) 5.3-6.2 against 4.9-5.3, at K = 1408 (22) 5.4 against 6.6; w4g128 at K = 512 (16) even.
 * CPU adapters keep these kernels (SwiftShader, w3g128 768x512: 13 ms against 16).
 */
export function takesFastMatvec(gpu: GpuContext, w: Pick<MatvecWeight, 'format' | 'bits' | 'group' | 'cols'>): boolean {
  if (!fastMatvecFits(w)) return false;
  return gpu.directKernels || w.format === 'f16' || w.cols / unitCodes(w.bits) >= MIN_UNITS;
}

/**
 * Invocations a workgroup for `rows` rows of `units` unit loads each: enough for about four
 * units an invocation, and more (split-K) while the rows are too few for 64Ki invocations in all.
 */
export function matvecThreads(rows: number, units: number): MatvecThreads {
  const workgroups = Math.ceil(rows / MATVEC_ROWS);
  let i = MATVEC_THREAD_CHOICES.findIndex((t) => t * 4 >= units);
  if (i < 0) i = MATVEC_THREAD_CHOICES.length - 1;
  while (i + 1 < MATVEC_THREAD_CHOICES.length && workgroups * MATVEC_THREAD_CHOICES[i] < 65536 && MATVEC_THREAD_CHOICES[i] < units) i++;
  return MATVEC_THREAD_CHOICES[i];
}

/** The kernel's pipeline for this weight's format and a workgroup size. */
function pipelineFor(gpu: GpuContext, w: MatvecWeight, threads: MatvecThreads): GPUComputePipeline {
  const reduction = matvecReduction(gpu);
  if (w.format === 'f16') return gpu.pipeline(modules.f16[reduction], 'matvec_f16', { THREADS: threads, ROWS: MATVEC_ROWS });
  const constants = { BITS: w.bits, GROUP: w.group, SYMMETRIC: w.symmetric ? 1 : 0, THREADS: threads };
  return gpu.pipeline(modules.q[reduction], 'matvec_q', constants);
}

/**
 * Records y = W x (+ bias) for one token with these kernels; `threads` overrides the tuned
 * workgroup size (the kernel bench sweeps it). The weight must pass fastMatvecFits.
 */
export function encodeMatvec(
  gpu: GpuContext,
  w: MatvecWeight,
  x: GPUBuffer,
  y: GPUBuffer,
  threads?: MatvecThreads,
): Dispatch[] {
  const size = threads ?? matvecThreads(w.rows, w.cols / unitCodes(w.format === 'f16' ? 16 : w.bits));
  const params = gpu.uniform([w.rows, w.cols, w.bias ? 1 : 0], 'uuu');
  const workgroups = grid(Math.ceil(w.rows / MATVEC_ROWS), gpu.device.limits.maxComputeWorkgroupsPerDimension);
  const placeholder = gpu.placeholder;
  const bias = w.bias ?? placeholder;
  const bindings =
    w.format === 'f16'
      ? [params, x, w.data, bias, y]
      : [params, x, w.data, w.scales ?? placeholder, w.zeros ?? placeholder, bias, y];
  return [gpu.record(pipelineFor(gpu, w, size), bindings, workgroups)];
}
