import targetScoreCode from '../../../shaders/target_score.wgsl?raw';
import type { GpuContext } from '../../gpu/context';

/**
 * For rows firstRow..firstRow+rows of `logits` ([rows][width]): result[offset + 2r] = log p(targets[r]),
 * result[offset + 2r + 1] = 1 if targets[r] is the row's first argmax, else 0.
 */
export function encodeTargetScore(
  gpu: GpuContext,
  pass: GPUComputePassEncoder,
  logits: GPUBuffer,
  targets: GPUBuffer,
  result: GPUBuffer,
  rows: number,
  width: number,
  firstRow: number,
  offset: number,
): void {
  gpu.dispatch(
    pass,
    gpu.pipeline(targetScoreCode, 'target_score'),
    [gpu.uniform([rows, width, firstRow, offset], 'uuuu'), logits, targets, result],
    [rows],
  );
}
