import { describe, expect, it } from 'vitest';
import { NonFiniteCounter, type FloatLayout } from '../../src/engine/ops/finite';
import { f32ToF16Bits } from '../../src/quant/f16';
import { freshSeed, randomArray, rng, testGpu } from '../helpers/gpu';

/** Random values with NaN, +inf and -inf planted at random places (about `rate` of them), and the edge cases that are finite. */
function plantedValues(n: number, rate: number, next: () => number): Float32Array {
  const values = randomArray(n, next, 1e4);
  const finiteEdges = [65504, -65504, 3.4028234663852886e38, -0, 5.96e-8, 1e-45];
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < rate) values[i] = [NaN, Infinity, -Infinity][Math.floor(next() * 3)];
    else if (r < 2 * rate) values[i] = finiteEdges[Math.floor(next() * finiteEdges.length)];
  }
  return values;
}

/** NaN payloads other than the canonical one: every exponent-all-ones pattern counts, whatever its mantissa and sign. */
function plantPayloads(bits: Uint16Array | Uint32Array, layout: FloatLayout, next: () => number): void {
  for (let j = 0; j < 5; j++) {
    const i = Math.floor(next() * bits.length);
    if (layout === 'f16') bits[i] = 0x7c00 | (next() < 0.5 ? 0x8000 : 0) | Math.floor(next() * 0x400);
    else bits[i] = (0x7f800000 | (next() < 0.5 ? 0x80000000 : 0) | Math.floor(next() * 0x800000)) >>> 0;
  }
}

function cpuCount(bits: Uint16Array | Uint32Array, layout: FloatLayout): number {
  const mask = layout === 'f16' ? 0x7c00 : 0x7f800000;
  let n = 0;
  for (const b of bits) if ((b & mask) >>> 0 === mask) n++;
  return n;
}

describe('non-finite value count (finite.wgsl)', () => {
  it('counts NaN and infinities of f16 and f32 tensors as the CPU does, all read back at once', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    // Odd f16 lengths leave a half-used last word; 1.3 M values make every invocation loop.
    const cases: [FloatLayout, number, number][] = [
      ['f16', 1, 0.5], ['f16', 7, 0.2], ['f16', 1001, 0.01], ['f16', 1_300_001, 1e-4], ['f16', 4096, 0],
      ['f32', 1, 0.5], ['f32', 333, 0.05], ['f32', 1_300_000, 1e-4], ['f32', 96, 0],
    ];
    const counter = new NonFiniteCounter(gpu, cases.length);
    const expected: number[] = [];
    const buffers: GPUBuffer[] = [];
    cases.forEach(([layout, n, rate], i) => {
      const values = plantedValues(n, rate, next);
      const bits = layout === 'f16' ? Uint16Array.from(values, f32ToF16Bits) : new Uint32Array(values.buffer);
      if (rate > 0) plantPayloads(bits, layout, next);
      expected.push(cpuCount(bits, layout));
      const buffer = gpu.upload(`tensor ${i}`, bits);
      buffers.push(buffer);
      counter.count(`tensor ${i}`, buffer, layout, n);
    });
    const counts = await counter.read();
    expect(counts.map((c) => c.name)).toEqual(cases.map((_, i) => `tensor ${i}`));
    cases.forEach(([layout, n], i) => expect(counts[i].count, `seed ${seed}: ${layout} x ${n}`).toBe(expected[i]));
    expect(expected.filter((c) => c > 0).length, 'most cases hold non-finite values').toBe(7);
    for (const b of buffers) gpu.destroy(b);
  });

  it('counts only the values asked for, and a tensor named twice once', async () => {
    const gpu = await testGpu();
    const tail = gpu.upload('tail', new Float32Array([1, 2, 3, NaN]));
    const counter = new NonFiniteCounter(gpu, 2);
    counter.count('first three', tail, 'f32', 3);
    counter.count('first three', tail, 'f32', 4);
    counter.count('all four', tail, 'f32', 4);
    expect(await counter.read()).toEqual([
      { name: 'first three', layout: 'f32', count: 0 },
      { name: 'all four', layout: 'f32', count: 1 },
    ]);
    gpu.destroy(tail);
  });
});
