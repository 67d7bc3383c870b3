import { afterAll, describe, expect, it } from 'vitest';
import { createF16Linear, destroyLinear, quantizeLinear } from '../../src/engine/linear';
import { encodeMatvec, fastMatvecFits, MATVEC_THREAD_CHOICES, matvecThreads, setMatvecReduction, takesFastMatvec, type MatvecReduction } from '../../src/engine/ops/matvec';
import { f16BitsToF32, f32ToF16Bits } from '../../src/quant/f16';
import { freshSeed, randomArray, relativeError, rng, testGpu } from '../helpers/gpu';
import { dequantizedWeights } from '../helpers/linear';
import { referenceLinear } from '../quant/product';
import type { WeightBits } from '../../src/quant/preset';

let worst = 0;
afterAll(() => console.log(`matvec_q.wgsl, matvec_f16.wgsl: largest relative error seen ${worst.toExponential(2)}`));

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

// The formats the 16-byte kernels take (every built-in preset's), with K of several groups so
// that invocations step across groups; N = 97 ends inside a 4-row workgroup.
const FORMATS: [bits: WeightBits, group: number, symmetric: boolean, k: number][] = [
  [8, 128, false, 640],
  [8, 32, true, 416],
  [4, 128, false, 768],
  [4, 32, true, 480],
  [3, 128, false, 640],
  [3, 256, true, 512],
  [2, 128, false, 896],
  [2, 64, true, 320],
];
const REDUCTIONS: MatvecReduction[] = ['subgroup', 'shared'];
const THREADS = [32, 128, 256] as const;

describe('decode matrix-vector kernels (matvec_q.wgsl, matvec_f16.wgsl)', () => {
  it('leave packed rows of few units to the generic matvec on GPUs, and keep them on CPU adapters', async () => {
    const gpu = await testGpu();
    const saved = gpu.directKernels;
    gpu.directKernels = false;
    expect(takesFastMatvec(gpu, { format: 'q', bits: 3, group: 128, cols: 1408 }), '11 units of 128 codes').toBe(false);
    expect(takesFastMatvec(gpu, { format: 'q', bits: 3, group: 128, cols: 2048 }), '16 units').toBe(true);
    expect(takesFastMatvec(gpu, { format: 'q', bits: 2, group: 128, cols: 512 }), '8 units of 64 codes').toBe(false);
    expect(takesFastMatvec(gpu, { format: 'q', bits: 4, group: 128, cols: 512 }), '16 units of 32 codes').toBe(true);
    expect(takesFastMatvec(gpu, { format: 'f16', bits: 16, group: 0, cols: 64 }), '16-bit rows: measured only at 512 and up').toBe(true);
    gpu.directKernels = true;
    expect(takesFastMatvec(gpu, { format: 'q', bits: 3, group: 128, cols: 512 })).toBe(true);
    gpu.directKernels = saved;
  });

  for (const reduction of REDUCTIONS) {
    it(`packed formats, ${reduction} reduction, workgroups of ${THREADS.join(', ')}: match the CPU product`, async () => {
      const gpu = await testGpu();
      setMatvecReduction(gpu, reduction);
      const seed = freshSeed();
      const next = rng(seed);
      const n = 97;
      for (const [bits, group, symmetric, k] of FORMATS) {
        const bias = next() < 0.5 ? randomArray(n, next) : undefined;
        const source = createF16Linear(gpu, 'w', groupedWeights(n, k, group, next), n, k, bias);
        const w = quantizeLinear(gpu, source, { bits, group, symmetric, method: 'rtn' });
        destroyLinear(gpu, source);
        expect(fastMatvecFits(w), `w${bits}g${group}`).toBe(true);
        const dense = await dequantizedWeights(gpu, w);
        for (const threads of THREADS) {
          const xs = randomArray(k, next);
          const x = gpu.upload('x', xs);
          const y = gpu.createBuffer('y', n * 4);
          gpu.run(encodeMatvec(gpu, w, x, y, threads));
          const error = relativeError(await gpu.readF32(y, n), referenceLinear(xs, dense, bias ?? null, 1, n, k));
          worst = Math.max(worst, error);
          expect(error, `seed ${seed}: w${bits}g${group}${symmetric ? 'sym' : ''} K=${k}, ${threads} threads`).toBeLessThan(1e-4);
          gpu.destroy(x);
          gpu.destroy(y);
        }
        destroyLinear(gpu, w);
      }
      setMatvecReduction(gpu, gpu.info.features.includes('subgroups') ? 'subgroup' : 'shared');
    });

    it(`16-bit weights, ${reduction} reduction: match the CPU product`, async () => {
      const gpu = await testGpu();
      setMatvecReduction(gpu, reduction);
      const seed = freshSeed();
      const next = rng(seed);
      for (const [n, k] of [[97, 136], [130, 1024], [5, 4104]] as const) {
        const f16 = Uint16Array.from(randomArray(n * k, next), (v) => f32ToF16Bits(v));
        const bias = next() < 0.5 ? randomArray(n, next) : undefined;
        const w = createF16Linear(gpu, 'w', f16, n, k, bias);
        const dense = Float32Array.from(f16, f16BitsToF32);
        for (const threads of THREADS) {
          const xs = randomArray(k, next);
          const x = gpu.upload('x', xs);
          const y = gpu.createBuffer('y', n * 4);
          gpu.run(encodeMatvec(gpu, w, x, y, threads));
          const error = relativeError(await gpu.readF32(y, n), referenceLinear(xs, dense, bias ?? null, 1, n, k));
          worst = Math.max(worst, error);
          expect(error, `seed ${seed}: N=${n} K=${k}, ${threads} threads`).toBeLessThan(1e-4);
          gpu.destroy(x);
          gpu.destroy(y);
        }
        destroyLinear(gpu, w);
      }
      setMatvecReduction(gpu, gpu.info.features.includes('subgroups') ? 'subgroup' : 'shared');
    });
  }

  it('takes only formats whose groups fill whole 16-byte loads, and sizes workgroups by shape', () => {
    expect(fastMatvecFits({ format: 'q', bits: 2, group: 32, cols: 256 })).toBe(false);
    expect(fastMatvecFits({ format: 'q', bits: 3, group: 64, cols: 256 })).toBe(false);
    expect(fastMatvecFits({ format: 'q', bits: 4, group: 32, cols: 256 })).toBe(true);
    expect(fastMatvecFits({ format: 'f16', bits: 16, group: 0, cols: 202 })).toBe(false);
    for (const [rows, units] of [[14336, 128], [4096, 448], [512, 64], [1024, 16]]) {
      expect(MATVEC_THREAD_CHOICES).toContain(matvecThreads(rows, units));
    }
    expect(matvecThreads(1024, 512), 'few rows of many units: split K wider').toBeGreaterThan(matvecThreads(16384, 512));
  });
});
