import { describe, expect, it } from 'vitest';
import { encodeKvWrite, qkvLayout } from '../../src/engine/ops/attention';
import { kvEntryBytes, type KvFormat } from '../../src/quant/layout';
import { freshSeed, rng, testGpu } from '../helpers/gpu';
import { awkwardKv, firstCacheMismatch, identityRope, kvCacheReference, stackQkv } from '../helpers/kv';

describe('quantized KV cache writes (kv_cache.wgsl)', () => {
  for (const bits of [2, 3, 4, 8] as const) {
    it(`writes ${bits}-bit codes, scales and zeros of K and V bit for bit as the CPU quantizer, ties and subnormal scales included`, async () => {
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
        const keys = awkwardKv((first + second) * perToken, group, bits, next);
        const values = awkwardKv((first + second) * perToken, group, bits, next);
        const cache = {
          k: { cache: gpu.createBuffer('k', (first + second) * entry.data), meta: gpu.createBuffer('k meta', (first + second) * entry.meta) },
          v: { cache: gpu.createBuffer('v', (first + second) * entry.data), meta: gpu.createBuffer('v meta', (first + second) * entry.meta) },
        };
        // No queries, and a rotation by nothing: the cache alone is under test (RoPE is in layers.test.ts).
        const layout = qkvLayout(0, shape);
        const table = gpu.upload('rope', identityRope(first + second, headDim));
        const position = gpu.createBuffer('position', 4);
        const inputs: GPUBuffer[] = [];
        for (const [start, tokens] of [[0, first], [first, second]]) {
          const range = [start * perToken, (start + tokens) * perToken];
          const qkv = gpu.upload('qkv', stackQkv(new Float32Array(0), keys.subarray(range[0], range[1]), values.subarray(range[0], range[1]), tokens));
          inputs.push(qkv);
          gpu.write(position, Uint32Array.of(start));
          gpu.run(encodeKvWrite(gpu, format, shape, { tokens, qkv, layout, ropeTable: table, position, cache }));
        }
        for (const [part, written] of [[cache.k, keys], [cache.v, values]] as const) {
          const gpuBits = { words: await gpu.readU32(part.cache), meta: await gpu.readU32(part.meta) };
          expect(firstCacheMismatch(gpuBits, kvCacheReference(written, bits, group), bits, group), label).toBe('none');
        }
        for (const buffer of [cache.k.cache, cache.k.meta, cache.v.cache, cache.v.meta, table, position, ...inputs]) gpu.destroy(buffer);
      }
    });
  }
});
