import { describe, expect, it } from 'vitest';
import { encodeKvWrite } from '../../src/engine/ops/attention';
import { kvEntryBytes, type KvFormat } from '../../src/quant/layout';
import { freshSeed, rng, testGpu } from '../helpers/gpu';
import { awkwardKv, firstCacheMismatch, kvCacheReference } from '../helpers/kv';

describe('quantized KV cache writes (kv_cache.wgsl)', () => {
  for (const bits of [2, 3, 4, 8] as const) {
    it(`writes ${bits}-bit codes, scales and zeros bit for bit as the CPU quantizer, ties and subnormal scales included`, async () => {
      const gpu = await testGpu();
      const seed = freshSeed();
      const next = rng(seed);
      for (const [headDim, group] of [[48, 16], [48, 24], [48, 48], [128, 32], [128, 128]]) {
        const format: KvFormat = { bits, group };
        const shape = { kvHeads: 2, headDim };
        const entry = kvEntryBytes(format, shape);
        const perToken = shape.kvHeads * headDim;
        const label = `seed ${seed}: ${bits}-bit g${group}, head_dim ${headDim}`;
        // Two writes, the second after the first, as a prefill and a decode step append.
        const [first, second] = [53, 3];
        const values = awkwardKv((first + second) * perToken, group, bits, next);
        const cache = gpu.createBuffer('cache', (first + second) * entry.data);
        const meta = gpu.createBuffer('meta', (first + second) * entry.meta);
        const a = gpu.upload('first', values.subarray(0, first * perToken));
        const b = gpu.upload('second', values.subarray(first * perToken));
        gpu.run((pass) => {
          encodeKvWrite(gpu, pass, format, shape, a, cache, meta, first, 0);
          encodeKvWrite(gpu, pass, format, shape, b, cache, meta, second, first);
        });
        const written = { words: await gpu.readU32(cache), meta: await gpu.readU32(meta) };
        expect(firstCacheMismatch(written, kvCacheReference(values, bits, group), bits, group), label).toBe('none');
        for (const buffer of [cache, meta, a, b]) gpu.destroy(buffer);
      }
    });
  }
});
