import { afterAll, describe, expect, it } from 'vitest';
import { createF16Linear, destroyLinear, encodeLinear, quantizeLinear } from '../../src/engine/linear';
import { f32ToF16Bits } from '../../src/quant/f16';
import { freshSeed, randomArray, relativeError, restoreDirectKernelsAfterEach, rng, testGpu } from '../helpers/gpu';
import { dequantizedWeights } from '../helpers/linear';
import { referenceLinear } from '../quant/product';

let worst = 0;
afterAll(() => console.log(`matmul_q.wgsl: largest relative error seen ${worst.toExponential(2)}`));

/** Weights in groups of varied spread and offset, so scales and zeros differ from group to group. */
function groupedWeights(n: number, k: number, group: number, next: () => number): Uint16Array {
  const out = new Uint16Array(n * k);
  for (let g = 0; g < (n * k) / group; g++) {
    const spread = 0.02 + next();
    const offset = (next() - 0.5) * spread;
    for (let i = 0; i < group; i++) out[g * group + i] = f32ToF16Bits(offset + (next() * 2 - 1) * spread);
  }
  return out;
}

/** M = 1 takes the matrix-vector kernel; M > 1 each prefill kernel, whatever the adapter would pick. */
const PREFILL_CASES = [[1, 'tiled'], [7, 'tiled'], [33, 'tiled'], [7, 'direct'], [33, 'direct']] as const;

describe('quantized linear (matmul_q.wgsl)', () => {
  restoreDirectKernelsAfterEach();

  // K a multiple of the group but not of 64; per channel with K = 200 and 328 (3-bit rows end
  // inside a word); N = 97 off the 64-row tiles and the 4-row matvec blocks. Groups of 40 and
  // 96 over rows of more than 64 runs make the matvec invocations step across group edges.
  const shapes: [group: number, k: number, bias: boolean][] = [
    [32, 224, false],
    [64, 320, true],
    [128, 384, false],
    [0, 200, true],
    [0, 328, false],
    [40, 600, false],
    [96, 768, true],
  ];
  for (const bits of [2, 3, 4, 8] as const) {
    for (const symmetric of [false, true]) {
      it(`${bits}-bit ${symmetric ? 'symmetric' : 'asymmetric'}: every group size, M = 1, 7, 33, matches the CPU product`, async () => {
        const gpu = await testGpu();
        const seed = freshSeed();
        const next = rng(seed);
        const n = 97;
        for (const [group, k, bias] of shapes) {
          const f16 = groupedWeights(n, k, group || k, next);
          const b = bias ? randomArray(n, next) : undefined;
          const source = createF16Linear(gpu, 'w', f16, n, k, b);
          const w = quantizeLinear(gpu, source, { bits, group, symmetric, method: 'rtn' });
          destroyLinear(gpu, source);
          const dense = await dequantizedWeights(gpu, w);
          for (const [m, kernel] of PREFILL_CASES) {
            gpu.directKernels = kernel === 'direct';
            const xs = randomArray(m * k, next);
            const x = gpu.upload('x', xs);
            const y = gpu.createBuffer('y', m * n * 4);
            const before = gpu.bytesAllocated;
            gpu.run(encodeLinear(gpu, w, x, y, m));
            expect(gpu.bytesAllocated - before, 'no dequantized copy is made').toBeLessThan(n * k * 2);
            const error = relativeError(await gpu.readF32(y, m * n), referenceLinear(xs, dense, b ?? null, m, n, k));
            worst = Math.max(worst, error);
            expect(error, `seed ${seed}: g${group || 'pc'} K=${k} M=${m} ${kernel} kernel`).toBeLessThan(1e-4);
            gpu.destroy(x);
            gpu.destroy(y);
          }
          destroyLinear(gpu, w);
        }
      });
    }
  }
});
