import { describe, expect, it } from 'vitest';
import { encodeEmbedding, encodeLogSoftmax, encodeRmsNorm, encodeRope, encodeRowNll } from '../../src/engine/ops/layers';
import { logSumExp, rmsNormReference, ropeReference } from '../../src/engine/reference/layers';
import { ropeTable } from '../../src/engine/rope';
import { f16BitsToF32, f32ToF16Bits } from '../../src/quant/f16';
import { freshSeed, randomArray, relativeError, restoreDirectKernelsAfterEach, rng, testGpu } from '../helpers/gpu';

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
    gpu.run((pass) => encodeEmbedding(gpu, pass, tableBuf, idBuf, out, ids.length, hidden));
    const expected = new Float32Array(ids.length * hidden);
    ids.forEach((id, m) => {
      for (let j = 0; j < hidden; j++) expected[m * hidden + j] = f16BitsToF32(table[id * hidden + j]);
    });
    expect(relativeError(await gpu.readF32(out, expected.length), expected), `seed ${seed}`).toBe(0);
  });

  it('RMSNorm matches the CPU on awkward widths, in both kernel families', async () => {
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
      gpu.run((pass) => encodeRmsNorm(gpu, pass, xb, wb, y, rows, width, 1e-5));
      expect(relativeError(await gpu.readF32(y, x.length), rmsNormReference(x, w, rows, width, 1e-5)), `seed ${seed}`).toBeLessThan(1e-5);
    }
  });

  it('RoPE matches the CPU at an offset, plain and llama3-scaled', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    for (const ropeScaling of [
      { type: 'none' as const },
      { type: 'llama3' as const, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 64 },
    ]) {
      const [tokens, heads, headDim, start] = [5, 3, 18, 41];
      const config = { headDim, ropeTheta: 500000, ropeScaling };
      const table = ropeTable(config, 64);
      const x = randomArray(tokens * heads * headDim, next, 2);
      const xb = gpu.upload('x', x);
      const tb = gpu.upload('table', table);
      gpu.run((pass) => encodeRope(gpu, pass, xb, tb, tokens, heads, headDim, start));
      const expected = Float32Array.from(x);
      ropeReference(expected, table, tokens, heads, headDim, start);
      expect(relativeError(await gpu.readF32(xb, x.length), expected), `seed ${seed}`).toBeLessThan(1e-6);
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
    gpu.run((pass) => encodeRowNll(gpu, pass, lb, tb, rb, rows, width));
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
    gpu.run((pass) => encodeLogSoftmax(gpu, pass, lb, rows, width));
    expect(relativeError(await gpu.readF32(lb, rows * width), logProbs), `seed ${seed}`).toBeLessThan(1e-5);
  });
});
