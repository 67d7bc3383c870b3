import type { InferenceSession } from '../engine/session';

export interface PerplexityOptions {
  /** Window length in tokens (llama-perplexity's n_ctx). */
  nCtx: number;
  /** Score only the first `limit` windows. */
  limit?: number;
  /** Token that replaces each window's first token, where the tokenizer adds a BOS. */
  bosTokenId?: number | null;
}

export interface PerplexityProgress {
  windowsDone: number;
  windowsTotal: number;
  tokensScored: number;
  elapsedSeconds: number;
  tokensPerSecond: number;
  /** Seconds left at the pace so far; null before the first window ends. */
  secondsLeft: number | null;
  /** Perplexity of the windows done so far. */
  perplexity: number;
  /** What a later run needs to resume from here (RunHooks.resume). */
  window_nll: number[];
  bytes_scored: number;
}

export interface PerplexityMetrics {
  perplexity: number;
  bits_per_byte: number;
  /** Tokens scored (n_ctx - 1 - n_ctx/2 a window). */
  tokens: number;
  windows: number;
  n_ctx: number;
  nll_total: number;
  bytes_scored: number;
  /** Summed negative log-likelihood (nats) of each window, for resuming and for comparing runs window by window. */
  window_nll: number[];
}

export interface RunHooks {
  onProgress?: (p: PerplexityProgress) => void;
  signal?: AbortSignal;
  /** Windows already scored by an earlier, interrupted run: they are not run again. */
  resume?: { window_nll: number[]; bytes_scored: number };
}

/**
 * llama.cpp's windows: floor(tokens / nCtx) non-overlapping windows, the tail
 * dropped; each window's first token becomes the BOS where the tokenizer adds one.
 */
export function perplexityWindows(tokens: ArrayLike<number>, options: PerplexityOptions): number[][] {
  const count = Math.floor(tokens.length / options.nCtx);
  const windows: number[][] = [];
  for (let w = 0; w < Math.min(count, options.limit ?? count); w++) {
    const window = Array.from({ length: options.nCtx }, (_, i) => tokens[w * options.nCtx + i]);
    if (options.bosTokenId != null) window[0] = options.bosTokenId;
    windows.push(window);
  }
  return windows;
}

/** The first position whose logits are scored: the first half of a window only gives context. */
export function firstScored(nCtx: number): number {
  return Math.floor(nCtx / 2);
}

export class CancelledError extends Error {
  constructor() {
    super('the run was cancelled');
    this.name = 'CancelledError';
  }
}

/** The forward pass gave a negative log-likelihood that is NaN or infinite: no perplexity can be computed. */
export class NonFiniteOutputError extends Error {
  constructor(window: number, windows: number, position: number, value: number) {
    super(
      `scoring stopped in window ${window} of ${windows}: the negative log-likelihood of the token after position ${position} ` +
        `came out ${value}, not a finite number, so the model's logits overflowed (NaN or infinity) and no perplexity ` +
        'can be computed. The weights may be too large for 16-bit floats, or this preset breaks the model.',
    );
    this.name = 'NonFiniteOutputError';
  }
}

/**
 * Perplexity as llama-perplexity computes it: in each window the logits of
 * positions first..nCtx-2 score the next token; PPL = exp(total NLL / tokens).
 * Bits per byte divide the same NLL (in bits) by the UTF-8 bytes of the scored tokens.
 */
export async function evaluatePerplexity(
  session: InferenceSession,
  decode: (ids: number[]) => string,
  tokens: ArrayLike<number>,
  options: PerplexityOptions,
  hooks: RunHooks = {},
): Promise<PerplexityMetrics> {
  const { nCtx } = options;
  if (nCtx < 4) throw new Error(`a window of ${nCtx} tokens is too short to score`);
  const windows = perplexityWindows(tokens, options);
  if (windows.length === 0) {
    throw new Error(`the text has ${tokens.length} tokens, fewer than one window of ${nCtx}: use a shorter window or a longer text`);
  }
  const first = firstScored(nCtx);
  const perWindow = nCtx - 1 - first;
  const windowNll = hooks.resume ? hooks.resume.window_nll.slice(0, windows.length) : [];
  let bytes = hooks.resume && windowNll.length > 0 ? hooks.resume.bytes_scored : 0;
  const batch = session.options.maxBatch;
  const started = performance.now();
  const resumedWindows = windowNll.length;

  for (let w = windowNll.length; w < windows.length; w++) {
    if (hooks.signal?.aborted) throw new CancelledError();
    const window = windows[w];
    let nll = 0;
    for (let start = 0; start < nCtx - 1; start += batch) {
      const end = Math.min(start + batch, nCtx - 1);
      session.forward(window.slice(start, end), start);
      if (end <= first) continue;
      const rows = await session.rowNll(window.slice(start + 1, end + 1));
      for (let p = Math.max(start, first); p < end; p++) {
        const value = rows[2 * (p - start) + 1];
        if (!Number.isFinite(value)) throw new NonFiniteOutputError(w + 1, windows.length, p, value);
        nll += value;
      }
    }
    windowNll.push(nll);
    bytes += new TextEncoder().encode(decode(window.slice(first + 1, nCtx))).length;
    const done = w + 1;
    const elapsed = (performance.now() - started) / 1000;
    const ranHere = done - resumedWindows;
    hooks.onProgress?.({
      windowsDone: done,
      windowsTotal: windows.length,
      tokensScored: done * perWindow,
      elapsedSeconds: elapsed,
      tokensPerSecond: (ranHere * (nCtx - 1)) / elapsed,
      secondsLeft: ((windows.length - done) * elapsed) / ranHere,
      perplexity: Math.exp(windowNll.reduce((a, b) => a + b, 0) / (done * perWindow)),
      window_nll: windowNll.slice(),
      bytes_scored: bytes,
    });
  }
  const total = windowNll.reduce((a, b) => a + b, 0);
  const scored = windows.length * perWindow;
  return {
    perplexity: Math.exp(total / scored),
    bits_per_byte: total / Math.LN2 / bytes,
    tokens: scored,
    windows: windows.length,
    n_ctx: nCtx,
    nll_total: total,
    bytes_scored: bytes,
    window_nll: windowNll,
  };
}
