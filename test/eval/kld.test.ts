/**
 * KL divergence from top-k references against the full-vocabulary KL divergence, on random
 * distributions of awkward shape (fresh seed each run, printed; TEST_SEED repeats one).
 */
import { describe, expect, it } from 'vitest';
import { decodeReferenceWindow, encodeReferenceWindow, kldMetrics, tokenDivergence, topKRow, type ReferenceWindow } from '../../src/eval/kld';
import { freshSeed, rng } from '../helpers/gpu';

const seed = Number(process.env.TEST_SEED ?? freshSeed());

function logSoftmax(logits: Float64Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float32Array.from(logits, (v) => v - lse);
}

/** Peaked logits (a language model's shape): a few large, a long tail. */
function randomLogits(n: number, next: () => number, scale: number): Float64Array {
  return Float64Array.from({ length: n }, () => scale * (next() ** 3) * 10 + (next() - 0.5));
}

function fullKld(p: Float32Array, q: Float32Array): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.exp(p[i]) * (p[i] - q[i]);
  return s;
}

function windowOf(p: Float32Array, k: number, target: number): ReferenceWindow {
  const top = topKRow(p, k, target);
  return {
    k,
    tokens: 1,
    tokenLogprob: Float32Array.of(top.targetLogprob),
    tailMass: Float32Array.of(top.tail),
    ids: Uint32Array.from(top.ids),
    logprobs: Float32Array.from(top.logprobs),
  };
}

describe(`KL divergence from a top-k reference (seed ${seed})`, () => {
  it('topKRow gives the k largest in descending order, ties to the lower id, and the exact tail mass', () => {
    const next = rng(seed);
    for (let trial = 0; trial < 20; trial++) {
      const n = 50 + Math.floor(next() * 300);
      const row = logSoftmax(Float64Array.from({ length: n }, () => Math.round(next() * 40) / 4));
      const k = 1 + Math.floor(next() * 40);
      const top = topKRow(row, k, 3);
      const expected = Array.from(row, (v, i) => [v, i] as const)
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, k);
      expect(top.ids).toEqual(expected.map((e) => e[1]));
      const tail = Array.from(row).reduce((a, v, i) => a + (top.ids.includes(i) ? 0 : Math.exp(v)), 0);
      expect(top.tail).toBeCloseTo(tail, 12);
      expect(top.targetLogprob).toBe(row[3]);
    }
  });

  it('is a lower bound of the full KLD, short of it by at most r_P times the largest tail log-ratio', () => {
    const next = rng(seed + 1);
    for (let trial = 0; trial < 50; trial++) {
      const vocab = 200 + Math.floor(next() * 2000);
      const k = [1, 8, 32, 64][trial % 4];
      const base = randomLogits(vocab, next, 1 + next() * 3);
      const p = logSoftmax(base);
      const q = logSoftmax(base.map((v) => v + (next() - 0.5) * (trial % 5) * 0.3));
      const target = Math.floor(next() * vocab);
      const ref = windowOf(p, k, target);
      const d = tokenDivergence(q, ref, 0, target, new Uint8Array(vocab));
      const full = fullKld(p, q);
      const inTop = new Set(ref.ids);
      const tailQ = Array.from(q).reduce((a, v, i) => a + (inTop.has(i) ? 0 : Math.exp(v)), 0);
      let worst = 0;
      for (let i = 0; i < vocab; i++) if (!inTop.has(i)) worst = Math.max(worst, p[i] - Math.log(ref.tailMass[0]) - (q[i] - Math.log(tailQ)));
      expect(d.kld).toBeLessThanOrEqual(full + 1e-6);
      expect(full - d.kld).toBeLessThanOrEqual(ref.tailMass[0] * worst + 1e-6);
      expect(d.nll).toBeCloseTo(-q[target], 6);
      expect(d.pDiff).toBeCloseTo(Math.exp(q[target]) - Math.exp(p[target]), 6);
      let argmaxQ = 0;
      for (let i = 1; i < vocab; i++) if (q[i] > q[argmaxQ]) argmaxQ = i;
      expect(d.sameTop).toBe(argmaxQ === ref.ids[0]);
    }
  });

  it('equals the full KLD when the two tails are proportional, and is 0 for the same distribution', () => {
    const next = rng(seed + 2);
    const vocab = 500;
    const p = logSoftmax(randomLogits(vocab, next, 2));
    const ref = windowOf(p, 16, 7);
    const inTop = new Set(ref.ids);
    // Q: the top 16 moved, the tail scaled as a whole, so both tails are proportional.
    const raw = Float64Array.from(p, (v, i) => (inTop.has(i) ? v + (next() - 0.5) : v + 0.3));
    const q = logSoftmax(raw);
    const d = tokenDivergence(q, ref, 0, 7, new Uint8Array(vocab));
    expect(Math.abs(d.kld - fullKld(p, q))).toBeLessThan(1e-6);
    expect(tokenDivergence(p, ref, 0, 7, new Uint8Array(vocab)).kld).toBe(0);
  });

  it('a reference window survives its binary encoding', () => {
    const next = rng(seed + 3);
    const w: ReferenceWindow = {
      k: 3,
      tokens: 2,
      tokenLogprob: Float32Array.of(-1.5, -0.25),
      tailMass: Float32Array.of(0.01, 1e-7),
      ids: Uint32Array.from({ length: 6 }, () => Math.floor(next() * 1e5)),
      logprobs: Float32Array.from({ length: 6 }, () => -next()),
    };
    const back = decodeReferenceWindow(encodeReferenceWindow(w));
    expect(back).toEqual(w);
    expect(() => decodeReferenceWindow(encodeReferenceWindow(w).slice(0, 20))).toThrow(/bytes/);
  });

  it("reports llama.cpp's statistics: percentiles between ranks, same top-1 and Δp in percent", () => {
    const kld = Array.from({ length: 11 }, (_, i) => i / 10);
    const m = kldMetrics({ kld, p_diff: kld.map((x) => x / 10 - 0.05), same_top: kld.map((_, i) => (i < 8 ? 1 : 0)), nll: kld.map(() => 2), nll_base: kld.map(() => 1.5) });
    expect(m.kld_mean).toBeCloseTo(0.5, 12);
    expect(m.kld_median).toBeCloseTo(0.5, 12);
    expect(m.kld_p90).toBeCloseTo(0.9, 12);
    expect(m.kld_p99).toBeCloseTo(0.99, 12);
    expect(m.kld_max).toBeCloseTo(1, 12);
    expect(m.same_top1).toBeCloseTo((100 * 8) / 11, 10);
    expect(m.ppl_ratio).toBeCloseTo(Math.exp(0.5), 12);
    expect(m.delta_p_mean).toBeCloseTo(0, 10);
    expect(m.tokens).toBe(11);
  });
});
