/**
 * Prefill's matrix product on subgroup matrices (shaders/matmul_sgmat.wgsl: tensor cores through
 * Dawn's experimental feature), for 16-bit and packed weights alike: f16 operands, f32 sums.
 * It runs where the adapter offers what the kernel is written for and f16 arithmetic is turned on
 * (ops/f16Arithmetic.ts: the speed bench does); every other case keeps the f32 kernels of
 * matmul.wgsl and matmul_q.wgsl.
 */
import f16Code from '../../../shaders/f16.wgsl?raw';
import matmulCommonCode from '../../../shaders/matmul_common.wgsl?raw';
import matmulSgmatCode from '../../../shaders/matmul_sgmat.wgsl?raw';
import packedWeightsCode from '../../../shaders/packed_weights.wgsl?raw';
import type { Dispatch, GpuContext } from '../../gpu/context';
import { f16Arithmetic } from './f16Arithmetic';
import { grid } from './grid';

/** The y tile a workgroup computes: tokens by output features (BM, BN in matmul_sgmat.wgsl). */
const SGMAT_TILE_ROWS = 64;
const SGMAT_TILE_COLS = 64;
/** The subgroup-matrix shape the kernel multiplies (SM), and its lanes a subgroup. */
const SGMAT_SHAPE = 16;
const SGMAT_SUBGROUP = 32;

const code = `${matmulSgmatCode}\n${packedWeightsCode}\n${matmulCommonCode}\n${f16Code}`;

/** Whether this adapter has everything matmul_sgmat.wgsl needs, and if not, what it lacks. */
export function subgroupMatrixSupport(gpu: GpuContext): { ok: true } | { ok: false; missing: string } {
  const info = gpu.info;
  if (!info.features.includes('shader-f16')) return { ok: false, missing: "the 'shader-f16' feature" };
  if (!info.features.includes('chromium-experimental-subgroup-matrix')) return { ok: false, missing: "the 'chromium-experimental-subgroup-matrix' feature" };
  const shape = info.subgroupMatrixConfigs.some(
    (c) => c.componentType === 'f16' && c.resultComponentType === 'f32' && c.M === SGMAT_SHAPE && c.N === SGMAT_SHAPE && c.K === SGMAT_SHAPE,
  );
  if (!shape) return { ok: false, missing: `an f16 -> f32 ${SGMAT_SHAPE}x${SGMAT_SHAPE}x${SGMAT_SHAPE} subgroup-matrix shape` };
  if (info.subgroupMinSize !== SGMAT_SUBGROUP || info.subgroupMaxSize !== SGMAT_SUBGROUP) {
    return { ok: false, missing: `subgroups of exactly ${SGMAT_SUBGROUP} invocations` };
  }
  return { ok: true };
}

/**
 * Whether prefill of a layer with `cols` inputs takes matmul_sgmat.wgsl on this GPU: where
 * supported, f16 arithmetic is on, and K holds whole runs of 8 inputs, the kernel's reads of W
 * (four f16 pairs, or a packed run of 8 codes).
 */
export function usesSubgroupMatrix(gpu: GpuContext, cols: number): boolean {
  return f16Arithmetic(gpu) && cols % 8 === 0 && subgroupMatrixSupport(gpu).ok;
}

/**
 * Records y = x · W'ᵀ (+ bias) for `m` tokens; `params` is the uniform buffer of
 * packed_weights.wgsl's Params (bits 16 for f16 weights) and `weights` its bindings 2-6.
 */
export function encodeSubgroupMatrixMatmul(
  gpu: GpuContext,
  params: GPUBuffer,
  x: GPUBuffer,
  weights: GPUBuffer[],
  rows: number,
  m: number,
): Dispatch[] {
  const tiles = Math.ceil(rows / SGMAT_TILE_COLS) * Math.ceil(m / SGMAT_TILE_ROWS);
  const workgroups = grid(tiles, gpu.device.limits.maxComputeWorkgroupsPerDimension);
  return [gpu.record(gpu.pipeline(code, 'matmul_sgmat'), [params, x, ...weights], workgroups)];
}
