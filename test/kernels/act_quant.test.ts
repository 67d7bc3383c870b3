import { afterAll, describe, expect, it } from 'vitest';
import {
  createF16Linear,
  destroyLinear,
  encodeActivationQuant,
  encodeLinear,
  hasNativeDot4,
  integerDot,
  LinearScratch,
  quantizeLinear,
  setIntegerDot,
  type IntegerDot,
} from '../../src/engine/linear';
import { f16BitsToF32, f32ToF16Bits } from '../../src/quant/f16';
import { fakeQuantizeActivations, quantizeActivationRow, roundHalfEven } from '../../src/quant/rtn';
import { freshSeed, randomArray, relativeError, rng, testGpu } from '../helpers/gpu';
import { dequantizedWeights } from '../helpers/linear';
import { referenceLinear } from '../quant/product';

let worst = 0;
afterAll(() => console.log(`act_quant.wgsl + linear: largest relative error seen ${worst.toExponential(2)}`));

/**
 * Rows whose min and max sit exactly on a power-of-two step s and whose other values lie within
 * 0.3 steps of a grid point, so no GPU's division error can tip a rounding: the GPU and the CPU
 * must agree up to the last bit of the scale.
 */
function gridRows(m: number, k: number, bits: number, next: () => number): Float32Array {
  const qmax = 2 ** bits - 1;
  const out = new Float32Array(m * k);
  for (let r = 0; r < m; r++) {
    const s = 2 ** -Math.floor(2 + next() * 6);
    const low = -Math.floor(next() * (qmax + 1));
    for (let i = 0; i < k; i++) {
      const step = low + Math.floor(next() * (qmax + 1));
      const jitter = (next() * 0.6 - 0.3) * (step === low ? 0 : 1) * (step === low + qmax ? 0 : 1);
      out[r * k + i] = (step + jitter) * s;
    }
    out[r * k + Math.floor(next() * k)] = low * s;
    out[r * k + Math.floor(next() * k)] = (low + qmax) * s;
  }
  return out;
}

async function gpuFakeQuant(x: Float32Array, m: number, k: number, bits: 4 | 8): Promise<Float32Array> {
  const gpu = await testGpu();
  const input = gpu.upload('x', x);
  const out = gpu.createBuffer('xq', m * k * 4);
  gpu.run(encodeActivationQuant(gpu, input, out, m, k, { bits }));
  const result = await gpu.readF32(out, m * k);
  gpu.destroy(input);
  gpu.destroy(out);
  return result;
}

describe('activation fake quantization (act_quant.wgsl)', () => {
  for (const bits of [4, 8] as const) {
    it(`matches the CPU reference per token at ${bits} bits on rows no rounding can tip`, async () => {
      const seed = freshSeed();
      const next = rng(seed);
      for (const [m, k] of [[1, 200], [7, 1000], [33, 64]]) {
        const x = gridRows(m, k, bits, next);
        const error = relativeError(await gpuFakeQuant(x, m, k, bits), fakeQuantizeActivations(x, m, k, bits));
        worst = Math.max(worst, error);
        expect(error, `seed ${seed}, ${m}x${k}`).toBeLessThan(1e-6);
      }
    });

    it(`agrees on random rows at ${bits} bits, except for values within float rounding of a tie`, async () => {
      const seed = freshSeed();
      const next = rng(seed);
      const m = 33;
      const k = 328;
      const x = new Float32Array(m * k);
      for (let r = 0; r < m; r++) {
        // Offsets beyond the spread make whole rows positive or negative: the zero clamp saturates.
        const spread = 10 ** (next() * 4 - 2);
        const offset = (next() - 0.5) * 4 * spread;
        for (let i = 0; i < k; i++) x[r * k + i] = offset + (next() * 2 - 1) * spread;
      }
      const gpu = await gpuFakeQuant(x, m, k, bits);
      const qmax = 2 ** bits - 1;
      for (let r = 0; r < m; r++) {
        const row = x.subarray(r * k, (r + 1) * k);
        const { scale, zero } = quantizeActivationRow(row, bits);
        const nearTie = (t: number) => Math.abs(Math.abs(t - Math.floor(t)) - 0.5) < 1e-4;
        // A zero point on the edge of a tie may go either way; the codes must then follow it.
        const zeros = nearTie(-row.reduce((a, b) => Math.min(a, b)) / scale) ? [zero - 1, zero, zero + 1] : [zero];
        const matches = zeros.some((z) =>
          Array.from(row).every((v, i) => {
            const t = v / scale;
            const options = nearTie(t) ? [Math.floor(t), Math.ceil(t)] : [roundHalfEven(Math.fround(t))];
            // A flipped rounding is off by a whole step; 1e-4 of a step leaves room for f32 rounding and the scale's last bit.
            return options.some((q) => Math.abs(gpu[r * k + i] - (Math.min(qmax, Math.max(0, q + z)) - z) * scale) <= scale * 1e-4);
          }),
        );
        expect(matches, `seed ${seed}, row ${r}`).toBe(true);
      }
    });
  }
});

describe('linear layers with quantized activations', () => {
  for (const [label, bits, weights] of [
    ['f16 weights, a8', 8, null],
    ['w4g64, a8', 8, { bits: 4, group: 64, symmetric: false, method: 'rtn' }],
    ['w4g64, a4', 4, { bits: 4, group: 64, symmetric: false, method: 'rtn' }],
    ['w8 per channel symmetric, a8', 8, { bits: 8, group: 0, symmetric: true, method: 'rtn' }],
  ] as const) {
    it(`${label}: fake-quantizes x per token, then multiplies, at M = 1, 7, 33`, async () => {
      const gpu = await testGpu();
      const seed = freshSeed();
      const next = rng(seed);
      const n = 97;
      const k = 320;
      const f16 = Uint16Array.from(randomArray(n * k, next), (v) => f32ToF16Bits(v));
      const b = randomArray(n, next);
      let w = createF16Linear(gpu, 'w', f16, n, k, b);
      let dense: Float32Array = Float32Array.from(f16, f16BitsToF32);
      if (weights) {
        const q = quantizeLinear(gpu, w, weights);
        destroyLinear(gpu, w);
        w = q;
        dense = await dequantizedWeights(gpu, q);
      }
      for (const m of [1, 7, 33]) {
        const xs = gridRows(m, k, bits, next);
        const x = gpu.upload('x', xs);
        const y = gpu.createBuffer('y', m * n * 4);
        const scratch = new LinearScratch(gpu, m, k);
        gpu.run(encodeLinear(gpu, w, x, y, m, { bits }, scratch));
        const got = await gpu.readF32(y, m * n);
        const error = relativeError(got, referenceLinear(fakeQuantizeActivations(xs, m, k, bits), dense, b, m, n, k));
        worst = Math.max(worst, error);
        expect(error, `seed ${seed}, M=${m}`).toBeLessThan(1e-4);
        // The input is left as it was: the quantized copy lives in the scratch.
        expect(await gpu.readF32(x, m * k), `seed ${seed}, M=${m}`).toEqual(xs);
        if (bits === 4) expect(relativeError(got, referenceLinear(xs, dense, b, m, n, k)), 'a4 changes the product').toBeGreaterThan(1e-3);
        gpu.destroy(x);
        gpu.destroy(y);
        scratch.destroy();
      }
      destroyLinear(gpu, w);
    });
  }

  it('decode with 8- and 4-bit weights: the integer path (dot4U8Packed or portable) agrees with fake quantization', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    const detected = integerDot(gpu);
    const modes: IntegerDot[] = hasNativeDot4(gpu) ? ['off', 'portable', 'native'] : ['off', 'portable'];
    const n = 97;
    const k = 384;
    const scratch = new LinearScratch(gpu, 1, k);
    try {
      for (const weights of [
        { bits: 4, group: 64, symmetric: false, method: 'rtn' },
        { bits: 4, group: 32, symmetric: true, method: 'rtn' },
        { bits: 8, group: 128, symmetric: false, method: 'rtn' },
        { bits: 8, group: 0, symmetric: true, method: 'rtn' },
      ] as const) {
        const b = randomArray(n, next);
        const source = createF16Linear(gpu, 'w', Uint16Array.from(randomArray(n * k, next), (v) => f32ToF16Bits(v)), n, k, b);
        const w = quantizeLinear(gpu, source, weights);
        destroyLinear(gpu, source);
        const dense = await dequantizedWeights(gpu, w);
        for (const bits of [8, 4] as const) {
          const xs = gridRows(1, k, bits, next);
          const x = gpu.upload('x', xs);
          const y = gpu.createBuffer('y', n * 4);
          // Independent of every GPU path: the CPU's fake quantization of x times the weights the GPU packed.
          const expected = referenceLinear(fakeQuantizeActivations(xs, 1, k, bits), dense, b, 1, n, k);
          for (const mode of modes) {
            setIntegerDot(gpu, mode);
            gpu.run(encodeLinear(gpu, w, x, y, 1, { bits }, scratch));
            const error = relativeError(await gpu.readF32(y, n), expected);
            worst = Math.max(worst, error);
            expect(error, `seed ${seed}: w${weights.bits} g${weights.group} a${bits} ${mode}`).toBeLessThan(1e-5);
          }
          gpu.destroy(x);
          gpu.destroy(y);
        }
        destroyLinear(gpu, w);
      }
    } finally {
      setIntegerDot(gpu, detected);
      scratch.destroy();
    }
  });

  it('keeps the quantized activations in a scratch its owner sizes and frees, and refuses one too small', async () => {
    const gpu = await testGpu();
    const next = rng(freshSeed());
    const n = 16;
    const k = 64;
    const w = createF16Linear(gpu, 'w', Uint16Array.from(randomArray(n * k, next), (v) => f32ToF16Bits(v)), n, k);
    const x = gpu.upload('x', gridRows(5, k, 8, next));
    const y = gpu.createBuffer('y', 5 * n * 4);
    const start = gpu.bytesAllocated;
    const scratch = new LinearScratch(gpu, 5, k);
    expect(gpu.bytesAllocated - start).toBe(5 * k * 4);
    gpu.run(encodeLinear(gpu, w, x, y, 5, { bits: 8 }, scratch));
    await gpu.readF32(y, 1);
    expect(gpu.bytesAllocated - start, 'encoding allocates nothing').toBe(5 * k * 4);
    const small = new LinearScratch(gpu, 4, k);
    expect(() => gpu.run(encodeLinear(gpu, w, x, y, 5, { bits: 8 }, small))).toThrow(/need a LinearScratch that holds them/);
    expect(() => gpu.run(encodeLinear(gpu, w, x, y, 5, { bits: 8 }))).toThrow(/need a LinearScratch/);
    small.destroy();
    scratch.destroy();
    expect(gpu.bytesAllocated).toBe(start);
    destroyLinear(gpu, w);
    gpu.destroy(x);
    gpu.destroy(y);
  });
});
