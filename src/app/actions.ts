/**
 * What the page does: talk to the engine worker, keep IndexedDB up to date,
 * and write the outcome into the store. Components call these; none of them
 * talks to the worker or the database directly.
 */
import * as Comlink from 'comlink';
import { CancelledError } from '../eval/perplexity';
import { formatPreset, parsePreset } from '../quant/presets';
import { historyJson } from '../results/export';
import { deleteRecord, recordsPage, saveRecord, unreadableEntries } from '../results/history';
import { linkFor } from '../results/link';
import { deleteProgress, loadProgress, progressKey, saveProgress, type ModelSourceRef, type RunProgress } from '../results/progress';
import type { ResultRecord } from '../results/record';
import type { ModelSource, OpenEvent, RunEvent } from './engineApi';
import { EngineClient } from './engineClient';
import { gpuProblem, isCancelled, modelProblem, runProblem } from './problems';
import { comparisonKey, useLab } from './store';

/**
 * How long a cancelled run may take to stop by itself before its worker is
 * replaced. The engine checks for a cancel between windows, and one window
 * can take a minute on a slow GPU; a fresh worker reopens the model in seconds.
 */
const CANCEL_GRACE_MS = 3000;

const set = useLab.setState;
const get = useLab.getState;

let engine: EngineClient | null = null;
/** The source of the open model, blobs included, so a replaced worker can open it again. */
let openSource: ModelSource = { kind: 'default' };
/** Rejects the run in flight when its worker is replaced: a terminated worker never answers. */
let abandonRun: ((reason: unknown) => void) | null = null;
let runSettled: Promise<void> = Promise.resolve();

function client(): EngineClient {
  engine ??= new EngineClient((message) => {
    set({ gpu: { status: 'error', problem: { title: 'The engine stopped', message, advice: 'Reload the page to start it again.' } } });
  });
  return engine;
}

function sourceRef(source: ModelSource): ModelSourceRef {
  return source.kind === 'local' ? { kind: 'local' } : source.kind === 'hub' ? { kind: 'hub', id: source.id } : { kind: 'default' };
}

function sourceLabel(source: ModelSource): string {
  if (source.kind === 'default') return 'quantlab-tiny';
  if (source.kind === 'hub') return source.id;
  return `${source.files.length} local file${source.files.length === 1 ? '' : 's'}`;
}

/** Page start: the history and unfinished runs from IndexedDB, the GPU, and the default model. */
export async function start(): Promise<void> {
  void refreshStored();
  await connect();
  if (get().gpu.status === 'ready') await openModel({ kind: 'default' });
}

async function refreshStored(): Promise<void> {
  try {
    const [{ records, unreadable }, stranded, unfinished] = await Promise.all([
      recordsPage({ offset: 0, limit: 200 }, { withItems: true }),
      unreadableEntries(),
      loadProgress(),
    ]);
    const skipped = unreadable + stranded.length;
    set((s) => ({
      history: records,
      historyLoaded: true,
      unfinished,
      viewKey: s.viewKey ?? (records[0] ? comparisonKey(records[0]) : null),
      notice: skipped ? `${skipped} stored result${skipped === 1 ? ' was' : 's were'} unreadable and left out.` : s.notice,
    }));
  } catch (e) {
    set({ historyLoaded: true, notice: `The saved history could not be read: ${(e as Error).message}` });
  }
}

async function connect(): Promise<void> {
  set({ gpu: { status: 'connecting' } });
  try {
    const description = await client().api.connect();
    set({ gpu: { status: 'ready', description } });
  } catch (e) {
    set({ gpu: { status: 'error', problem: gpuProblem(e) } });
  }
}

export async function openModel(source: ModelSource): Promise<void> {
  if (get().run.phase !== 'idle') return;
  const label = sourceLabel(source);
  set({ model: { status: 'opening', label } });
  const onEvent = Comlink.proxy((event: OpenEvent) => {
    set((s) => (s.model.label === label && s.model.status === 'opening' ? { model: { ...s.model, event } } : {}));
  });
  try {
    const summary = await client().api.open(source, onEvent);
    openSource = source;
    set({ model: { status: 'ready', label: summary.name, summary } });
    clampWindowLength(summary.config.maxPositions);
  } catch (e) {
    set({ model: { status: 'error', label, problem: modelProblem(e) } });
  }
}

/** The default window of 512 tokens does not fit a model made for shorter contexts. */
function clampWindowLength(maxPositions: number): void {
  const n = Number(get().nCtx);
  if (Number.isInteger(n) && n > maxPositions) set({ nCtx: String(maxPositions) });
}

/** The form's window settings, or a sentence saying what is wrong with them. */
export function readTaskFields(): { nCtx: number; limit: number | null } | { error: string } {
  const { nCtx, windows, model } = get();
  const n = Number(nCtx);
  const max = model.summary?.config.maxPositions;
  if (!/^\d+$/.test(nCtx.trim()) || n < 8) return { error: 'The window length must be a whole number of tokens, 8 or more.' };
  if (max !== undefined && n > max) return { error: `The window length can be at most ${max} tokens, the model's context.` };
  const tokens = model.summary?.text.tokens;
  if (tokens !== undefined && Math.floor(tokens / n) < 1) {
    return { error: `The text has only ${tokens} tokens, less than one window of ${n}.` };
  }
  if (windows.trim() === '') return { nCtx: n, limit: null };
  if (!/^\d+$/.test(windows.trim()) || Number(windows) < 1) {
    return { error: 'The number of windows must be a whole number, 1 or more (or empty for all).' };
  }
  return { nCtx: n, limit: Number(windows) };
}

/** Runs the checked presets one after another. */
export async function runSelected(): Promise<void> {
  const fields = readTaskFields();
  if ('error' in fields) return;
  await runQueue(get().selected, fields.nCtx, fields.limit, null);
}

/** Continues an interrupted run from its last finished window. */
export async function resume(progress: RunProgress): Promise<void> {
  const open = get().model.summary;
  if (!open || open.name !== progress.model || open.text.dataset !== progress.dataset) {
    if (progress.source.kind === 'local') {
      set({ notice: `Pick the files of ${progress.model} again (Files on this computer), then press Resume.` });
      return;
    }
    const source: ModelSource = progress.source.kind === 'hub' ? { kind: 'hub', id: progress.source.id } : { kind: 'default' };
    await openModel(source);
    const reopened = get().model.summary;
    if (!reopened || reopened.name !== progress.model) return;
  }
  await runQueue([progress.preset], progress.nCtx, progress.limit, progress);
}

export async function discardUnfinished(key: string): Promise<void> {
  await deleteProgress(key);
  set((s) => ({ unfinished: s.unfinished.filter((u) => u.key !== key) }));
}

async function runQueue(presets: string[], nCtx: number, limit: number | null, resumeFrom: RunProgress | null): Promise<void> {
  const summary = get().model.summary;
  if (!summary || get().run.phase !== 'idle' || presets.length === 0) return;
  set({ run: { phase: 'running', queue: presets, index: 0, event: null }, outcome: '', runProblem: undefined, notice: '' });
  let finished = 0;
  try {
    for (let index = 0; index < presets.length; index++) {
      if (get().run.phase !== 'running') break;
      set((s) => ({ run: { ...s.run, index, event: null } }));
      const preset = formatPreset(parsePreset(presets[index]));
      const record = await runOne(preset, nCtx, limit, index === 0 ? resumeFrom : null);
      await saveRecord(record);
      finished++;
      set((s) => ({ history: [record, ...s.history], viewKey: comparisonKey(record) }));
    }
    set({ outcome: finishedText(finished, presets.length, get().run.phase === 'cancelling') });
  } catch (e) {
    if (isCancelled(e)) {
      set({ outcome: `Cancelled. ${finishedText(finished, presets.length, true)} The windows scored so far are kept: Resume continues from there.` });
    } else {
      set({ outcome: 'The run failed.', runProblem: runProblem(e) });
    }
  } finally {
    set({ run: { phase: 'idle', queue: [], index: 0, event: null } });
    await refreshStored();
  }
}

function finishedText(done: number, total: number, stopped: boolean): string {
  if (!stopped && done === total) return `Finished: ${done} result${done === 1 ? '' : 's'}.`;
  return `${done} of ${total} preset${total === 1 ? '' : 's'} finished.`;
}

async function runOne(preset: string, nCtx: number, limit: number | null, resumeFrom: RunProgress | null): Promise<ResultRecord> {
  const summary = get().model.summary!;
  const base = { model: summary.name, preset, dataset: summary.text.dataset, nCtx };
  const key = progressKey(base);
  // Progress writes queue up so that the last one lands before the entry is deleted at the end.
  let writes = Promise.resolve();
  const onEvent = Comlink.proxy((event: RunEvent) => {
    set((s) => ({ run: { ...s.run, event } }));
    if (event.stage !== 'score') return;
    const progress: RunProgress = {
      ...base,
      key,
      source: sourceRef(openSource),
      limit,
      windowsTotal: event.progress.windowsTotal,
      window_nll: event.progress.window_nll,
      bytes_scored: event.progress.bytes_scored,
      updatedAt: new Date().toISOString(),
    };
    writes = writes.then(() => saveProgress(progress)).catch(() => undefined);
  });
  const resume = resumeFrom ? { window_nll: resumeFrom.window_nll, bytes_scored: resumeFrom.bytes_scored } : undefined;
  const run = client().api.run({ preset, nCtx, limit, resume }, onEvent);
  runSettled = run.then(
    () => undefined,
    () => undefined,
  );
  const abandoned = new Promise<never>((_, reject) => {
    abandonRun = reject;
  });
  try {
    const record = await Promise.race([run, abandoned]);
    await writes;
    await deleteProgress(key);
    return record;
  } finally {
    abandonRun = null;
    await writes;
  }
}

/** Stops the run: asks the worker first; a worker that does not stop in time is replaced. */
export async function cancel(): Promise<void> {
  if (get().run.phase !== 'running') return;
  set((s) => ({ run: { ...s.run, phase: 'cancelling' } }));
  const engineNow = client();
  void engineNow.api.cancel();
  const stopped = await Promise.race([
    runSettled.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CANCEL_GRACE_MS)),
  ]);
  if (stopped) return;
  engineNow.restart();
  abandonRun?.(new CancelledError());
  await connect();
  if (get().gpu.status === 'ready') await openModel(openSource);
}

export async function removeResult(id: string): Promise<void> {
  await deleteRecord(id);
  set((s) => ({ history: s.history.filter((r) => r.id !== id) }));
}

/** Puts the record's permalink on the clipboard, and on the page for copying by hand where the clipboard is refused. */
export async function copyLink(record: ResultRecord, where: 'results' | 'history'): Promise<void> {
  const { url } = await linkFor([record], location.href);
  let copied = true;
  try {
    await navigator.clipboard.writeText(url);
  } catch {
    copied = false;
  }
  set({ shareLink: { where, preset: record.preset.name, url, copied } });
}

export function exportHistory(): void {
  const blob = new Blob([historyJson(get().history)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `quantlab-history-${new Date().toISOString().slice(0, 10)}.json`;
  a.click();
  // The download has started from the object URL by the time the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
