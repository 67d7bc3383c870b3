import { describe, expect, it } from 'vitest';
import { encodeKvWrite, qkvLayout } from '../../src/engine/ops/attention';
import { encodeEmbedding, encodeLogSoftmax, encodeRmsNorm, encodeRowNll } from '../../src/engine/ops/layers';
import { encodeArgmax } from '../../src/engine/ops/score';
import { addReference } from '../../src/engine/reference/elementwise';
import { logSumExp, rmsNormReference, ropeReference } from '../../src/engine/reference/layers';
import { ropeTable } from '../../src/engine/rope';
import { f16BitsToF32, f32ToF16Bits } from '../../src/quant/f16';
import { freshSeed, randomArray, relativeError, restoreDirectKernelsAfterEach, rng, testGpu } from '../helpers/gpu';
import { stackQkv } from '../helpers/kv';

describe('embedding, norm, rope and softmax kernels', () => {
  restoreDirectKernelsAfterEach();

  it('embedding gathers f16 rows', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    const vocab = 37;
    const hidden = 150;
    const table = Uint16Array.from(randomArray(vocab * hidden, next, 2), f32ToF16Bits);
    const ids = Uint32Array.from({ length: 11 }, () => Math.floor(next() * vocab));
    const out = gpu.createBuffer('out', ids.length * hidden * 4);
    const tableBuf = gpu.upload('table', table);
    const idBuf = gpu.upload('ids', ids);
    gpu.run(encodeEmbedding(gpu, tableBuf, idBuf, out, ids.length, hidden));
    const expected = new Float32Array(ids.length * hidden);
    ids.forEach((id, m) => {
      for (let j = 0; j < hidden; j++) expected[m * hidden + j] = f16BitsToF32(table[id * hidden + j]);
    });
    expect(relativeError(await gpu.readF32(out, expected.length), expected), `seed ${seed}`).toBe(0);
  });

  it('RMSNorm, and RMSNorm after a residual add in the same dispatch, match the CPU on awkward widths, in both kernel families', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    for (const [rows, width, direct] of [[1, 3, false], [7, 333, false], [5, 1029, false], [1, 3, true], [70, 333, true]] as const) {
      gpu.directKernels = direct;
      const x = randomArray(rows * width, next, 3);
      const w = randomArray(width, next, 1.5);
      const y = gpu.createBuffer('y', x.length * 4);
      const xb = gpu.upload('x', x);
      const wb = gpu.upload('w', w);
      gpu.run(encodeRmsNorm(gpu, { x: xb, weight: wb, y, rows, width, eps: 1e-5 }));
      expect(relativeError(await gpu.readF32(y, x.length), rmsNormReference(x, w, rows, width, 1e-5)), `seed ${seed}`).toBeLessThan(1e-5);
      const r = randomArray(rows * width, next, 3);
      const rb = gpu.upload('residual', r);
      gpu.run(encodeRmsNorm(gpu, { x: xb, weight: wb, y, rows, width, eps: 1e-5, residual: rb }));
      const sum = addReference(x, r);
      expect(await gpu.readF32(xb, x.length), `seed ${seed}: x += residual, as f32 adds it`).toEqual(sum);
      expect(relativeError(await gpu.readF32(y, x.length), rmsNormReference(sum, w, rows, width, 1e-5)), `seed ${seed}`).toBeLessThan(1e-5);
    }
  });

  it('RoPE in the KV write: queries rotated in place and keys rotated into the cache match the CPU at an offset, plain and llama3-scaled', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    for (const ropeScaling of [
      { type: 'none' as const },
      { type: 'llama3' as const, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 64 },
    ]) {
      const [tokens, heads, kvHeads, headDim, start] = [5, 3, 1, 18, 41];
      const shape = { kvHeads, headDim };
      const config = { headDim, ropeTheta: 500000, ropeScaling };
      const table = ropeTable(config, 64);
      const q = randomArray(tokens * heads * headDim, next, 2);
      const k = randomArray(tokens * kvHeads * headDim, next, 2);
      const v = randomArray(tokens * kvHeads * headDim, next, 2);
      const qkv = gpu.upload('qkv', stackQkv(q, k, v, tokens));
      const tb = gpu.upload('table', table);
      const position = gpu.upload('position', Uint32Array.of(start));
      // A 32-bit cache keeps the rotated keys as computed.
      const cache = {
        k: { cache: gpu.createBuffer('k', 64 * kvHeads * headDim * 4), meta: gpu.placeholder },
        v: { cache: gpu.createBuffer('v', 64 * kvHeads * headDim * 4), meta: gpu.placeholder },
      };
      const layout = qkvLayout(heads, shape);
      gpu.run(encodeKvWrite(gpu, { bits: 32, group: 0 }, shape, { tokens, qkv, layout, ropeTable: tb, position, cache }));
      const [qExpected, kExpected] = [Float32Array.from(q), Float32Array.from(k)];
      ropeReference(qExpected, table, tokens, heads, headDim, start);
      ropeReference(kExpected, table, tokens, kvHeads, headDim, start);
      const rows = await gpu.readF32(qkv, layout.row * tokens);
      const qGot = new Float32Array(q.length);
      for (let t = 0; t < tokens; t++) qGot.set(rows.subarray(t * layout.row, t * layout.row + heads * headDim), t * heads * headDim);
      const cached = (buffer: GPUBuffer) => gpu.readF32(buffer, k.length, start * kvHeads * headDim);
      expect(relativeError(qGot, qExpected), `seed ${seed}: queries`).toBeLessThan(1e-6);
      expect(relativeError(await cached(cache.k.cache), kExpected), `seed ${seed}: keys`).toBeLessThan(1e-6);
      expect(await cached(cache.v.cache), `seed ${seed}: values, unrotated`).toEqual(v);
      for (const buffer of [qkv, tb, position, cache.k.cache, cache.v.cache]) gpu.destroy(buffer);
    }
  });

  it('row NLL and log-softmax match the CPU over a vocabulary that is not a multiple of the workgroup', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    const [rows, width] = [6, 1001];
    const logits = randomArray(rows * width, next, 12);
    const targets = Uint32Array.from({ length: rows }, () => Math.floor(next() * width));
    const lb = gpu.upload('logits', logits);
    const tb = gpu.upload('targets', targets);
    const rb = gpu.createBuffer('result', rows * 8);
    gpu.run(encodeRowNll(gpu, lb, tb, rb, rows, width));
    const result = await gpu.readF32(rb, rows * 2);
    const expected = new Float32Array(rows * 2);
    const logProbs = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) {
      const row = logits.subarray(r * width, (r + 1) * width);
      const lse = logSumExp(row);
      expected[2 * r] = lse;
      expected[2 * r + 1] = lse - row[targets[r]];
      for (let j = 0; j < width; j++) logProbs[r * width + j] = row[j] - lse;
    }
    expect(relativeError(result, expected), `seed ${seed}`).toBeLessThan(1e-5);
    gpu.run(encodeLogSoftmax(gpu, lb, rows, width));
    expect(relativeError(await gpu.readF32(lb, rows * width), logProbs), `seed ${seed}`).toBeLessThan(1e-5);
  });

  it('argmax picks the first index of the largest logit of a row, ties and a vocabulary off the workgroup size included', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    const [rows, width] = [3, 1001];
    const logits = randomArray(rows * width, next, 12);
    // Row 1: the largest value three times, so only the first of them may win.
    const tied = [17, 503, 1000].map((i) => width + i);
    for (const i of tied) logits[i] = 20;
    const lb = gpu.upload('logits', logits);
    const token = gpu.createBuffer('token', 4);
    for (let r = 0; r < rows; r++) {
      const row = logits.subarray(r * width, (r + 1) * width);
      let best = 0;
      for (let i = 1; i < width; i++) if (row[i] > row[best]) best = i;
      gpu.run(encodeArgmax(gpu, lb, token, r, width));
      expect((await gpu.readU32(token, 1))[0], `seed ${seed}, row ${r}`).toBe(best);
    }
    gpu.destroy(lb);
    gpu.destroy(token);
  });
});
