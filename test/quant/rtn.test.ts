import { describe, expect, it } from 'vitest';
import { f16BitsToF32, f32ToF16Bits, roundToF16 } from '../../src/quant/f16';
import { packedSizes } from '../../src/quant/layout';
import {
  dequantize,
  dequantizePacked,
  fakeQuantizeActivations,
  packQuantized,
  quantizeActivationRow,
  quantizeRtn,
  roundHalfEven,
  unpackQuantized,
} from '../../src/quant/rtn';
import { freshSeed, rng } from '../helpers/gpu';

describe('round half to even (torch.round)', () => {
  it('sends halves to the even neighbour and everything else to the nearest integer', () => {
    const cases: [number, number][] = [
      [0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [-0.5, 0], [-1.5, -2], [-2.5, -2], [-3.5, -4],
      [0.49999999999999994, 0], [0.5000000000000001, 1], [2.4, 2], [2.6, 3], [-2.4, -2], [-2.6, -3],
      [7, 7], [-7, -7], [1023.5, 1024], [1024.5, 1024], [0, 0],
    ];
    for (const [x, want] of cases) expect(roundHalfEven(x), String(x)).toBe(want);
  });
});

describe('f16 conversion', () => {
  it('rounds to the nearest f16, ties to even, through subnormals and overflow', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65519, 0x7bff], [65520, 0x7c00], [Infinity, 0x7c00],
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -26, 0x0001], [2 ** -14, 0x0400], [2 ** -14 - 2 ** -25, 0x0400],
      [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1 + 2 ** -11 + 2 ** -20, 0x3c01], [0.1, 0x2e66],
    ];
    for (const [x, want] of cases) expect(f32ToF16Bits(x), String(x)).toBe(want);
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN)))).toBe(true);
  });

  it('round-trips every finite f16 bit pattern', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      const back = f32ToF16Bits(f16BitsToF32(h));
      if (back !== h && !(h === 0x8000 && back === 0x8000)) expect(back, `0x${h.toString(16)}`).toBe(h);
    }
    expect(roundToF16(0.1)).toBe(0.0999755859375);
  });
});

function group(values: number[], bits: number, symmetric = false) {
  return quantizeRtn(values, 1, values.length, { bits, group: values.length, symmetric });
}

describe('RTN weight quantization', () => {
  it('rounds halves to even on a hand-worked 2-bit group', () => {
    // scale (2 - -1) / 3 = 1, zero = -round(-1) = 1.
    const q = group([-1, -0.5, 0, 0.5, 1, 2], 2);
    expect(f16BitsToF32(q.scales[0])).toBe(1);
    expect(q.zeros[0]).toBe(1);
    expect([...q.codes]).toEqual([0, 1, 1, 1, 2, 3]);
    expect([...dequantize(q)]).toEqual([-1, 0, 0, 0, 1, 2]);
  });

  it('stores the scale rounded to f16 and computes zero and codes with the rounded scale', () => {
    const q = group([0, 0.3, 0.7, 1], 4);
    const scale = roundToF16(Math.fround(1 / 15));
    expect(scale).not.toBe(Math.fround(1 / 15));
    expect(f16BitsToF32(q.scales[0])).toBe(scale);
    // 0.7 / scale = 10.5026..., so q = 11 (with the unrounded scale it would be 10.5 -> 10).
    expect(q.codes[2]).toBe(Math.round(0.7 / scale));
    expect(dequantize(q)[3]).toBe(Math.fround(15 * scale));
  });

  it('saturates all-positive and all-negative groups through the clamp on zero', () => {
    const pos = group([1, 2, 3, 4], 2);
    expect(pos.zeros[0]).toBe(0);
    expect([...dequantize(pos)]).toEqual([1, 2, 3, 3]);
    const neg = group([-4, -3, -2, -1], 2);
    expect(neg.zeros[0]).toBe(3);
    expect([...dequantize(neg)]).toEqual([-3, -3, -2, -1]);
  });

  it('treats a constant group as torch does: a 1e-5 floor, an f16 subnormal scale, saturated codes', () => {
    const q = group([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 4);
    expect(q.scales[0]).toBe(f32ToF16Bits(Math.fround(Math.fround(1e-5) / 15)));
    expect(q.scales[0]).toBeLessThan(0x0400);
    expect(q.zeros[0]).toBe(0);
    expect([...q.codes]).toEqual(new Array(8).fill(15));
  });

  it('quantizes symmetrically with codes offset by 2^(b-1)', () => {
    const q = group([-1, 0.25, 0.5, 1], 4, true);
    const scale = roundToF16(Math.fround(1 / 7));
    expect(f16BitsToF32(q.scales[0])).toBe(scale);
    expect([...q.codes]).toEqual([-1, 0.25, 0.5, 1].map((w) => Math.max(-8, Math.min(7, Math.round(w / scale))) + 8));
    expect(q.zeros[0]).toBe(8);
    const out = dequantize(q);
    for (const [i, w] of [-1, 0.25, 0.5, 1].entries()) expect(Math.abs(out[i] - w)).toBeLessThanOrEqual(scale / 2);
  });

  it('keeps every unsaturated value within half a step on random groups', () => {
    const seed = freshSeed();
    const next = rng(seed);
    for (const bits of [2, 3, 4, 8]) {
      for (const symmetric of [false, true]) {
        const rows = 5;
        const cols = 96;
        const w = Array.from({ length: rows * cols }, () => roundToF16((next() * 2 - 1) * 0.2));
        const q = quantizeRtn(w, rows, cols, { bits, group: 32, symmetric });
        const out = dequantize(q);
        for (let i = 0; i < w.length; i++) {
          const scale = f16BitsToF32(q.scales[Math.floor(i / 32)]);
          const max = 2 ** bits - 1;
          if (q.codes[i] === 0 || q.codes[i] === max) continue;
          expect(Math.abs(out[i] - w[i]), `seed ${seed} bits ${bits} sym ${symmetric} i ${i}`).toBeLessThanOrEqual(scale / 2 + 1e-12);
        }
      }
    }
  });
});

describe('packing', () => {
  it('lays 3-bit codes out as one little-endian bitstream a group, straddling words', () => {
    const codes = Array.from({ length: 16 }, (_, i) => i % 8);
    const q = quantizeRtn(new Array(16).fill(0), 1, 16, { bits: 3, group: 16, symmetric: false });
    q.codes.set(codes);
    const packed = packQuantized(q);
    let stream = 0n;
    codes.forEach((c, i) => (stream |= BigInt(c) << BigInt(3 * i)));
    expect([...packed.words]).toEqual([Number(stream & 0xffffffffn), Number(stream >> 32n)]);
  });

  it('round-trips codes, scales and zeros and sizes buffers as the layout says', () => {
    const seed = freshSeed();
    const next = rng(seed);
    for (const bits of [2, 3, 4, 8]) {
      for (const [rows, cols, g] of [[3, 40, 40], [5, 120, 40], [7, 64, 16], [2, 200, 0]] as const) {
        for (const symmetric of [false, true]) {
          const w = Array.from({ length: rows * cols }, () => roundToF16(next() * 2 - 1));
          const q = quantizeRtn(w, rows, cols, { bits, group: g, symmetric });
          const packed = packQuantized(q);
          const sizes = packedSizes(q);
          expect(packed.words.byteLength).toBe(sizes.qBytes);
          expect(packed.scales.byteLength).toBe(sizes.scaleBytes);
          expect(packed.zeros?.byteLength ?? 0).toBe(sizes.zeroBytes);
          const back = unpackQuantized(packed, q);
          const label = `seed ${seed} bits ${bits} ${rows}x${cols} g${g} sym ${symmetric}`;
          expect(back.codes, label).toEqual(q.codes);
          expect(back.scales, label).toEqual(q.scales);
          expect(back.zeros, label).toEqual(q.zeros);
          expect(dequantizePacked(packed, q), label).toEqual(dequantize(q));
          // Bits past a group's last code stay zero: nothing but padding lives there.
          const used = q.group * bits;
          if (used % 32) {
            const lastWord = packed.words[sizes.wordsPerGroup - 1];
            expect(lastWord >>> (used % 32), label).toBe(0);
          }
        }
      }
    }
  });
});

describe('activation reference', () => {
  it('quantizes a row per token, asymmetric, with the scale kept in f32', () => {
    const row = quantizeActivationRow([0, 0.25, 1], 8);
    expect(row.scale).toBe(Math.fround(1 / 255));
    expect(row.scale).not.toBe(roundToF16(row.scale));
    expect(row.zero).toBe(0);
    // 2 bits: the first row's scale is 1/3 in f32 (0.25 lands on step 1), the second's exactly 1 with zero 3.
    const out = fakeQuantizeActivations([0, 0.25, 1, 1, -3, -2, -1, 0], 2, 4, 2);
    const third = Math.fround(1 / 3);
    expect([...out.slice(0, 4)]).toEqual([0, third, Math.fround(3 * third), Math.fround(3 * third)]);
    expect([...out.slice(4)]).toEqual([-3, -2, -1, 0]);
  });

  it('keeps every value of a random row within half a step', () => {
    const seed = freshSeed();
    const next = rng(seed);
    for (const bits of [4, 8]) {
      const x = Array.from({ length: 3 * 50 }, () => (next() * 2 - 1) * 5 + 1);
      const out = fakeQuantizeActivations(x, 3, 50, bits);
      for (let r = 0; r < 3; r++) {
        const { scale } = quantizeActivationRow(x.slice(r * 50, r * 50 + 50), bits);
        for (let i = r * 50; i < r * 50 + 50; i++) {
          expect(Math.abs(out[i] - x[i]), `seed ${seed}`).toBeLessThanOrEqual(scale / 2 + 1e-6);
        }
      }
    }
  });
});
