/**
 * KL divergence of a quantized model from the 16-bit one, as `llama-perplexity --kl-divergence`:
 * the same windows as perplexity (floor(tokens / n_ctx), BOS first where the tokenizer adds one),
 * the tokens of each window's second half scored (positions n_ctx/2 .. n_ctx-2 predict the next).
 * Per token: KL(P_16bit || P_quant), Δp = p_quant(correct) - p_16bit(correct), and whether both
 * put the same token first; reported as mean (with llama.cpp's uncertainty), median, 90th and
 * 99th percentiles and maximum of the KLD, "same top-1" in percent, mean and RMS of Δp in percent,
 * and the perplexity ratio PPL(Q)/PPL(base) over the same tokens.
 *
 * llama.cpp keeps the base model's whole distribution (16-bit quantized log-probs). QuantLab keeps
 * the top k log-probabilities of each token (k = 32 by default), the rest's total mass r_P and the
 * correct token's log-probability. The KLD of a token is then
 *   sum over the top k of P_i (log P_i - log Q_i)  +  r_P log(r_P / r_Q),
 * r_Q being the quantized model's mass outside the same k tokens. By the log-sum inequality the
 * tail term is a lower bound of the tail's true contribution sum_tail P_i log(P_i / Q_i); the
 * difference is r_P times the KL divergence between the two renormalised tails, so the error is
 * never negative, never more than r_P times the tail's largest log-ratio, and vanishes with r_P.
 */
import type { InferenceSession } from '../engine/session';
import { CancelledError, firstScored, perplexityWindows } from './perplexity';
import { mean, medianSorted, percentileSorted } from './stats';

export const DEFAULT_TOP_K = 32;

/** One window of the reference: per scored token its log p(correct), its tail mass and its top k (ids, log-probs, descending). */
export interface ReferenceWindow {
  k: number;
  tokens: number;
  tokenLogprob: Float32Array;
  tailMass: Float32Array;
  ids: Uint32Array;
  logprobs: Float32Array;
}

export function encodeReferenceWindow(w: ReferenceWindow): Uint8Array {
  const header = new Uint32Array([w.k, w.tokens]);
  const parts = [header, w.tokenLogprob, w.tailMass, w.ids, w.logprobs];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let off = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), off);
    off += p.byteLength;
  }
  return out;
}

export function decodeReferenceWindow(bytes: Uint8Array): ReferenceWindow {
  const copy = bytes.slice().buffer;
  const [k, tokens] = new Uint32Array(copy, 0, 2);
  const expected = 8 + tokens * 8 + tokens * k * 8;
  if (bytes.byteLength !== expected) throw new Error(`a KL-divergence reference window has ${bytes.byteLength} bytes, not the ${expected} its header implies`);
  let off = 8;
  const take = <T>(Ctor: new (b: ArrayBuffer, o: number, n: number) => T, n: number): T => {
    const v = new Ctor(copy, off, n);
    off += n * 4;
    return v;
  };
  return {
    k,
    tokens,
    tokenLogprob: take(Float32Array, tokens),
    tailMass: take(Float32Array, tokens),
    ids: take(Uint32Array, tokens * k),
    logprobs: take(Float32Array, tokens * k),
  };
}

/** The top k of one row of log-probabilities, the mass outside them (summed directly, so a small tail keeps its digits), and log p(target). */
export function topKRow(row: Float32Array, k: number, target: number): { ids: number[]; logprobs: number[]; tail: number; targetLogprob: number } {
  // A sorted insertion list (k is small next to the vocabulary); ties keep the lower id first, as argmax does.
  const ids = new Array<number>(k);
  const vals = new Float64Array(k);
  let n = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (n === k && v <= vals[k - 1]) continue;
    let j = n < k ? n++ : k - 1;
    while (j > 0 && vals[j - 1] < v) {
      vals[j] = vals[j - 1];
      ids[j] = ids[j - 1];
      j--;
    }
    vals[j] = v;
    ids[j] = i;
  }
  ids.length = n;
  const inTop = new Set(ids);
  let tail = 0;
  for (let i = 0; i < row.length; i++) if (!inTop.has(i)) tail += Math.exp(row[i]);
  return { ids, logprobs: ids.map((i) => row[i]), tail, targetLogprob: row[target] };
}

export interface TokenDivergence {
  kld: number;
  pDiff: number;
  sameTop: boolean;
  nll: number;
  nllBase: number;
}

/** One token's numbers from the quantized model's log-probability row and the reference's entry `t` of a window. */
export function tokenDivergence(row: Float32Array, ref: ReferenceWindow, t: number, target: number, scratch: Uint8Array): TokenDivergence {
  const k = ref.k;
  let kld = 0;
  for (let j = 0; j < k; j++) {
    const lp = ref.logprobs[t * k + j];
    scratch[ref.ids[t * k + j]] = 1;
    kld += Math.exp(lp) * (lp - row[ref.ids[t * k + j]]);
  }
  let tailQ = 0;
  let best = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] > row[best]) best = i;
    if (!scratch[i]) tailQ += Math.exp(row[i]);
  }
  for (let j = 0; j < k; j++) scratch[ref.ids[t * k + j]] = 0;
  const tailP = ref.tailMass[t];
  // The reference stores its tail in f32: rounding Q's the same way makes a distribution's KLD from itself exactly 0.
  if (tailP > 0) kld += tailP * Math.log(tailP / Math.max(Math.fround(tailQ), 1e-300));
  const nll = -row[target];
  const nllBase = -ref.tokenLogprob[t];
  return { kld, pDiff: Math.exp(-nll) - Math.exp(-nllBase), sameTop: best === ref.ids[t * k], nll, nllBase };
}

export interface KldOptions {
  nCtx: number;
  limit?: number;
  bosTokenId?: number | null;
}

/** Runs one window (all but its last token) and hands each chunk's scored rows of log-probabilities over. */
async function runWindow(
  session: InferenceSession,
  window: readonly number[],
  onRows: (rows: Float32Array, firstPos: number, count: number) => void,
): Promise<void> {
  const nCtx = window.length;
  const first = firstScored(nCtx);
  const vocab = session.model.config.vocabSize;
  const batch = session.options.maxBatch;
  for (let start = 0; start < nCtx - 1; start += batch) {
    const end = Math.min(start + batch, nCtx - 1);
    session.forward(window.slice(start, end), start);
    if (end <= first) continue;
    const all = await session.readLogProbs();
    const from = Math.max(start, first);
    onRows(all.subarray((from - start) * vocab, (end - start) * vocab), from, end - from);
  }
}

/** The 16-bit model's reference of one window: what a later KLD run of any preset reads instead of the 16-bit model. */
export async function referenceWindow(session: InferenceSession, window: readonly number[], k: number): Promise<ReferenceWindow> {
  const nCtx = window.length;
  const first = firstScored(nCtx);
  const tokens = nCtx - 1 - first;
  const vocab = session.model.config.vocabSize;
  const kk = Math.min(k, vocab);
  const ref: ReferenceWindow = {
    k: kk,
    tokens,
    tokenLogprob: new Float32Array(tokens),
    tailMass: new Float32Array(tokens),
    ids: new Uint32Array(tokens * kk),
    logprobs: new Float32Array(tokens * kk),
  };
  await runWindow(session, window, (rows, from, count) => {
    for (let r = 0; r < count; r++) {
      const t = from + r - first;
      const top = topKRow(rows.subarray(r * vocab, (r + 1) * vocab), kk, window[from + r + 1]);
      ref.tokenLogprob[t] = top.targetLogprob;
      ref.tailMass[t] = top.tail;
      ref.ids.set(top.ids, t * kk);
      ref.logprobs.set(top.logprobs, t * kk);
    }
  });
  return ref;
}

/** Every scored token of one window against its reference. */
export async function windowDivergence(session: InferenceSession, window: readonly number[], ref: ReferenceWindow): Promise<TokenDivergence[]> {
  const first = firstScored(window.length);
  const vocab = session.model.config.vocabSize;
  const scratch = new Uint8Array(vocab);
  const out: TokenDivergence[] = [];
  await runWindow(session, window, (rows, from, count) => {
    for (let r = 0; r < count; r++) {
      out.push(tokenDivergence(rows.subarray(r * vocab, (r + 1) * vocab), ref, from + r - first, window[from + r + 1], scratch));
    }
  });
  return out;
}

/** The windows of a text for KLD: exactly perplexity's. */
export function kldWindows(tokens: ArrayLike<number>, options: KldOptions): number[][] {
  return perplexityWindows(tokens, options);
}

/** Per-token values a KLD cell accumulates (and a checkpoint keeps). */
export interface KldTokens {
  kld: number[];
  p_diff: number[];
  same_top: number[];
  nll: number[];
  nll_base: number[];
}

/** llama.cpp's mean_and_uncertainty: the mean and sqrt(population variance / (n - 1)), 0 for 10 values or fewer. */
function meanAndUncertainty(xs: readonly number[]): [number, number] {
  const n = xs.length;
  if (n < 1) return [0, 0];
  let s = 0;
  let s2 = 0;
  for (const x of xs) {
    s += x;
    s2 += x * x;
  }
  const f = s / n;
  const v = s2 / n - f * f;
  return [f, v > 0 && n > 10 ? Math.sqrt(v / (n - 1)) : 0];
}

export function kldMetrics(t: KldTokens): Record<string, number> {
  const n = t.kld.length;
  const sorted = Float64Array.from(t.kld).sort();
  const [kldMean, kldUnc] = meanAndUncertainty(t.kld);
  const [logPpl] = meanAndUncertainty(t.nll);
  const [logPplBase] = meanAndUncertainty(t.nll_base);
  const same = t.same_top.reduce((a, b) => a + b, 0) / n;
  const [pMean, pUnc] = meanAndUncertainty(t.p_diff);
  const pRms = Math.sqrt(mean(t.p_diff.map((d) => d * d)));
  return {
    kld_mean: kldMean,
    kld_mean_stderr: kldUnc,
    kld_median: medianSorted(sorted),
    kld_p90: percentileSorted(sorted, 0.9),
    kld_p99: percentileSorted(sorted, 0.99),
    kld_max: sorted[n - 1],
    same_top1: 100 * same,
    same_top1_stderr: n > 1 ? 100 * Math.sqrt((same * (1 - same)) / (n - 1)) : 0,
    delta_p_mean: 100 * pMean,
    delta_p_mean_stderr: 100 * pUnc,
    delta_p_rms: 100 * pRms,
    perplexity: Math.exp(logPpl),
    perplexity_base: Math.exp(logPplBase),
    ppl_ratio: Math.exp(logPpl - logPplBase),
    tokens: n,
  };
}

export { CancelledError };
