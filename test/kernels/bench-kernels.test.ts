import { describe, expect, it } from 'vitest';
import { encodeCopyWords, encodeReadSum, readSumWorkgroups } from '../../src/eval/ceilings';
import { randomF16, randomValue } from '../../src/engine/ops/random';
import { f16BitsToF32 } from '../../src/quant/f16';
import { freshSeed, relativeError, rng, testGpu } from '../helpers/gpu';

// The bench's own kernels: random.wgsl (synthetic weights) and bandwidth.wgsl (the copy and read ceilings).
describe('bench kernels (random.wgsl, bandwidth.wgsl)', () => {
  it('fill_f16 gives the CPU reference values, rounded to f16', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    for (const count of [2, 998, 70000]) {
      const hashSeed = Math.floor(next() * 2 ** 32);
      const scale = 0.01 + next();
      const buffer = randomF16(gpu, 'random', count, hashSeed, scale);
      const words = await gpu.readU32(buffer, count / 2);
      const actual = Float32Array.from({ length: count }, (_, i) => f16BitsToF32((words[i >> 1] >>> ((i & 1) * 16)) & 0xffff));
      const expected = Float32Array.from({ length: count }, (_, i) => randomValue(hashSeed, i, scale));
      // f16 keeps 11 significant bits: at most half an ulp, 2^-11 of the largest value.
      expect(relativeError(actual, expected), `seed ${seed}, ${count} values`).toBeLessThan(2 ** -11);
      const mean = actual.reduce((a, b) => a + b, 0) / count;
      if (count > 1000) expect(Math.abs(mean) / scale, `seed ${seed}: centred on 0`).toBeLessThan(0.05);
      gpu.destroy(buffer);
    }
  });

  it('read_sum adds every 16-byte word of the buffer once', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    for (const words of [4, 4 * 1000, 4 * 300000]) {
      const data = Uint32Array.from({ length: words }, () => Math.floor(next() * 2 ** 32));
      const buffer = gpu.upload('data', data);
      const workgroups = readSumWorkgroups(buffer.size);
      const sums = gpu.createBuffer('sums', workgroups * 4);
      gpu.run(encodeReadSum(gpu, buffer, sums));
      const total = (await gpu.readU32(sums, workgroups)).reduce((a, b) => (a + b) >>> 0, 0);
      expect(total, `seed ${seed}, ${words} words`).toBe(data.reduce((a, b) => (a + b) >>> 0, 0));
      gpu.destroy(buffer);
      gpu.destroy(sums);
    }
  });

  it('copy_words copies every 16-byte word of the buffer once', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    for (const words of [4, 4 * 1000, 4 * 300000]) {
      const data = Uint32Array.from({ length: words }, () => Math.floor(next() * 2 ** 32));
      const source = gpu.upload('data', data);
      const target = gpu.createBuffer('copy', source.size);
      gpu.run(encodeCopyWords(gpu, source, target));
      const copied = await gpu.readU32(target, words);
      expect(copied.findIndex((w, i) => w !== data[i]), `seed ${seed}, ${words} words: the first word that differs`).toBe(-1);
      gpu.destroy(source);
      gpu.destroy(target);
    }
  });
});
