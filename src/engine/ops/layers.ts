import embeddingCode from '../../../shaders/embedding.wgsl?raw';
import normCode from '../../../shaders/norm.wgsl?raw';
import softmaxCode from '../../../shaders/softmax.wgsl?raw';
import type { Dispatch, GpuContext } from '../../gpu/context';

/** Invocations of a workgroup, passed to each shader as its THREADS override. */
const EMBEDDING_THREADS = 128;
const NORM_THREADS = 256;
/** The CPU-adapter norm: one invocation a row, rows / NORM_DIRECT_THREADS workgroups. */
const NORM_DIRECT_THREADS = 64;
const SOFTMAX_THREADS = 256;

/** out[m] = table[ids[m]] for f16 tables stored two values a word. */
export function encodeEmbedding(gpu: GpuContext, table: GPUBuffer, ids: GPUBuffer, out: GPUBuffer, tokens: number, hidden: number): Dispatch[] {
  const pipeline = gpu.pipeline(embeddingCode, 'embed', { THREADS: EMBEDDING_THREADS });
  return [gpu.record(pipeline, [gpu.uniform([tokens, hidden], 'uu'), table, ids, out], [tokens])];
}

export interface RmsNormArgs {
  x: GPUBuffer;
  weight: GPUBuffer;
  y: GPUBuffer;
  rows: number;
  width: number;
  eps: number;
  /** A residual branch added into x first (x += residual, in place), in the same dispatch. */
  residual?: GPUBuffer;
}

/** y = RMSNorm(x) * weight, row by row; with `residual`, x += residual first. */
export function encodeRmsNorm(gpu: GpuContext, a: RmsNormArgs): Dispatch[] {
  const entry = a.residual ? 'add_rms_norm' : 'rms_norm';
  // A plain norm binds the placeholder where the residual would be.
  const bindings = [gpu.uniform([a.rows, a.width, a.eps], 'uuf'), a.x, a.weight, a.y, a.residual ?? gpu.placeholder];
  const constants = { THREADS: NORM_THREADS, DIRECT_THREADS: NORM_DIRECT_THREADS };
  if (gpu.directKernels) {
    return [gpu.record(gpu.pipeline(normCode, `${entry}_direct`, constants), bindings, [Math.ceil(a.rows / NORM_DIRECT_THREADS)])];
  }
  return [gpu.record(gpu.pipeline(normCode, entry, constants), bindings, [a.rows])];
}

/** result[2r] = logsumexp of row r, result[2r+1] = its negative log-likelihood of targets[r]. */
export function encodeRowNll(gpu: GpuContext, logits: GPUBuffer, targets: GPUBuffer, result: GPUBuffer, rows: number, width: number): Dispatch[] {
  const pipeline = gpu.pipeline(softmaxCode, 'row_nll', { THREADS: SOFTMAX_THREADS });
  return [gpu.record(pipeline, [gpu.uniform([rows, width], 'uu'), logits, targets, result], [rows])];
}

export function encodeLogSoftmax(gpu: GpuContext, logits: GPUBuffer, rows: number, width: number): Dispatch[] {
  const pipeline = gpu.pipeline(softmaxCode, 'log_softmax', { THREADS: SOFTMAX_THREADS });
  return [gpu.record(pipeline, [gpu.uniform([rows, width], 'uu'), logits], [rows])];
}
