/**
 * What the page does: talk to the engine worker, keep IndexedDB up to date,
 * and write the outcome into the store. Components call these; none of them
 * talks to the worker or the database directly.
 */
import * as Comlink from 'comlink';
import { CancelledError } from '../eval/perplexity';
import type { TaskRequest } from '../eval/sweep';
import { taskEntry } from '../eval/tasks/registry';
import { formatPreset, parsePreset } from '../quant/presets';
import { historyJson } from '../results/export';
import { recordsPage, saveRecord, unreadableEntries } from '../results/history';
import { newRecordId, type ResultRecord } from '../results/record';
import { requestPersistence, StorageError, storageSpace } from '../results/storage';
import { cellName, type ModelSource, type OpenEvent, type SweepEvent } from './engineApi';
import { refreshDatasets } from './datasetActions';
import { EngineClient } from './engineClient';
import { DEFAULT_MODEL_ID } from '../model/builtin';
import { builtinModel } from './models';
import { gpuProblem, isCancelled, modelProblem, runProblem } from './problems';
import { engineProblem } from './runProblems';
import { useLab } from './store';
import { deletePlan, loadPlans, savePlan, type SweepPlan } from './sweepPlans';

/**
 * How long a cancelled run may take to stop by itself before its worker is
 * replaced. The engine checks for a cancel between windows and batches, and one
 * can take a minute on a slow GPU; a fresh worker reopens the model in seconds.
 */
const CANCEL_GRACE_MS = 3000;

const set = useLab.setState;
const get = useLab.getState;

let engine: EngineClient | null = null;
/** The source of the open model, blobs included, so a replaced worker can open it again. */
let openSource: ModelSource = { kind: 'builtin', id: DEFAULT_MODEL_ID };
/** Rejects the run in flight when its worker is replaced: a terminated worker never answers. */
let abandonRun: ((reason: unknown) => void) | null = null;
let runSettled: Promise<void> = Promise.resolve();
/** The worker of the last run died or lost its device: the next run starts a fresh worker and device. */
let engineBroken = false;

function client(): EngineClient {
  engine ??= new EngineClient((message) => {
    set({ gpu: { status: 'error', problem: { title: 'The engine stopped', message, advice: 'Reload the page to start it again.' } } });
  });
  return engine;
}

function sourceRef(source: ModelSource): SweepPlan['source'] {
  return source.kind === 'local' ? { kind: 'local' } : { kind: source.kind, id: source.id };
}

function sourceLabel(source: ModelSource): string {
  if (source.kind === 'builtin') return source.id;
  if (source.kind === 'hub') return source.id;
  return `${source.files.length} local file${source.files.length === 1 ? '' : 's'}`;
}

/** Page start: the history and unfinished runs from IndexedDB, the GPU, and the default model. */
export async function start(): Promise<void> {
  void refreshStored();
  void refreshDatasets();
  void readMemory();
  await connect();
  if (get().gpu.status === 'ready') await openModel({ kind: 'builtin', id: get().builtinId });
}

async function readMemory(): Promise<void> {
  const deviceGb = (navigator as Navigator & { deviceMemory?: number }).deviceMemory ?? null;
  set({ memory: { deviceGb, storage: await storageSpace() } });
}

async function refreshStored(): Promise<void> {
  try {
    const [{ records, unreadable }, stranded, plans] = await Promise.all([
      recordsPage({ offset: 0, limit: 200 }, { withItems: true }),
      unreadableEntries(),
      loadPlans(),
    ]);
    const skipped = unreadable + stranded.length;
    set((s) => {
      const kept = new Set(records.map((r) => r.id));
      const history = [...s.unsaved.filter((r) => !kept.has(r.id)), ...records];
      // A plan only this tab holds (storage refused it) stays listed.
      const stored = new Set(plans.map((p) => p.id));
      return {
        history,
        historyLoaded: true,
        unfinished: [...plans, ...s.unfinished.filter((p) => !stored.has(p.id) && s.unsavedPlans.has(p.id))],
        notice: skipped ? `${skipped} stored result${skipped === 1 ? ' was' : 's were'} unreadable and left out.` : s.notice,
      };
    });
  } catch (e) {
    set({ historyLoaded: true, notice: `The saved history could not be read: ${(e as Error).message}` });
  }
}

async function connect(): Promise<void> {
  set({ gpu: { status: 'connecting' } });
  try {
    const info = await client().api.connect();
    set({ gpu: { status: 'ready', description: info.description, info } });
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
    set((s) => ({ model: { status: 'ready', label: summary.name, summary }, chatTemplate: s.chatTemplate && summary.hasChatTemplate }));
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

const wholeAbove0 = (text: string) => /^\d+$/.test(text.trim()) && Number(text) >= 1;

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
  if (!wholeAbove0(windows)) return { error: 'The number of windows must be a whole number, 1 or more (or empty for all).' };
  return { nCtx: n, limit: Number(windows) };
}

/** Tokens decoded by the page's speed task after a prompt of n_ctx tokens (short: SwiftShader and small GPUs decode slowly). */
const SPEED_DECODE_TOKENS = 32;

/** The ticked tasks as the sweep runs them, or a sentence saying what is wrong with the form. */
export function readTasks(): { tasks: TaskRequest[] } | { error: string } {
  const fields = readTaskFields();
  const { tasks, chatTemplate } = get();
  const ticked = Object.entries(tasks).filter(([, c]) => c.on);
  if (ticked.length === 0) return { error: 'Tick at least one task.' };
  const out: TaskRequest[] = [];
  for (const [name, choice] of ticked) {
    const entry = taskEntry(name);
    if (entry.schema === 'text') {
      if ('error' in fields) return fields;
      if (entry.kind === 'speed') {
        out.push({ task: name, settings: { prompt_tokens: fields.nCtx, decode_tokens: SPEED_DECODE_TOKENS, repeat: 1 } });
      } else {
        out.push({ task: name, limit: fields.limit, settings: { n_ctx: fields.nCtx } });
      }
      continue;
    }
    if (choice.limit.trim() !== '' && !wholeAbove0(choice.limit)) return { error: `${entry.title}: the number of items must be a whole number, 1 or more (or empty for all).` };
    const request: TaskRequest = { task: name, limit: choice.limit.trim() === '' ? null : Number(choice.limit) };
    if (entry.shots.max > 0 && choice.shots.trim() !== '') {
      const shots = Number(choice.shots);
      if (!/^\d+$/.test(choice.shots.trim()) || shots > entry.shots.max) return { error: `${entry.title}: shots must be a whole number from 0 to ${entry.shots.max}.` };
      request.shots = shots;
    }
    if (chatTemplate) request.chatTemplate = true;
    out.push(request);
  }
  return { tasks: out };
}

/** Runs the ticked presets x tasks as one sweep. */
export async function runSelected(): Promise<void> {
  const read = readTasks();
  const summary = get().model.summary;
  if ('error' in read || !summary) return;
  const now = new Date().toISOString();
  const plan: SweepPlan = {
    id: newRecordId(),
    model: summary.name,
    source: sourceRef(openSource),
    presets: get().selected.map((p) => formatPreset(parsePreset(p))),
    tasks: read.tasks,
    done: [],
    startedAt: now,
    updatedAt: now,
  };
  await runPlan(plan);
}

/** Continues an unfinished sweep: its finished cells are skipped, the cell in progress continues from its checkpoint. */
export async function resume(plan: SweepPlan): Promise<void> {
  if (engineBroken) await restartEngine();
  const open = get().model.summary;
  if (!open || open.name !== plan.model) {
    if (plan.source.kind === 'local') {
      set({ notice: `Pick the files of ${plan.model} again (Files on this computer), then press Resume.` });
      return;
    }
    await openModel(plan.source.kind === 'hub' ? { kind: 'hub', id: plan.source.id } : { kind: 'builtin', id: plan.source.id });
    if (get().model.summary?.name !== plan.model) return;
  }
  await runPlan(plan);
}

export async function discardUnfinished(id: string): Promise<void> {
  await deletePlan(id);
  set((s) => ({ unfinished: s.unfinished.filter((u) => u.id !== id) }));
}

/** Saves the plan; where storage refuses, the run goes on and the page says what that costs. */
async function keepPlan(plan: SweepPlan): Promise<void> {
  try {
    await savePlan(plan);
    set((s) => ({ unsavedPlans: withoutKey(s.unsavedPlans, plan.id) }));
  } catch (e) {
    set((s) => ({ unsavedPlans: new Set([...s.unsavedPlans, plan.id]) }));
    await storageTrouble(e);
  }
}

function withoutKey(keys: Set<string>, key: string): Set<string> {
  if (!keys.has(key)) return keys;
  const next = new Set(keys);
  next.delete(key);
  return next;
}

/** Says what storage refused, how much was needed, and asks the browser to keep what is stored. */
async function storageTrouble(e: unknown): Promise<void> {
  const persistence = await requestPersistence();
  const message = e instanceof Error ? e.message : String(e);
  const asked =
    persistence === 'granted'
      ? 'The browser now keeps QuantLab\'s storage under pressure.'
      : persistence === 'denied'
        ? 'The browser declined to keep QuantLab\'s storage when space runs low.'
        : '';
  const full = e instanceof StorageError ? e.problem === 'full' : /full/i.test(message);
  // Each refusal says what it cost (a result, a checkpoint, the sweep's plan): keep them all, once each.
  set((s) => {
    const before = s.storageProblem?.message ?? '';
    return {
      storageProblem: {
        title: full || s.storageProblem?.title === "This browser's storage is full" ? "This browser's storage is full" : "This browser's storage refused a write",
        message: before.includes(message) ? before : `${before} ${message}`.trim(),
        advice: `${asked} Results that could not be stored are shown on this page and can be exported until this tab closes.`.trim(),
      },
    };
  });
}

async function runPlan(plan: SweepPlan): Promise<void> {
  if (get().run.phase !== 'idle') return;
  if (engineBroken) await restartEngine();
  set({
    run: { phase: 'running', sweepId: plan.id, presets: plan.presets, cellsDone: plan.done.length, cellsTotal: plan.presets.length * plan.tasks.length, stage: null, startedAt: Date.now(), cellsAtStart: plan.done.length },
    outcome: '',
    runProblem: undefined,
    storageProblem: undefined,
    notice: '',
    unfinished: [plan, ...get().unfinished.filter((u) => u.id !== plan.id)],
  });
  const plan0 = plan.done.length;
  let current = plan;
  await keepPlan(current);
  const onEvent = Comlink.proxy(async (event: SweepEvent) => {
    if (event.kind === 'progress') {
      set((s) => ({ run: { ...s.run, cellsDone: event.cellsDone, cellsTotal: event.cellsTotal || s.run.cellsTotal, stage: event.stage } }));
    } else if (event.kind === 'warning') {
      await storageTrouble(new StorageError(event.message, 'full', event.neededBytes, null));
    } else {
      await keepRecord(event.record);
      current = { ...current, done: [...current.done, cellName(event.record.preset.name, event.record.task.name)] };
      set((s) => ({ unfinished: s.unfinished.map((u) => (u.id === current.id ? current : u)) }));
      await keepPlan(current);
    }
  });
  const engineNow = client();
  const run = engineNow.watched(engineNow.api.runSweep({ id: plan.id, presets: plan.presets, tasks: plan.tasks, done: plan.done }, onEvent));
  runSettled = run.then(
    () => undefined,
    () => undefined,
  );
  const abandoned = new Promise<never>((_, reject) => {
    abandonRun = reject;
  });
  const finishedNow = () => current.done.length - plan0;
  try {
    await Promise.race([run, abandoned]);
    await deletePlan(plan.id).catch(() => undefined);
    set((s) => ({ unfinished: s.unfinished.filter((u) => u.id !== plan.id), outcome: finishedText(finishedNow(), current.done.length, s.run.cellsTotal) }));
  } catch (e) {
    if (isCancelled(e)) {
      set({ outcome: `Cancelled. ${finishedNow()} result${finishedNow() === 1 ? '' : 's'} finished; the items scored so far are kept: Resume continues from there.` });
    } else if (e instanceof Error && (e.name === 'EngineDiedError' || e.name === 'DeviceLostError')) {
      engineBroken = true;
      set({ outcome: 'The run stopped part-way: see the message below.', runProblem: engineProblem(e) });
    } else {
      set({ outcome: 'The run failed.', runProblem: runProblem(e) });
    }
  } finally {
    abandonRun = null;
    set((s) => ({ run: { ...s.run, phase: 'idle', stage: null } }));
    // The lab's own datasets are stored by the engine when a task first reads them.
    await Promise.all([refreshStored(), refreshDatasets(), readMemory()]);
  }
}

/** Stores a finished record; where storage refuses, keeps it in this tab (shown and exportable) and says so. */
async function keepRecord(record: ResultRecord): Promise<void> {
  try {
    await saveRecord(record);
  } catch (e) {
    set((s) => ({ unsaved: [record, ...s.unsaved] }));
    await storageTrouble(e);
  }
  set((s) => ({ history: [record, ...s.history.filter((r) => r.id !== record.id)] }));
}

function finishedText(now: number, done: number, total: number): string {
  if (done === total) return `Finished: ${now} result${now === 1 ? '' : 's'}.`;
  return `${done} of ${total} results finished.`;
}

/** A fresh worker and GPU device, the open model opened again in it. */
async function restartEngine(): Promise<void> {
  client().restart();
  engineBroken = false;
  await connect();
  if (get().gpu.status === 'ready') await openModel(openSource);
}

/** Stops the run: asks the worker first; a worker that does not stop in time is replaced. */
export async function cancel(): Promise<void> {
  if (get().run.phase !== 'running') return;
  set((s) => ({ run: { ...s.run, phase: 'cancelling' } }));
  void client().api.cancel();
  const stopped = await Promise.race([
    runSettled.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CANCEL_GRACE_MS)),
  ]);
  if (stopped) return;
  abandonRun?.(new CancelledError());
  await restartEngine();
}

function download(records: readonly ResultRecord[], name: string): void {
  const blob = new Blob([historyJson(records)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name}-${new Date().toISOString().slice(0, 10)}.json`;
  a.click();
  // The download has started from the object URL by the time the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The results storage could not keep, as a history file that History's import (or any JSON reader) opens. */
export function exportUnsaved(): void {
  download(get().unsaved, 'quantlab-unsaved-results');
}

/** The picked built-in model, opened. */
export function chooseBuiltin(id: string): void {
  builtinModel(id);
  set({ sourceKind: 'builtin', builtinId: id });
  void openModel({ kind: 'builtin', id });
}
