import { describe, expect, it } from 'vitest';
import { encodeKvWrite, qkvLayout } from '../../src/engine/ops/attention';
import { ropeReference } from '../../src/engine/reference/layers';
import type { GpuContext } from '../../src/gpu/context';
import { kvEntryBytes, type KvFormat } from '../../src/quant/layout';
import { freshSeed, randomArray, restoreDirectKernelsAfterEach, rng, testGpu } from '../helpers/gpu';
import { awkwardKv, firstCacheMismatch, identityRope, kvCacheReference, stackQkv } from '../helpers/kv';

/** Both kernel families on any adapter: a workgroup a group (GPUs), an invocation a group (CPU adapters). */
const FAMILIES = [
  { direct: false, name: 'a workgroup a group (GPUs)' },
  { direct: true, name: 'an invocation a group (CPU adapters)' },
];

/** The queries of `tokens` rows of the stacked projection, [tokens][heads * headDim]. */
async function readQueries(gpu: GpuContext, qkv: GPUBuffer, row: number, width: number, tokens: number): Promise<Float32Array> {
  const rows = await gpu.readF32(qkv, row * tokens);
  const out = new Float32Array(tokens * width);
  for (let t = 0; t < tokens; t++) out.set(rows.subarray(t * row, t * row + width), t * width);
  return out;
}

/**
 * A RoPE table of quarter turns only (cos, sin each 0 or +-1): every rotated value is one input,
 * maybe negated, exactly, with or without fused multiply-adds, so the rotation in the write can
 * be checked bit for bit, the cache's codes included.
 */
function quarterTurnRope(positions: number, headDim: number, next: () => number): Float32Array {
  const turns = [[1, 0], [0, 1], [-1, 0], [0, -1]];
  const table = new Float32Array(positions * headDim);
  for (let i = 0; i < table.length; i += 2) table.set(turns[Math.floor(next() * 4)], i);
  return table;
}

describe('quantized KV cache writes (kv_cache.wgsl)', () => {
  restoreDirectKernelsAfterEach();

  for (const family of FAMILIES) for (const bits of [2, 3, 4, 8] as const) {
    it(`writes ${bits}-bit codes, scales and zeros of K and V bit for bit as the CPU quantizer, ties and subnormal scales included, ${family.name}`, async () => {
      const gpu = await testGpu();
      gpu.directKernels = family.direct;
      const seed = freshSeed();
      const next = rng(seed);
      for (const [headDim, group] of [[48, 16], [48, 24], [48, 48], [128, 32], [128, 128]]) {
        const format: KvFormat = { bits, group };
        const heads = 3;
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
        // A rotation by nothing, so the awkward values reach the quantizer as they are (RoPE is
        // checked below and in layers.test.ts). The queries are there for the work ahead of the
        // cache's groups in the dispatch (a part of a workgroup too, for some groups); they come back unchanged.
        const layout = qkvLayout(heads, shape);
        const table = gpu.upload('rope', identityRope(first + second, headDim));
        const position = gpu.createBuffer('position', 4);
        const inputs: GPUBuffer[] = [];
        for (const [start, tokens] of [[0, first], [first, second]]) {
          const range = [start * perToken, (start + tokens) * perToken];
          const q = randomArray(tokens * heads * headDim, next, 2);
          const qkv = gpu.upload('qkv', stackQkv(q, keys.subarray(range[0], range[1]), values.subarray(range[0], range[1]), tokens));
          inputs.push(qkv);
          gpu.write(position, Uint32Array.of(start));
          gpu.run(encodeKvWrite(gpu, format, shape, { tokens, qkv, layout, ropeTable: table, position, cache }));
          expect(await readQueries(gpu, qkv, layout.row, heads * headDim, tokens), `${label}: queries`).toEqual(q);
        }
        for (const [part, written] of [[cache.k, keys], [cache.v, values]] as const) {
          const gpuBits = { words: await gpu.readU32(part.cache), meta: await gpu.readU32(part.meta) };
          expect(firstCacheMismatch(gpuBits, kvCacheReference(written, bits, group), bits, group), label).toBe('none');
        }
        for (const buffer of [cache.k.cache, cache.k.meta, cache.v.cache, cache.v.meta, table, position, ...inputs]) gpu.destroy(buffer);
      }
    });
  }

  for (const family of FAMILIES) {
    it(`rotates the queries in place and quantizes the rotated keys in the same dispatch, bit for bit, ${family.name}`, async () => {
      const gpu = await testGpu();
      gpu.directKernels = family.direct;
      const seed = freshSeed();
      const next = rng(seed);
      for (const [bits, group, heads, kvHeads, headDim, tokens, start] of [
        [4, 16, 3, 1, 48, 5, 7],
        [3, 24, 4, 2, 48, 1, 30],
        [2, 48, 5, 1, 48, 3, 0],
        [8, 128, 2, 2, 128, 2, 11],
      ] as const) {
        const format: KvFormat = { bits, group };
        const shape = { kvHeads, headDim };
        const entry = kvEntryBytes(format, shape);
        const positions = start + tokens;
        const label = `seed ${seed}: ${bits}-bit g${group}, ${heads} heads, ${tokens} tokens at ${start}`;
        const ropeTable = quarterTurnRope(positions, headDim, next);
        const q = randomArray(tokens * heads * headDim, next, 2);
        const k = awkwardKv(tokens * kvHeads * headDim, group, bits, next);
        const v = awkwardKv(tokens * kvHeads * headDim, group, bits, next);
        const qkv = gpu.upload('qkv', stackQkv(q, k, v, tokens));
        const table = gpu.upload('rope', ropeTable);
        const position = gpu.upload('position', Uint32Array.of(start));
        const cache = {
          k: { cache: gpu.createBuffer('k', positions * entry.data), meta: gpu.createBuffer('k meta', positions * entry.meta) },
          v: { cache: gpu.createBuffer('v', positions * entry.data), meta: gpu.createBuffer('v meta', positions * entry.meta) },
        };
        const layout = qkvLayout(heads, shape);
        gpu.run(encodeKvWrite(gpu, format, shape, { tokens, qkv, layout, ropeTable: table, position, cache }));
        const [qExpected, kExpected] = [Float32Array.from(q), Float32Array.from(k)];
        ropeReference(qExpected, ropeTable, tokens, heads, headDim, start);
        ropeReference(kExpected, ropeTable, tokens, kvHeads, headDim, start);
        expect(await readQueries(gpu, qkv, layout.row, heads * headDim, tokens), `${label}: queries`).toEqual(qExpected);
        const written = start * (entry.data / 4);
        const writtenMeta = start * (entry.meta / 4);
        for (const [part, values] of [[cache.k, kExpected], [cache.v, v]] as const) {
          const words = await gpu.readU32(part.cache);
          const meta = await gpu.readU32(part.meta);
          const gpuBits = { words: words.subarray(written), meta: meta.subarray(writtenMeta) };
          expect(firstCacheMismatch(gpuBits, kvCacheReference(values, bits, group), bits, group), label).toBe('none');
        }
        for (const buffer of [qkv, table, position, cache.k.cache, cache.k.meta, cache.v.cache, cache.v.meta]) gpu.destroy(buffer);
      }
    });
  }
});
