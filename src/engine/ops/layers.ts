import embeddingCode from '../../../shaders/embedding.wgsl?raw';
import normCode from '../../../shaders/norm.wgsl?raw';
import ropeCode from '../../../shaders/rope.wgsl?raw';
import softmaxCode from '../../../shaders/softmax.wgsl?raw';
import type { GpuContext } from '../../gpu/context';
import { grid } from './grid';

/** out[m] = table[ids[m]] for f16 tables stored two values a word. */
export function encodeEmbedding(
  gpu: GpuContext,
  pass: GPUComputePassEncoder,
  table: GPUBuffer,
  ids: GPUBuffer,
  out: GPUBuffer,
  tokens: number,
  hidden: number,
): void {
  gpu.dispatch(pass, gpu.pipeline(embeddingCode, 'embed'), [gpu.uniform([tokens, hidden], 'uu'), table, ids, out], [tokens]);
}

export function encodeRmsNorm(
  gpu: GpuContext,
  pass: GPUComputePassEncoder,
  x: GPUBuffer,
  weight: GPUBuffer,
  y: GPUBuffer,
  rows: number,
  width: number,
  eps: number,
): void {
  const bindings = [gpu.uniform([rows, width, eps], 'uuf'), x, weight, y];
  if (gpu.directKernels) gpu.dispatch(pass, gpu.pipeline(normCode, 'rms_norm_direct'), bindings, [Math.ceil(rows / 64)]);
  else gpu.dispatch(pass, gpu.pipeline(normCode, 'rms_norm'), bindings, [rows]);
}

/** Rotates x in place: [tokens][heads][headDim] at positions startPos.. using a table from ropeTable(). */
export function encodeRope(
  gpu: GpuContext,
  pass: GPUComputePassEncoder,
  x: GPUBuffer,
  table: GPUBuffer,
  tokens: number,
  heads: number,
  headDim: number,
  startPos: number,
): void {
  const [gx, gy] = grid(Math.ceil((tokens * heads * headDim) / 2 / 64));
  gpu.dispatch(
    pass,
    gpu.pipeline(ropeCode, 'rope'),
    [gpu.uniform([tokens, heads, headDim, startPos], 'uuuu'), x, table],
    [gx, gy],
  );
}

/** result[2r] = logsumexp of row r, result[2r+1] = its negative log-likelihood of targets[r]. */
export function encodeRowNll(
  gpu: GpuContext,
  pass: GPUComputePassEncoder,
  logits: GPUBuffer,
  targets: GPUBuffer,
  result: GPUBuffer,
  rows: number,
  width: number,
): void {
  gpu.dispatch(pass, gpu.pipeline(softmaxCode, 'row_nll'), [gpu.uniform([rows, width], 'uu'), logits, targets, result], [rows]);
}

export function encodeLogSoftmax(gpu: GpuContext, pass: GPUComputePassEncoder, logits: GPUBuffer, rows: number, width: number): void {
  gpu.dispatch(pass, gpu.pipeline(softmaxCode, 'log_softmax'), [gpu.uniform([rows, width], 'uu'), logits], [rows]);
}
