import { describe, expect, it } from 'vitest';
import { attentionSharesSize, encodeAttention, encodeKvWrite, qkvLayout } from '../../src/engine/ops/attention';
import { kvEntryBytes, type KvFormat } from '../../src/quant/layout';
import { attentionReference, kvRoundTripReference } from '../../src/engine/reference/layers';
import { freshSeed, randomArray, relativeError, restoreDirectKernelsAfterEach, rng, testGpu } from '../helpers/gpu';
import { firstCacheMismatch, identityRope, kvCacheReference, stackQkv } from '../helpers/kv';

const FORMATS: KvFormat[] = [
  { bits: 32, group: 0 },
  { bits: 16, group: 0 },
  { bits: 8, group: 128 },
  { bits: 4, group: 16 },
  { bits: 3, group: 24 },
  { bits: 2, group: 48 },
];

describe('quantized KV cache and causal GQA attention', () => {
  restoreDirectKernelsAfterEach();

  for (const format of FORMATS) for (const direct of [false, true]) {
    const family = direct ? 'one invocation a query (CPU adapters)' : 'a workgroup a query, a single query split over chunks of keys (GPUs)';
    it(`KV${format.bits}${format.bits < 16 ? ` g${format.group}` : ''}, ${family}: cached attention equals the CPU over the round-tripped cache`, async () => {
      const gpu = await testGpu();
      gpu.directKernels = direct;
      const seed = freshSeed();
      const next = rng(seed);
      const [heads, kvHeads, headDim] = [6, 2, 48];
      const shape = { kvHeads, headDim };
      const group = Math.min(format.group, headDim);
      const capacity = 160;
      const entry = kvEntryBytes(format, shape);
      const kCache = { cache: gpu.createBuffer('k', capacity * entry.data), meta: gpu.createBuffer('km', capacity * entry.meta) };
      const vCache = { cache: gpu.createBuffer('v', capacity * entry.data), meta: gpu.createBuffer('vm', capacity * entry.meta) };
      const layer = { k: kCache, v: vCache };
      const layout = qkvLayout(heads, shape);
      // A rotation by nothing: attention over the cache is under test (RoPE is in layers.test.ts).
      const table = gpu.upload('rope', identityRope(capacity, headDim));
      const position = gpu.createBuffer('position', 4);
      const sharesSize = attentionSharesSize(heads, headDim, capacity);
      const shares = { buffer: gpu.createBuffer('shares', sharesSize.bytes), chunks: sharesSize.chunks };
      let kSeen = new Float32Array(0);
      let vSeen = kSeen;
      let kWritten = kSeen;
      let vWritten = kSeen;
      let start = 0;
      // A single query over one key, a prefill of 130 tokens (past one tile of keys), then two single
      // queries, which on GPUs take the split kernels (attention_decode.wgsl) over 5 chunks, the last partly filled.
      for (const tokens of [1, 130, 1, 1]) {
        const q = randomArray(tokens * heads * headDim, next, 2);
        const k = randomArray(tokens * kvHeads * headDim, next, 2);
        const v = randomArray(tokens * kvHeads * headDim, next, 2);
        const qkv = gpu.upload('qkv', stackQkv(q, k, v, tokens));
        const out = gpu.createBuffer('out', q.length * 4);
        gpu.write(position, Uint32Array.of(start));
        gpu.run([
          ...encodeKvWrite(gpu, format, shape, { tokens, qkv, layout, ropeTable: table, position, cache: layer }),
          ...encodeAttention(gpu, format, shape, { tokens, heads, q: qkv, qRow: layout.row, position, cache: layer, out, shares }),
        ]);
        kSeen = Float32Array.from([...kSeen, ...kvRoundTripReference(k, format.bits, group)]);
        vSeen = Float32Array.from([...vSeen, ...kvRoundTripReference(v, format.bits, group)]);
        kWritten = Float32Array.from([...kWritten, ...k]);
        vWritten = Float32Array.from([...vWritten, ...v]);
        if (format.bits < 16) {
          // The cache holds exactly the CPU quantizer's codes, so the attention below compares like with like.
          const end = start + tokens;
          for (const [cache, written] of [[kCache, kWritten], [vCache, vWritten]] as const) {
            const gpuBits = { words: await gpu.readU32(cache.cache, (end * entry.data) / 4), meta: await gpu.readU32(cache.meta, (end * entry.meta) / 4) };
            expect(firstCacheMismatch(gpuBits, kvCacheReference(written, format.bits, group), format.bits, group), `seed ${seed}`).toBe('none');
          }
        }
        const expected = attentionReference(q, kSeen, vSeen, tokens, heads, kvHeads, headDim, start);
        const actual = await gpu.readF32(out, q.length);
        expect(relativeError(actual, expected), `seed ${seed}, ${tokens} tokens at ${start}`).toBeLessThan(1e-4);
        start += tokens;
      }
    });
  }

  for (const direct of [false, true]) {
    it(`near-constant groups of V: their subnormal f16 scales are decoded, not flushed to zero (${direct ? 'CPU-adapter' : 'GPU'} kernel)`, async () => {
      const gpu = await testGpu();
      gpu.directKernels = direct;
      const seed = freshSeed();
      const next = rng(seed);
      const [tokens, heads, kvHeads, headDim] = [9, 4, 2, 32];
      const shape = { kvHeads, headDim };
      for (const format of [{ bits: 8, group: 32 }, { bits: 4, group: 16 }, { bits: 2, group: 32 }] as const) {
        const q = randomArray(tokens * heads * headDim, next, 2);
        const k = randomArray(tokens * kvHeads * headDim, next, 2);
        // Spreads far below the 1e-5 floor: scale = 1e-5 / (2^b - 1), below f16's smallest normal 6.1e-5.
        const v = new Float32Array(tokens * kvHeads * headDim);
        for (let g = 0; g < v.length / format.group; g++) {
          const center = (next() * 2 - 1) * 3e-6;
          for (let i = 0; i < format.group; i++) v[g * format.group + i] = center + (next() * 2 - 1) * 1e-6;
        }
        const vRef = kvCacheReference(v, format.bits, format.group);
        expect(Array.from(vRef.meta).every((m) => (m & 0x7c00) === 0), 'every scale is subnormal').toBe(true);
        const entry = kvEntryBytes(format, shape);
        const kCache = { cache: gpu.createBuffer('k', tokens * entry.data), meta: gpu.createBuffer('km', tokens * entry.meta) };
        const vCache = { cache: gpu.createBuffer('v', tokens * entry.data), meta: gpu.createBuffer('vm', tokens * entry.meta) };
        const qkv = gpu.upload('qkv', stackQkv(q, k, v, tokens));
        const out = gpu.createBuffer('out', q.length * 4);
        const layer = { k: kCache, v: vCache };
        const layout = qkvLayout(heads, shape);
        const table = gpu.upload('rope', identityRope(tokens, headDim));
        const position = gpu.upload('position', Uint32Array.of(0));
        gpu.run([
          ...encodeKvWrite(gpu, format, shape, { tokens, qkv, layout, ropeTable: table, position, cache: layer }),
          ...encodeAttention(gpu, format, shape, { tokens, heads, q: qkv, qRow: layout.row, position, cache: layer, out }),
        ]);
        const kSeen = kvRoundTripReference(k, format.bits, format.group);
        const vSeen = kvRoundTripReference(v, format.bits, format.group);
        const expected = attentionReference(q, kSeen, vSeen, tokens, heads, kvHeads, headDim, 0);
        expect(relativeError(await gpu.readF32(out, q.length), expected), `seed ${seed}, ${format.bits}-bit g${format.group}`).toBeLessThan(1e-4);
        for (const buffer of [kCache.cache, kCache.meta, vCache.cache, vCache.meta, qkv, out, table, position]) gpu.destroy(buffer);
      }
    });
  }

  it('stores the cache at the size the format promises', () => {
    const shape = { kvHeads: 2, headDim: 64 };
    expect(kvEntryBytes({ bits: 16, group: 0 }, shape)).toEqual({ data: 256, meta: 0 });
    expect(kvEntryBytes({ bits: 4, group: 128 }, shape)).toEqual({ data: 64, meta: 8 });
    expect(kvEntryBytes({ bits: 3, group: 64 }, shape)).toEqual({ data: 48, meta: 8 });
  });
});
