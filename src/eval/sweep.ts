/**
 * The runner: a sweep is one model under several presets over several tasks, each task with a
 * row limit, shots, seed and settings. Cells run preset by preset, so each preset is quantized
 * and uploaded once for all its tasks (16-bit first when a KL divergence needs its reference).
 * Every finished cell becomes a schema-2 result record. Progress is reported per cell; an
 * AbortSignal cancels between items; a checkpoint store lets a cell resume after a reload or a
 * crash. `shard` runs every n-th cell, so a sweep spreads over the tasks of an array job.
 */
import type { RowSource } from '../data/schemas';
import { destroyModel, uploadModel, type GpuModel, type UploadProgress } from '../engine/model';
import type { GpuContext } from '../gpu/context';
import { modelSha256, type HashProgress } from '../model/hash';
import { describeModel, type LoadedModel } from '../model/load';
import { effectiveBitsPerWeight, formatPreset, parsePreset, validatePresetForModel } from '../quant/presets';
import { describeDevice } from '../results/device';
import { newRecordId, RECORD_SCHEMA, type ResultRecord } from '../results/record';
import { sha256Hex } from '../util/sha256';
import { QUANTLAB_VERSION } from '../version';
import { runSpeedBenchmark } from './speed';
import {
  computeReference,
  kldSettings,
  readText,
  runItemCell,
  runKldCell,
  runPerplexityCell,
  textWindows,
  type CellContext,
  type CellOutcome,
  type CellProgress,
} from './cells';
import type { CheckpointStore } from './checkpoint';
import { KldReferenceStore } from './kldReference';
import { modelTokens } from './modelTokens';
import { CancelledError } from './perplexity';
import { memoryStore } from './stores/binary';
import { taskEntry, type TaskEntry } from './tasks/registry';
import { TaskError } from './tasks/types';

/** One task of a sweep, with its own limit, shots, seed and settings. */
export interface TaskRequest {
  task: string;
  /** Items (or windows) to score; null or absent: all. */
  limit?: number | null;
  /** Few-shot examples; absent: the task's default. */
  shots?: number;
  /** Seed of the few-shot draw (every few-shot source QuantLab has is first-n, so it is recorded, not used). */
  seed?: number;
  /** Render prompts through the model's chat template. */
  chatTemplate?: boolean;
  /** The task's settings (n_ctx, top_k, max_length, prompt_tokens, ...); absent ones take their defaults. */
  settings?: Record<string, number>;
}

export interface SweepSpec {
  /** The sweep's id, shared by its records (and its shards); a fresh one when absent. */
  id?: string;
  presets: readonly string[];
  tasks: readonly TaskRequest[];
  /** Run only cells index % count === index of the ordered cell list. */
  shard?: { index: number; count: number };
}

export interface SweepInputs {
  model: LoadedModel;
  /** The model's sha256 (src/model/hash.ts); computed from its weight files when absent. */
  modelSha256?: string | null;
  /** The rows of a task's dataset; `fewshot`: its few-shot split (MMLU's dev). */
  rows(task: string, split: 'eval' | 'fewshot'): Promise<RowSource<unknown>>;
}

export interface Cell {
  /** Position in the whole sweep's cell list (before sharding). */
  index: number;
  preset: string;
  request: TaskRequest;
  entry: TaskEntry;
}

export type SweepStage =
  | { stage: 'hash'; progress: HashProgress }
  | { stage: 'upload'; preset: string; progress: UploadProgress }
  | { stage: 'reference'; done: number; total: number }
  | { stage: 'cell'; cell: Cell; progress: CellProgress };

export interface SweepProgress {
  /** Cells of this shard finished, and in all. */
  cellsDone: number;
  cellsTotal: number;
  current: SweepStage;
}

export interface SweepHooks {
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
  /** Each record as its cell finishes (awaited before the cell's checkpoint is dropped). */
  onRecord?: (record: ResultRecord) => void | Promise<void>;
  checkpoints?: CheckpointStore | null;
  /** Where the 16-bit KL-divergence reference is kept; in memory for this sweep when absent. */
  references?: KldReferenceStore | null;
  /** Items scored per read-back and checkpoint (default 8). */
  batchItems?: number;
  /** Run the prefix shared by an item's requests once (default true). */
  prefixReuse?: boolean;
}

const FP16 = 'fp16';

/** The cells of a sweep in run order: preset by preset (16-bit first when a task needs its reference), tasks in the order given. */
export function sweepCells(spec: SweepSpec): Cell[] {
  if (spec.presets.length === 0) throw new TaskError('a sweep needs at least one preset');
  if (spec.tasks.length === 0) throw new TaskError('a sweep needs at least one task');
  const presets = [...new Set(spec.presets.map((p) => formatPreset(parsePreset(p))))];
  const entries = spec.tasks.map((t) => taskEntry(t.task));
  if (entries.some((e) => e.kind === 'kl-divergence') && presets.includes(FP16)) presets.sort((a, b) => Number(b === FP16) - Number(a === FP16));
  for (const [i, t] of spec.tasks.entries()) checkRequest(entries[i], t);
  const cells: Cell[] = [];
  for (const preset of presets) spec.tasks.forEach((request, i) => cells.push({ index: cells.length, preset, request, entry: entries[i] }));
  if (!spec.shard) return cells;
  const { index, count } = spec.shard;
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 0 && index < count)) {
    throw new TaskError(`shard ${index}/${count}: expected i/n with 0 <= i < n`);
  }
  return cells.filter((c) => c.index % count === index);
}

function checkRequest(entry: TaskEntry, t: TaskRequest): void {
  const shots = t.shots ?? entry.shots.default;
  if (!Number.isInteger(shots) || shots < 0 || shots > entry.shots.max) {
    throw new TaskError(
      entry.shots.max === 0 ? `${entry.name} runs 0-shot here, not ${shots}-shot` : `${entry.name} takes 0 to ${entry.shots.max} shots, not ${shots}`,
    );
  }
  if (t.limit != null && !(Number.isInteger(t.limit) && t.limit > 0)) throw new TaskError(`${entry.name}: the limit must be a whole number above 0, not ${t.limit}`);
  for (const [name, value] of Object.entries(t.settings ?? {})) {
    const s = entry.settings[name];
    if (!s) throw new TaskError(`${entry.name} has no setting "${name}"; it has ${Object.keys(entry.settings).join(', ') || 'none'}`);
    if (!Number.isInteger(value) || value < s.min || value > s.max) throw new TaskError(`${entry.name}: ${name} must be a whole number from ${s.min} to ${s.max}, not ${value}`);
  }
  if (t.chatTemplate && !entry.itemTask) throw new TaskError(`${entry.name} scores raw text: a chat template does not apply to it`);
}

/** The settings a record states: every setting of the task, given or default. */
function settingsOf(entry: TaskEntry, request: TaskRequest, model: LoadedModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, s] of Object.entries(entry.settings)) out[name] = request.settings?.[name] ?? s.default;
  if ('max_length' in out) out.max_length = Math.min(out.max_length, model.config.maxPositions);
  return out;
}

/** Everything that decides a cell's numbers: two cells with the same key compute the same thing. */
export async function cellKey(modelHash: string, preset: string, entry: TaskEntry, dataset: { sha256: string | null; name: string; rows: number }, request: TaskRequest, settings: Record<string, number>): Promise<string> {
  const identity = {
    model: modelHash,
    preset,
    task: entry.name,
    version: entry.version,
    dataset: [dataset.sha256 ?? dataset.name, dataset.rows],
    limit: request.limit ?? null,
    shots: request.shots ?? entry.shots.default,
    seed: request.seed ?? 0,
    chat: request.chatTemplate ?? false,
    settings,
  };
  return (await sha256Hex(JSON.stringify(identity))).slice(0, 40);
}

export async function runSweep(gpu: GpuContext, spec: SweepSpec, inputs: SweepInputs, hooks: SweepHooks = {}): Promise<ResultRecord[]> {
  const { model } = inputs;
  const cells = sweepCells(spec);
  for (const preset of new Set(cells.map((c) => c.preset))) validatePresetForModel(parsePreset(preset), model.config);
  const sweepId = spec.id ?? newRecordId();
  let cellsDone = 0;
  const progress = (current: SweepStage) => hooks.onProgress?.({ cellsDone, cellsTotal: cells.length, current });
  const hash = inputs.modelSha256 ?? (await modelSha256(model.files, { onProgress: (p) => progress({ stage: 'hash', progress: p }), signal: hooks.signal }));
  const tokens = await modelTokens(model);
  const references = hooks.references ?? new KldReferenceStore(memoryStore());
  const description = describeModel(model.config);
  const records: ResultRecord[] = [];
  const texts = new Map<string, { text: string; sha256: string }>();
  const textOf = async (task: string, source: RowSource<unknown>) => {
    const id = `${task}|${source.info.name}|${source.info.sha256}`;
    if (!texts.has(id)) {
      const text = await readText(source);
      texts.set(id, { text, sha256: await sha256Hex(text) });
    }
    return texts.get(id)!;
  };

  const upload = async (preset: string) => {
    const started = performance.now();
    const gpuModel = await gpu.check(`loading the weights onto the GPU (${preset})`, () =>
      uploadModel(gpu, model.config, model.weights, parsePreset(preset), (p) => progress({ stage: 'upload', preset, progress: p }), hooks.signal),
    );
    return { gpuModel, seconds: (performance.now() - started) / 1000 };
  };

  type Uploaded = { preset: string; gpuModel: GpuModel; seconds: number };
  let current = null as Uploaded | null;
  try {
    for (const cell of cells) {
      if (hooks.signal?.aborted) throw new CancelledError();
      const { entry, request, preset } = cell;
      const settings = settingsOf(entry, request, model);
      const source = await inputs.rows(entry.name, 'eval');
      const shots = request.shots ?? entry.shots.default;
      const fewshot = entry.shots.fewshotSplit && shots > 0 ? await readAll(await inputs.rows(entry.name, 'fewshot')) : [];
      const key = await cellKey(hash, preset, entry, source.info, request, settings);
      const reportCell = (p: CellProgress) => progress({ stage: 'cell', cell, progress: p });

      if (entry.kind === 'speed') {
        if (current) {
          destroyModel(gpu, current.gpuModel);
          current = null;
        }
        const { text } = await textOf(entry.name, source);
        const started = performance.now();
        const r = await runSpeedBenchmark(gpu, model, text, { preset, promptTokens: settings.prompt_tokens, decodeTokens: settings.decode_tokens, repeat: settings.repeat });
        const outcome: CellOutcome = {
          metrics: {
            prefill_tokens_per_second: r.prefill_tokens_per_second,
            decode_tokens_per_second: r.decode_tokens_per_second,
            time_to_first_token_ms: r.time_to_first_token_ms,
            decode_bandwidth_gb_per_s: r.decode_bandwidth_gb_per_s,
          },
          items: {},
          itemsRun: 0,
          tokensRun: (settings.prompt_tokens + settings.decode_tokens) * (settings.repeat + 1),
          kvBytes: r.memory.kv_cache_bytes,
          scratchBytes: r.memory.scratch_bytes,
        };
        const record = buildRecord({ sweepId, model, hash, parameters: description.parameters, preset, entry, request, settings, dataset: source.info, outcome, weightsBytes: r.memory.weights_bytes, uploadSeconds: 0, scoreSeconds: (performance.now() - started) / 1000, gpu });
        await finish(record, key);
        continue;
      }

      if (current?.preset !== preset) {
        if (current) destroyModel(gpu, current.gpuModel);
        current = null;
        current = { preset, ...(await upload(preset)) };
      }
      const here: Uploaded = current;
      const ctx: CellContext = {
        gpu,
        model,
        gpuModel: here.gpuModel,
        tokens,
        source,
        fewshot,
        entry,
        limit: request.limit ?? null,
        shots,
        chatTemplate: request.chatTemplate ?? false,
        settings,
        key,
        checkpoints: hooks.checkpoints ?? null,
        signal: hooks.signal,
        onProgress: reportCell,
        batchItems: hooks.batchItems ?? 8,
        prefixReuse: hooks.prefixReuse ?? true,
      };
      const started = performance.now();
      let outcome: CellOutcome;
      let datasetInfo = source.info;
      if (entry.kind === 'perplexity') {
        const { text, sha256 } = await textOf(entry.name, source);
        datasetInfo = { ...source.info, sha256: source.info.sha256 ?? sha256 };
        outcome = await runPerplexityCell(ctx, text);
      } else if (entry.kind === 'kl-divergence') {
        const { text, sha256 } = await textOf(entry.name, source);
        datasetInfo = { ...source.info, sha256: source.info.sha256 ?? sha256 };
        const { nCtx, k } = kldSettings(ctx);
        const windows = textWindows(model, text, nCtx, ctx.limit);
        const refKey = { modelSha256: hash, textSha256: sha256, nCtx, k };
        outcome = await runKldCell(ctx, windows, {
          store: references,
          key: refKey,
          ensure: async (needed) => {
            const saved = (await references.manifest(refKey))?.saved ?? 0;
            if (saved >= needed.length) return;
            const onRef = (done: number, total: number) => progress({ stage: 'reference', done, total });
            if (preset === FP16) {
              await computeReference(gpu, here.gpuModel, references, refKey, needed, hooks.signal, onRef);
              return;
            }
            // No 16-bit preset in this sweep (or shard): upload one for the reference alone.
            const fp16 = await upload(FP16);
            try {
              await computeReference(gpu, fp16.gpuModel, references, refKey, needed, hooks.signal, onRef);
            } finally {
              destroyModel(gpu, fp16.gpuModel);
            }
          },
        });
      } else {
        outcome = await runItemCell(ctx);
      }
      const record = buildRecord({
        sweepId,
        model,
        hash,
        parameters: description.parameters,
        preset,
        entry,
        request,
        settings,
        dataset: datasetInfo,
        outcome,
        weightsBytes: here.gpuModel.weightBytes,
        uploadSeconds: here.seconds,
        scoreSeconds: (performance.now() - started) / 1000,
        gpu,
      });
      await finish(record, key);
    }
  } finally {
    if (current) destroyModel(gpu, current.gpuModel);
  }
  return records;

  async function finish(record: ResultRecord, key: string) {
    records.push(record);
    await hooks.onRecord?.(record);
    await hooks.checkpoints?.delete(key);
    cellsDone++;
  }
}

async function readAll(source: RowSource<unknown>): Promise<unknown[]> {
  const rows: unknown[] = [];
  for await (const chunk of source.chunks(0)) rows.push(...chunk);
  return rows;
}

interface RecordParts {
  sweepId: string;
  model: LoadedModel;
  hash: string;
  parameters: number;
  preset: string;
  entry: TaskEntry;
  request: TaskRequest;
  settings: Record<string, number>;
  dataset: { name: string; sha256: string | null; rows: number };
  outcome: CellOutcome;
  weightsBytes: number;
  uploadSeconds: number;
  scoreSeconds: number;
  gpu: GpuContext;
}

function buildRecord(p: RecordParts): ResultRecord {
  const preset = parsePreset(p.preset);
  const seconds = Math.max(p.scoreSeconds, 1e-9);
  const metrics = Object.fromEntries(Object.entries(p.outcome.metrics).filter(([, v]) => Number.isFinite(v)));
  return {
    schema: RECORD_SCHEMA,
    id: newRecordId(),
    sweep: p.sweepId,
    createdAt: new Date().toISOString(),
    quantlab: { version: QUANTLAB_VERSION },
    model: { name: p.model.name, sha256: p.hash, parameters: p.parameters, architecture: p.model.config.modelType },
    preset: { name: formatPreset(preset), bits_per_weight: effectiveBitsPerWeight(preset, p.model.config.hiddenSize) },
    task: {
      name: p.entry.name,
      version: p.entry.version,
      dataset: { name: p.dataset.name, sha256: p.dataset.sha256, rows: p.dataset.rows },
      limit: p.request.limit ?? null,
      shots: p.request.shots ?? p.entry.shots.default,
      seed: p.request.seed ?? 0,
      chat_template: p.request.chatTemplate ?? false,
      settings: p.settings,
    },
    metrics,
    items: Object.keys(p.outcome.items).length ? p.outcome.items : undefined,
    memory: { weights_bytes: p.weightsBytes, kv_cache_bytes: p.outcome.kvBytes, scratch_bytes: p.outcome.scratchBytes },
    timing: {
      upload_seconds: p.uploadSeconds,
      score_seconds: p.scoreSeconds,
      items_per_second: p.outcome.itemsRun / seconds,
      tokens_per_second: p.outcome.tokensRun / seconds,
    },
    device: describeDevice(p.gpu),
  };
}
