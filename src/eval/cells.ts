/**
 * One cell of a sweep: one task under one preset whose weights are already on the GPU. Item
 * tasks run their rows in batches; after each batch the per-item scores so far are checkpointed,
 * so a resumed cell goes on from the first item it has no score for. Perplexity checkpoints after
 * each window, KL divergence too (its per-token values). Cancelling is checked between items.
 */
import type { RowSource, TextRow } from '../data/schemas';
import type { GpuModel } from '../engine/model';
import { InferenceSession } from '../engine/session';
import type { GpuContext } from '../gpu/context';
import type { LoadedModel } from '../model/load';
import type { CheckpointStore } from './checkpoint';
import { generateGreedy } from './generate';
import { DEFAULT_TOP_K, kldMetrics, kldWindows, referenceWindow, windowDivergence, type KldTokens } from './kld';
import type { KldReferenceStore, ReferenceKey } from './kldReference';
import { encodeRequest, encodeText, LoglikelihoodScorer, type EncodedRequest } from './loglikelihood';
import type { ModelTokens } from './modelTokens';
import { CancelledError, evaluatePerplexity } from './perplexity';
import { mean, meanStderr, pooledStderr } from './stats';
import type { TaskEntry } from './tasks/registry';
import { TaskError, type ItemTask, type MultipleChoiceItem, type PromptOptions } from './tasks/types';

export interface CellProgress {
  stage: 'reference' | 'score';
  done: number;
  total: number;
  unit: 'items' | 'windows';
  itemsPerSecond: number;
  secondsLeft: number | null;
}

export interface CellContext {
  gpu: GpuContext;
  model: LoadedModel;
  gpuModel: GpuModel;
  tokens: ModelTokens;
  /** Rows of the task's dataset (and its few-shot split, where it has one). */
  source: RowSource<unknown>;
  fewshot: readonly unknown[];
  entry: TaskEntry;
  limit: number | null;
  shots: number;
  chatTemplate: boolean;
  settings: Record<string, number>;
  /** Identity of the cell's computation: its checkpoint key. */
  key: string;
  checkpoints: CheckpointStore | null;
  signal?: AbortSignal;
  onProgress?: (p: CellProgress) => void;
  /** Items scored per read-back and checkpoint. */
  batchItems: number;
  prefixReuse: boolean;
}

export interface CellOutcome {
  metrics: Record<string, number>;
  items: Record<string, number[]>;
  /** Items (or windows) scored in this run, and tokens run through the model in this run: resumed parts excluded. */
  itemsRun: number;
  tokensRun: number;
  kvBytes: number;
  scratchBytes: number;
}

/** Most tokens a forward call takes: what the logits buffer of one binding can hold, at most 512. */
export function batchTokens(gpu: GpuContext, vocab: number, context: number): number {
  const fit = Math.floor(Math.min(gpu.info.maxStorageBufferBindingSize, gpu.info.maxBufferSize) / (vocab * 4));
  return Math.max(1, Math.min(512, fit, context));
}

/**
 * How log-likelihood and generation cells keep an unquantized KV cache: in f32. lm-eval's HFLM
 * keeps K and V in the dtype the model runs in, and its f32 run of the 16-bit weights is what
 * these scores match (test/eval/lm-eval-agreement.test.ts); a 16-bit cache moves a request's
 * log-likelihood by up to about 1e-2 on quantlab-tiny. Presets that quantize the cache still do.
 * Perplexity and KL divergence keep llama-perplexity's 16-bit cache.
 */
export const ITEM_PLAIN_KV_BITS: 16 | 32 = 32;

function openSession(ctx: CellContext, contextLength: number, plainKvBits: 16 | 32 = 16): InferenceSession {
  const vocab = ctx.model.config.vocabSize;
  return new InferenceSession(ctx.gpu, ctx.gpuModel, { contextLength, maxBatch: batchTokens(ctx.gpu, vocab, contextLength), plainKvBits });
}

function progressReporter(ctx: CellContext, unit: CellProgress['unit'], total: number, resumed: number) {
  const started = performance.now();
  return (done: number, stage: CellProgress['stage'] = 'score') => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = elapsed > 0 ? (done - resumed) / elapsed : 0;
    ctx.onProgress?.({ stage, done, total, unit, itemsPerSecond: rate, secondsLeft: rate > 0 ? (total - done) / rate : null });
  };
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

async function* rowsFrom(source: RowSource<unknown>, start: number, end: number): AsyncIterable<unknown[]> {
  let at = start;
  if (at >= end) return;
  for await (const chunk of source.chunks(start)) {
    const take = chunk.slice(0, end - at);
    if (take.length) yield take;
    at += take.length;
    if (at >= end) return;
  }
  if (at < end) throw new Error(`${source.info.name} ended after ${at} rows, but says it has ${source.info.rows}`);
}

/** Aggregates per-item scores into the task's metrics, with lm-eval's standard errors. */
export function itemMetrics(entry: TaskEntry, items: Record<string, number[]>): Record<string, number> {
  const out: Record<string, number> = {};
  const n = Object.values(items)[0]?.length ?? 0;
  const withStderr = (name: string, values: number[], stderr: number) => {
    out[name] = mean(values);
    if (values.length > 1) out[name.includes(',') ? name.replace(',', '_stderr,') : `${name}_stderr`] = stderr;
  };
  if (entry.kind === 'loglikelihood') {
    const ll = items.ll;
    out.perplexity = Math.exp(-mean(ll));
    // lm-eval bootstraps this one; the delta method (perplexity x standard error of the mean log-likelihood) is its closed form.
    if (n > 1) out.perplexity_stderr = out.perplexity * meanStderr(ll);
    withStderr('acc', items.acc, meanStderr(items.acc));
    out.tokens = items.tokens.reduce((a, b) => a + b, 0);
    return out;
  }
  for (const metric of entry.metrics) {
    const values = items[metric];
    if (!values) continue;
    let stderr = meanStderr(values);
    if (items.subject) {
      const groups = new Map<number, number[]>();
      values.forEach((v, i) => {
        const g = items.subject[i];
        if (!groups.has(g)) groups.set(g, []);
        groups.get(g)!.push(v);
      });
      const lists = [...groups.values()];
      stderr = pooledStderr(lists.map((l) => meanStderr(l)), lists.map((l) => l.length));
    }
    withStderr(metric, values, stderr);
  }
  if (items.generated_tokens) out.generated_tokens = items.generated_tokens.reduce((a, b) => a + b, 0);
  return out;
}

export async function runItemCell(ctx: CellContext): Promise<CellOutcome> {
  const task = ctx.entry.itemTask as ItemTask;
  const prompt: PromptOptions = { shots: ctx.shots, chat: ctx.chatTemplate ? ctx.tokens.chatTemplate : null };
  if (ctx.chatTemplate && !prompt.chat) throw new TaskError(`${ctx.model.name} has no chat_template in tokenizer_config.json`);
  const maxLength = Math.min(ctx.settings.max_length ?? ctx.entry.settings.max_length.default, ctx.model.config.maxPositions);
  const total = Math.min(ctx.limit ?? Infinity, ctx.source.info.rows);
  const saved = ctx.checkpoints ? await ctx.checkpoints.get(ctx.key) : null;
  const items: Record<string, number[]> = Object.fromEntries(task.itemKeys.map((k) => [k, saved?.items[k]?.slice(0, saved.done) ?? []]));
  let done = saved && task.itemKeys.every((k) => items[k].length === saved.done) ? saved.done : 0;
  if (done === 0) for (const k of task.itemKeys) items[k] = [];
  const resumed = done;
  const report = progressReporter(ctx, 'items', total, resumed);
  const session = openSession(ctx, maxLength, ITEM_PLAIN_KV_BITS);
  const scorer = new LoglikelihoodScorer(session, { prefixReuse: ctx.prefixReuse });
  const encodeOptions = { prefixTokenId: ctx.tokens.prefixTokenId, bosText: ctx.tokens.bosText };
  const encode = (r: { context: string; continuation: string }): EncodedRequest => encodeRequest(ctx.model.tokenizer, r, encodeOptions);
  const push = (scores: Record<string, number>) => {
    for (const k of task.itemKeys) {
      const v = scores[k];
      if (!Number.isFinite(v)) throw new Error(`${task.name} item ${items[task.itemKeys[0]].length}: ${k} is ${v}, not a finite number`);
      items[k].push(v);
    }
  };
  let tokensRun = 0;
  try {
    report(done);
    for await (const chunk of rowsFrom(ctx.source, done, total)) {
      for (let b = 0; b < chunk.length; b += ctx.batchItems) {
        throwIfAborted(ctx.signal);
        const rows = chunk.slice(b, b + ctx.batchItems);
        if (task.kind === 'generate_until') {
          for (const row of rows) {
            throwIfAborted(ctx.signal);
            const item = task.item(row as never, prompt);
            const context = encodeText(ctx.model.tokenizer, item.context, encodeOptions);
            const until = ctx.tokens.eosText && !item.until.includes(ctx.tokens.eosText) ? [...item.until, ctx.tokens.eosText] : item.until;
            const maxTokens = ctx.settings.max_gen_toks ?? item.maxTokens;
            const gen = await generateGreedy(session, (ids) => ctx.model.tokenizer.decode(ids), context, {
              until,
              maxTokens,
              stopTokenIds: ctx.tokens.stopTokenIds,
              signal: ctx.signal,
            });
            tokensRun += gen.contextTokens + gen.tokens;
            push({ ...task.score(row as never, gen.text), generated_tokens: gen.tokens });
          }
        } else if (task.kind === 'multiple_choice') {
          const built: MultipleChoiceItem[] = rows.map((row) => task.item(row as never, prompt, ctx.fewshot as never));
          const before = scorer.tokensRun;
          const results = await scorer.score(built.map((it) => it.requests.map(encode)), ctx.signal);
          tokensRun += scorer.tokensRun - before;
          rows.forEach((row, i) => push(task.score(row as never, built[i], results[i])));
        } else {
          const before = scorer.tokensRun;
          const results = await scorer.score(rows.map((row) => [encode(task.item(row as never, prompt).request)]), ctx.signal);
          tokensRun += scorer.tokensRun - before;
          for (const [r] of results) push({ acc: r.isGreedy ? 1 : 0, ll: r.logprob, tokens: r.tokens });
        }
        done += rows.length;
        await ctx.checkpoints?.put({ key: ctx.key, done, items, totals: {} });
        report(done);
      }
    }
    if (done === 0) throw new Error(`${ctx.source.info.name} has no rows to score`);
    return { metrics: itemMetrics(ctx.entry, items), items, itemsRun: done - resumed, tokensRun, kvBytes: session.kvBytes, scratchBytes: session.scratchBytes };
  } finally {
    scorer.dispose();
    session.dispose();
  }
}

/** A text dataset's rows as one text, a blank line between rows. */
export async function readText(source: RowSource<unknown>): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of source.chunks(0)) for (const row of chunk) parts.push((row as TextRow).text);
  return parts.join('\n\n');
}

function bosOf(ctx: CellContext): number | null {
  return ctx.model.tokenizer.addsBos ? ctx.model.tokenizer.bosTokenId : null;
}

export async function runPerplexityCell(ctx: CellContext, text: string): Promise<CellOutcome> {
  const nCtx = ctx.settings.n_ctx ?? ctx.entry.settings.n_ctx.default;
  const saved = ctx.checkpoints ? await ctx.checkpoints.get(ctx.key) : null;
  const resume = saved ? { window_nll: saved.items.window_nll ?? [], bytes_scored: saved.totals.bytes_scored ?? 0 } : undefined;
  const session = openSession(ctx, nCtx);
  try {
    const tokens = ctx.model.tokenizer.encode(text, { addSpecialTokens: false });
    let checkpointing = Promise.resolve();
    const m = await evaluatePerplexity(session, (ids) => ctx.model.tokenizer.decode(ids), tokens, { nCtx, limit: ctx.limit ?? undefined, bosTokenId: bosOf(ctx) }, {
      signal: ctx.signal,
      resume,
      onProgress: (p) => {
        const window_nll = p.window_nll;
        checkpointing = checkpointing.then(() => ctx.checkpoints?.put({ key: ctx.key, done: window_nll.length, items: { window_nll }, totals: { bytes_scored: p.bytes_scored } }));
        ctx.onProgress?.({ stage: 'score', done: p.windowsDone, total: p.windowsTotal, unit: 'windows', itemsPerSecond: p.tokensPerSecond / (nCtx - 1), secondsLeft: p.secondsLeft });
      },
    });
    await checkpointing;
    const run = m.windows - Math.min(resume?.window_nll.length ?? 0, m.windows);
    return {
      metrics: { perplexity: m.perplexity, bits_per_byte: m.bits_per_byte, tokens: m.tokens },
      items: { window_nll: m.window_nll },
      itemsRun: run,
      tokensRun: run * (nCtx - 1),
      kvBytes: session.kvBytes,
      scratchBytes: session.scratchBytes,
    };
  } finally {
    session.dispose();
  }
}

/** Where the 16-bit reference of a KLD cell comes from: stored windows, and a way to compute the missing ones. */
export interface ReferenceSource {
  store: KldReferenceStore;
  key: ReferenceKey;
  /** Computes and saves windows [from, windows.length) with the 16-bit model. */
  ensure(windows: number[][]): Promise<void>;
}

export function kldSettings(ctx: Pick<CellContext, 'settings' | 'entry'>): { nCtx: number; k: number } {
  return { nCtx: ctx.settings.n_ctx ?? ctx.entry.settings.n_ctx.default, k: ctx.settings.top_k ?? DEFAULT_TOP_K };
}

export function textWindows(model: LoadedModel, text: string, nCtx: number, limit: number | null): number[][] {
  const tokens = model.tokenizer.encode(text, { addSpecialTokens: false });
  const windows = kldWindows(tokens, { nCtx, limit: limit ?? undefined, bosTokenId: model.tokenizer.addsBos ? model.tokenizer.bosTokenId : null });
  if (windows.length === 0) throw new Error(`the text has ${tokens.length} tokens, fewer than one window of ${nCtx}: use a shorter window or a longer text`);
  return windows;
}

/** Computes the reference windows the store lacks, with a session on a 16-bit model. */
export async function computeReference(
  gpu: GpuContext,
  fp16: GpuModel,
  store: KldReferenceStore,
  key: ReferenceKey,
  windows: number[][],
  signal: AbortSignal | undefined,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const have = (await store.manifest(key))?.saved ?? 0;
  if (have >= windows.length) return;
  const vocab = fp16.config.vocabSize;
  const session = new InferenceSession(gpu, fp16, { contextLength: key.nCtx, maxBatch: batchTokens(gpu, vocab, key.nCtx) });
  try {
    for (let w = have; w < windows.length; w++) {
      throwIfAborted(signal);
      const ref = await referenceWindow(session, windows[w], key.k);
      await store.saveWindow(key, w, windows.length, vocab, ref);
      onProgress?.(w + 1, windows.length);
    }
  } finally {
    session.dispose();
  }
}

export async function runKldCell(ctx: CellContext, windows: number[][], reference: ReferenceSource): Promise<CellOutcome> {
  await reference.ensure(windows);
  const saved = ctx.checkpoints ? await ctx.checkpoints.get(ctx.key) : null;
  const keys = ['kld', 'p_diff', 'same_top', 'nll', 'nll_base'] as const;
  const perWindow = windows[0].length - 1 - Math.floor(windows[0].length / 2);
  const ok = saved && keys.every((k) => saved.items[k]?.length === saved.done * perWindow);
  const t: KldTokens = { kld: [], p_diff: [], same_top: [], nll: [], nll_base: [] };
  const windowKld: number[] = ok ? (saved.items.window_kld ?? []).slice() : [];
  const windowNll: number[] = ok ? (saved.items.window_nll ?? []).slice() : [];
  if (ok) for (const k of keys) t[k] = saved.items[k].slice();
  let done = ok ? saved.done : 0;
  const resumed = done;
  const report = progressReporter(ctx, 'windows', windows.length, resumed);
  const session = openSession(ctx, reference.key.nCtx);
  try {
    report(done);
    for (; done < windows.length; ) {
      throwIfAborted(ctx.signal);
      const ref = await reference.store.window(reference.key, done);
      const tokens = await windowDivergence(session, windows[done], ref);
      for (const d of tokens) {
        t.kld.push(d.kld);
        t.p_diff.push(d.pDiff);
        t.same_top.push(d.sameTop ? 1 : 0);
        t.nll.push(d.nll);
        t.nll_base.push(d.nllBase);
      }
      windowKld.push(mean(tokens.map((d) => d.kld)));
      windowNll.push(tokens.reduce((a, d) => a + d.nll, 0));
      done++;
      await ctx.checkpoints?.put({ key: ctx.key, done, items: { ...t, window_kld: windowKld, window_nll: windowNll }, totals: {} });
      report(done);
    }
    return {
      metrics: kldMetrics(t),
      items: { window_kld: windowKld, window_nll: windowNll },
      itemsRun: done - resumed,
      tokensRun: (done - resumed) * (reference.key.nCtx - 1),
      kvBytes: session.kvBytes,
      scratchBytes: session.scratchBytes,
    };
  } finally {
    session.dispose();
  }
}
