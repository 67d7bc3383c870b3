import { afterAll, describe, expect, it } from 'vitest';
import { createF16Linear, destroyLinear, encodeLinear } from '../../src/engine/linear';
import { f16BitsToF32, f32ToF16Bits } from '../../src/quant/f16';
import { freshSeed, randomArray, relativeError, restoreDirectKernelsAfterEach, rng, testGpu } from '../helpers/gpu';
import { referenceLinear } from '../quant/product';

let worst = 0;
afterAll(() => console.log(`matmul.wgsl: largest relative error seen ${worst.toExponential(2)}`));

/** M = 1 takes the matrix-vector kernel; M > 1 each prefill kernel, whatever the adapter would pick. */
const PREFILL_CASES = [[1, 'tiled'], [7, 'tiled'], [33, 'tiled'], [7, 'direct'], [33, 'direct']] as const;

describe('f16 linear (matmul.wgsl)', () => {
  restoreDirectKernelsAfterEach();

  // K values that are even but not multiples of the 8-wide K tile; N and M off the 64 tiles.
  for (const [k, n, bias] of [[202, 97, false], [330, 97, true], [64, 130, true]] as const) {
    it(`matches the CPU product for K=${k}, N=${n}${bias ? ' with bias' : ''} at M = 1, 7, 33`, async () => {
      const gpu = await testGpu();
      const seed = freshSeed();
      const next = rng(seed);
      const bits = Uint16Array.from(randomArray(n * k, next), (v) => f32ToF16Bits(v));
      const b = bias ? randomArray(n, next) : undefined;
      const w = createF16Linear(gpu, 'w', bits, n, k, b);
      expect(w.bytes).toBe(n * k * 2 + (b ? n * 4 : 0));
      const dense = Float32Array.from(bits, f16BitsToF32);
      for (const [m, kernel] of PREFILL_CASES) {
        gpu.directKernels = kernel === 'direct';
        const xs = randomArray(m * k, next);
        const x = gpu.upload('x', xs);
        const y = gpu.createBuffer('y', m * n * 4);
        const before = gpu.bytesAllocated;
        gpu.run(encodeLinear(gpu, w, x, y, m));
        expect(gpu.bytesAllocated - before, 'no copy of the weights is made').toBeLessThan(n * k * 2);
        const error = relativeError(await gpu.readF32(y, m * n), referenceLinear(xs, dense, b ?? null, m, n, k));
        worst = Math.max(worst, error);
        expect(error, `seed ${seed}, M=${m}, ${kernel} kernel`).toBeLessThan(1e-4);
        gpu.destroy(x);
        gpu.destroy(y);
      }
      destroyLinear(gpu, w);
    });
  }

  it('spreads more rows than one dispatch dimension holds over a 2D grid', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    const n = 4 * gpu.device.limits.maxComputeWorkgroupsPerDimension + 37;
    const k = 8;
    const bits = Uint16Array.from(randomArray(n * k, next), (v) => f32ToF16Bits(v));
    const w = createF16Linear(gpu, 'tall', bits, n, k);
    const xs = randomArray(k, next);
    const x = gpu.upload('x', xs);
    const y = gpu.createBuffer('y', n * 4);
    gpu.run(encodeLinear(gpu, w, x, y, 1));
    const error = relativeError(await gpu.readF32(y, n), referenceLinear(xs, Float32Array.from(bits, f16BitsToF32), null, 1, n, k));
    worst = Math.max(worst, error);
    expect(error, `seed ${seed}`).toBeLessThan(1e-4);
    destroyLinear(gpu, w);
    gpu.destroy(x);
    gpu.destroy(y);
  });
});
