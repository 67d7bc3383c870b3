import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { createF16Linear, destroyLinear, encodeLinear, quantizeLinear, type LinearWeight } from '../../src/engine/linear';
import { setF16Arithmetic } from '../../src/engine/ops/f16Arithmetic';
import { subgroupMatrixSupport, usesSubgroupMatrix } from '../../src/engine/ops/subgroupMatrix';
import type { GpuContext } from '../../src/gpu/context';
import { f16BitsToF32, f32ToF16Bits, roundToF16 } from '../../src/quant/f16';
import { freshSeed, randomArray, relativeError, restoreDirectKernelsAfterEach, rng, testGpu } from '../helpers/gpu';
import { dequantizedWeights } from '../helpers/linear';
import { referenceLinear } from '../quant/product';

let worst = 0;
afterAll(() => console.log(`matmul_sgmat.wgsl: largest relative error seen ${worst === 0 ? 'none (not run)' : worst.toExponential(2)}`));

// M off the 64-row tiles and past one tile; N off the tiles; K a multiple of 8 but not of the 32-wide step.
const TOKENS = [2, 33, 70];

/**
 * The kernel's arithmetic on the CPU: x and W' rounded to f16 (round to nearest even, as the GPU
 * converts), the products and sums exact in f64; only the GPU's f32 summation order differs.
 */
async function checkLinear(gpu: GpuContext, w: LinearWeight, dense: Float32Array, bias: Float32Array | null, next: () => number, label: string) {
  const w16 = Float32Array.from(dense, roundToF16);
  for (const m of TOKENS) {
    const xs = randomArray(m * w.cols, next, 2);
    const x = gpu.upload('x', xs);
    const y = gpu.createBuffer('y', m * w.rows * 4);
    gpu.run(encodeLinear(gpu, w, x, y, m));
    const error = relativeError(await gpu.readF32(y, m * w.rows), referenceLinear(Float32Array.from(xs, roundToF16), w16, bias, m, w.rows, w.cols));
    worst = Math.max(worst, error);
    expect(error, `${label}, M=${m}`).toBeLessThan(1e-4);
    gpu.destroy(x);
    gpu.destroy(y);
  }
}

/** The file's GPU on its GPU kernels with f16 arithmetic on, or the test skipped, saying what this adapter lacks. */
async function supportedGpu(ctx: TestContext): Promise<GpuContext> {
  const gpu = await testGpu();
  const support = subgroupMatrixSupport(gpu);
  if (!support.ok) ctx.skip(`this adapter lacks ${support.missing}`);
  gpu.directKernels = false;
  setF16Arithmetic(gpu, true);
  return gpu;
}

describe('prefill on subgroup matrices (matmul_sgmat.wgsl)', () => {
  restoreDirectKernelsAfterEach();

  it('is taken only once f16 arithmetic is turned on, where the adapter has what it needs, and says what is missing elsewhere', async () => {
    const gpu = await testGpu();
    gpu.directKernels = false;
    const support = subgroupMatrixSupport(gpu);
    if (!gpu.info.features.includes('shader-f16')) expect(support).toEqual({ ok: false, missing: "the 'shader-f16' feature" });
    setF16Arithmetic(gpu, false);
    expect(usesSubgroupMatrix(gpu, 512), 'off by default: scores keep the f32 arithmetic').toBe(false);
    setF16Arithmetic(gpu, true);
    expect(usesSubgroupMatrix(gpu, 512)).toBe(support.ok);
    gpu.directKernels = true;
    expect(usesSubgroupMatrix(gpu, 512)).toBe(false);
    setF16Arithmetic(gpu, false);
  });

  it('16-bit weights: matches the CPU product with f16 operands', async (ctx) => {
    const gpu = await supportedGpu(ctx);
    const seed = freshSeed();
    const next = rng(seed);
    for (const [k, n, bias] of [[200, 97, true], [64, 130, false], [512, 64, false]] as const) {
      const bits = Uint16Array.from(randomArray(n * k, next), (v) => f32ToF16Bits(v));
      const b = bias ? randomArray(n, next) : undefined;
      const w = createF16Linear(gpu, 'w', bits, n, k, b);
      await checkLinear(gpu, w, Float32Array.from(bits, f16BitsToF32), b ?? null, next, `seed ${seed}: K=${k} N=${n}`);
      destroyLinear(gpu, w);
    }
  });

  for (const bits of [2, 3, 4, 8] as const) {
    it(`${bits}-bit weights, both symmetries, several groups: matches the CPU product with f16 operands`, async (ctx) => {
      const gpu = await supportedGpu(ctx);
      const seed = freshSeed();
      const next = rng(seed);
      const n = 97;
      for (const symmetric of [false, true]) {
        for (const [group, k, bias] of [[32, 224, false], [128, 384, true], [0, 200, false], [40, 600, true]] as const) {
          const source = createF16Linear(gpu, 'w', Uint16Array.from(randomArray(n * k, next, 0.05), (v) => f32ToF16Bits(v)), n, k, bias ? randomArray(n, next) : undefined);
          const b = source.bias ? await gpu.readF32(source.bias, n) : null;
          const w = quantizeLinear(gpu, source, { bits, group, symmetric, method: 'rtn' });
          destroyLinear(gpu, source);
          await checkLinear(gpu, w, await dequantizedWeights(gpu, w), b, next, `seed ${seed}: ${symmetric ? 'sym' : 'asym'} g${group || 'pc'} K=${k}`);
          destroyLinear(gpu, w);
        }
      }
    });
  }
});
