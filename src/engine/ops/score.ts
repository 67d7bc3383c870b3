import argmaxCode from '../../../shaders/argmax.wgsl?raw';
import targetScoreCode from '../../../shaders/target_score.wgsl?raw';
import type { Dispatch, GpuContext } from '../../gpu/context';

/** Invocations of a workgroup, passed to each shader as its THREADS override. */
const TARGET_SCORE_THREADS = 256;
const ARGMAX_THREADS = 256;

/**
 * For rows firstRow..firstRow+rows of `logits` ([rows][width]): result[offset + 2r] = log p(targets[r]),
 * result[offset + 2r + 1] = 1 if targets[r] is the row's first argmax, else 0.
 */
export function encodeTargetScore(
  gpu: GpuContext,
  logits: GPUBuffer,
  targets: GPUBuffer,
  result: GPUBuffer,
  rows: number,
  width: number,
  firstRow: number,
  offset: number,
): Dispatch[] {
  const pipeline = gpu.pipeline(targetScoreCode, 'target_score', { THREADS: TARGET_SCORE_THREADS });
  return [gpu.record(pipeline, [gpu.uniform([rows, width, firstRow, offset], 'uuuu'), logits, targets, result], [rows])];
}

/** token[0] = the first index of the largest value of row `row` of logits ([rows][width]). */
export function encodeArgmax(gpu: GpuContext, logits: GPUBuffer, token: GPUBuffer, row: number, width: number): Dispatch[] {
  const pipeline = gpu.pipeline(argmaxCode, 'argmax', { THREADS: ARGMAX_THREADS });
  return [gpu.record(pipeline, [gpu.uniform([row, width], 'uu'), logits, token], [1])];
}

/**
 * The argmax of row `row` appended to `chain` (chain[0] counts the ids in chain[1..]) and made
 * the next step's input: ids[0] = it, position[0] += 1, so recorded greedy steps run back to back.
 */
export function encodeArgmaxChain(gpu: GpuContext, logits: GPUBuffer, chain: GPUBuffer, ids: GPUBuffer, position: GPUBuffer, row: number, width: number): Dispatch[] {
  const pipeline = gpu.pipeline(argmaxCode, 'argmax_chain', { THREADS: ARGMAX_THREADS });
  return [gpu.record(pipeline, [gpu.uniform([row, width], 'uu'), logits, chain, ids, position], [1])];
}
