/**
 * Log-likelihood requests as lm-evaluation-harness's HFLM runs them (`loglikelihood`,
 * `_encode_pair`, `_loglikelihood_tokens`), on an InferenceSession.
 *
 * A request is (context, continuation). Trailing spaces of the context move to the front of the
 * continuation; the continuation's tokens are tokens(context + continuation) after the first
 * len(tokens(context)); the model reads tokens(context) + those, left-truncated to max_length + 1
 * tokens, minus the last; the score is the summed log-probability of the continuation's tokens and
 * `isGreedy` says whether each of them is its row's argmax.
 *
 * The requests of one item (a question's choices) usually share their context. The shared
 * prefix of their model inputs is run once; each request then runs only its own tokens from
 * there, overwriting the KV cache beyond the prefix. All scores of a batch of items are written
 * on the GPU into one buffer and read back once.
 */
import type { InferenceSession } from '../engine/session';
import { CancelledError } from './perplexity';
import { rstripPy } from './prompt';

/** What encodePair needs of a tokenizer (src/model/tokenizer.ts's Tokenizer has it). */
export interface TokenizerLike {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
}

export interface LoglikelihoodRequest {
  context: string;
  continuation: string;
}

export interface EncodedRequest {
  context: number[];
  continuation: number[];
}

export interface LoglikelihoodResult {
  logprob: number;
  isGreedy: boolean;
  /** Tokens of the continuation. */
  tokens: number;
}

export interface EncodeOptions {
  /** HFLM's prefix_token_id: the BOS, else the EOS; the context of a request whose context is empty. */
  prefixTokenId: number;
  /** Text of the BOS token: a context that already starts with it is encoded without special tokens (lm-eval's has_bos_prefix). */
  bosText?: string | null;
}

/** HFLM.tok_encode: the tokenizer's default special tokens, unless the text already starts with the BOS. */
export function encodeText(tokenizer: TokenizerLike, text: string, options: Pick<EncodeOptions, 'bosText'>): number[] {
  const hasBos = options.bosText ? text.startsWith(options.bosText) : false;
  return hasBos ? tokenizer.encode(text, { addSpecialTokens: false }) : tokenizer.encode(text);
}

/** lm-eval's loglikelihood() tokenization of one request (with `_encode_pair` for a non-empty context). */
export function encodeRequest(tokenizer: TokenizerLike, request: LoglikelihoodRequest, options: EncodeOptions): EncodedRequest {
  let { context, continuation } = request;
  if (context === '') {
    const cont = tokenizer.encode(continuation, { addSpecialTokens: false });
    if (cont.length === 0) throw new Error('a request with an empty context and an empty continuation has nothing to score');
    return options.prefixTokenId !== cont[0]
      ? { context: [options.prefixTokenId], continuation: cont }
      : { context: cont.slice(0, 1), continuation: cont.slice(1) };
  }
  const trimmed = rstripPy(context);
  const spaces = context.length - trimmed.length;
  if (spaces > 0) {
    continuation = context.slice(trimmed.length) + continuation;
    context = trimmed;
  }
  const whole = encodeText(tokenizer, context + continuation, options);
  const ctx = encodeText(tokenizer, context, options);
  return { context: ctx, continuation: whole.slice(ctx.length) };
}

/**
 * The model input of a request (HFLM: `(context + continuation)[-(max_length + 1):][:-1]`) and the
 * position in it of the first row whose logits score a continuation token.
 */
export function modelInput(request: EncodedRequest, maxLength: number): { input: number[]; firstScored: number } {
  const n = request.continuation.length;
  if (n === 0) throw new Error('the continuation has no tokens of its own (it merged into the context when tokenized)');
  if (n > maxLength) throw new Error(`a continuation of ${n} tokens is longer than the model's ${maxLength}`);
  const whole = request.context.concat(request.continuation);
  const input = whole.slice(-(maxLength + 1)).slice(0, -1);
  return { input, firstScored: input.length - n };
}

function commonPrefix(inputs: number[][]): number {
  let n = Math.min(...inputs.map((x) => x.length));
  for (const x of inputs) {
    let i = 0;
    while (i < n && x[i] === inputs[0][i]) i++;
    n = i;
  }
  return n;
}

export interface ScorerOptions {
  /** Run the prefix the requests of an item share once (default). Off: every request runs from position 0. */
  prefixReuse?: boolean;
  /** Rows of the result buffer, read back at once; more items wait for the next read. */
  resultRows?: number;
}

/** Runs groups of requests (one group an item) and returns their results in the same shape. */
export class LoglikelihoodScorer {
  /** Tokens run through the model so far (prefixes counted once). */
  tokensRun = 0;
  private readonly session: InferenceSession;
  private readonly prefixReuse: boolean;
  private readonly out: GPUBuffer;
  private readonly rows: number;

  constructor(session: InferenceSession, options: ScorerOptions = {}) {
    this.session = session;
    this.prefixReuse = options.prefixReuse ?? true;
    this.rows = Math.max(options.resultRows ?? 8192, session.options.maxBatch);
    this.out = session.gpu.createBuffer('log-likelihood scores', this.rows * 8);
  }

  /** Longest input the session takes: lm-eval's max_length. */
  get maxLength(): number {
    return this.session.options.contextLength;
  }

  private run(tokens: number[], start: number, onChunk: (from: number, rows: number) => void): void {
    const batch = this.session.options.maxBatch;
    for (let off = 0; off < tokens.length; off += batch) {
      const chunk = tokens.slice(off, off + batch);
      this.session.forward(chunk, start + off);
      this.tokensRun += chunk.length;
      onChunk(start + off, chunk.length);
    }
  }

  /** `signal` is checked between items; a cancelled batch returns nothing. */
  async score(groups: readonly EncodedRequest[][], signal?: AbortSignal): Promise<LoglikelihoodResult[][]> {
    const results: LoglikelihoodResult[][] = [];
    let pending: { group: number; request: number; slot: number; rows: number }[] = [];
    let used = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      const values = await this.session.gpu.readF32(this.out, 2 * used);
      for (const p of pending) {
        let logprob = 0;
        let greedy = true;
        for (let r = 0; r < p.rows; r++) {
          logprob += values[2 * (p.slot + r)];
          greedy &&= values[2 * (p.slot + r) + 1] === 1;
        }
        results[p.group][p.request] = { logprob, isGreedy: greedy, tokens: p.rows };
      }
      pending = [];
      used = 0;
    };

    for (let g = 0; g < groups.length; g++) {
      if (signal?.aborted) throw new CancelledError();
      const requests = groups[g].map((r) => ({ ...modelInput(r, this.maxLength), continuation: r.continuation }));
      const rowsNeeded = requests.reduce((a, r) => a + r.continuation.length, 0);
      if (rowsNeeded > this.rows) throw new Error(`an item's continuations hold ${rowsNeeded} tokens, more than the ${this.rows} a batch scores`);
      if (used + rowsNeeded > this.rows) await flush();
      results[g] = [];
      const shared =
        this.prefixReuse && requests.length > 1
          ? Math.min(commonPrefix(requests.map((r) => r.input)), ...requests.map((r) => r.firstScored))
          : 0;
      if (shared > 0) this.run(requests[0].input.slice(0, shared), 0, () => {});
      requests.forEach((req, i) => {
        const slot = used;
        this.run(req.input.slice(shared), shared, (from, rows) => {
          const first = Math.max(req.firstScored - from, 0);
          if (first >= rows) return;
          const done = from + first - req.firstScored;
          const targets = req.continuation.slice(done, done + rows - first);
          this.session.queueTargetScores(targets, first, this.out, 2 * (slot + done));
        });
        used += req.continuation.length;
        pending.push({ group: g, request: i, slot, rows: req.continuation.length });
      });
    }
    await flush();
    return results;
  }

  dispose(): void {
    this.session.gpu.destroy(this.out);
  }
}
