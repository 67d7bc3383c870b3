/**
 * The engine's thread. It owns the GPU device and the open model, so the page
 * stays responsive while kernels run and a run can be cancelled between two
 * tensors, windows or batches of items. One run at a time.
 */
import '../util/zodJitless';
import * as Comlink from 'comlink';
import { DATASETS, ensureEmbedded, fetchEmbedded, openIndexedDbStore, openRowSource, type DatasetStore, type RowSource } from '../data';
import { checkpointStore } from '../eval/checkpoint';
import { KldReferenceStore } from '../eval/kldReference';
import { modelTokens } from '../eval/modelTokens';
import { CancelledError } from '../eval/perplexity';
import { CHECKPOINT_DB, KLD_REFERENCE_DB } from '../eval/stores/browser';
import { indexedDbStore } from '../eval/stores/idb';
import { runSweep, sweepCells, type SweepStage as EvalStage } from '../eval/sweep';
import { taskEntry } from '../eval/tasks/registry';
import { acquireBrowserGpu } from '../gpu/browser';
import type { GpuContext } from '../gpu/context';
import { filesFromBlobs, type ModelFiles } from '../model/files';
import { modelSha256 } from '../model/hash';
import { hubModelFiles } from '../model/hub';
import { describeModel, loadModel, type LoadedModel } from '../model/load';
import { urlModelFiles } from '../model/remote';
import { sha256Hex } from '../util/sha256';
import { cellName, type EngineApi, type ModelSource, type ModelSummary, type OpenEvent, type SweepEvent, type SweepStage } from './engineApi';
import { keptStore } from './keptStore';
import { DEFAULT_MODEL_ID } from '../model/builtin';
import { builtinModel, builtinPath } from './models';

const modelUrl = (path: string) => `${import.meta.env.BASE_URL}${path}`;

interface OpenModel {
  model: LoadedModel;
  text: string;
  /** sha256 of the weight files, computed on the first run. */
  sha256: string | null;
}

let gpu: GpuContext | null = null;
/** Why the current device was lost, once it is. */
let lostReason: Promise<string> | null = null;
let current: OpenModel | null = null;
let running: AbortController | null = null;
let datasets: Promise<DatasetStore> | null = null;

class DeviceLostError extends Error {
  constructor(reason: string) {
    super(`The GPU device was lost during the run (${reason}).`);
    this.name = 'DeviceLostError';
  }
}

async function device(): Promise<GpuContext> {
  // A lost device (driver reset, out of memory) is replaced rather than reused.
  if (!gpu || gpu.isLost) {
    gpu = await acquireBrowserGpu();
    lostReason = gpu.device.lost.then((info) => info.message || info.reason || 'no reason given');
  }
  return gpu;
}

/**
 * How long a failure waits for device.lost to say whether the GPU was lost under it. A read-back
 * in flight fails at once on the page's side ("Buffer was unmapped before mapping was resolved"),
 * while device.lost comes from the GPU process, which may first finish the long dispatch it is
 * running (seconds on SwiftShader): such failures wait longer than the rest.
 */
const LOST_GRACE_MS = 1000;
const READBACK_LOST_GRACE_MS = 30_000;

function looksLikeLostReadback(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || e.name === 'OperationError' || /mapAsync|unmapped before mapping/i.test(e.message));
}

/** The reason the device was lost, if it is or becomes lost within `graceMs`; otherwise null. */
function lostSoon(graceMs: number): Promise<string | null> {
  if (!lostReason) return Promise.resolve(null);
  return Promise.race([lostReason, new Promise<null>((resolve) => setTimeout(() => resolve(null), graceMs))]);
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not download the held-out text ${url}: HTTP ${res.status}`);
  return res.text();
}

async function modelFiles(source: ModelSource, onEvent: (e: OpenEvent) => void): Promise<ModelFiles> {
  switch (source.kind) {
    case 'builtin':
      return urlModelFiles(modelUrl(builtinPath(builtinModel(source.id).id)));
    case 'hub':
      return hubModelFiles(source.id, { token: source.token || undefined, onProgress: (p) => onEvent({ kind: 'download', ...p }) });
    case 'local':
      return filesFromBlobs(source.files);
  }
}

/** The model's own heldout.txt where it ships one; otherwise the default model's, so any model can be scored. */
async function heldOutText(files: ModelFiles, name: string): Promise<{ text: string; dataset: string }> {
  const own = files.get('heldout.txt');
  if (own) return { text: await own.text(), dataset: `${name} held-out text` };
  return { text: await fetchText(`${modelUrl(builtinPath(DEFAULT_MODEL_ID))}heldout.txt`), dataset: `${DEFAULT_MODEL_ID} held-out text` };
}

/** Text tasks (perplexity, KL divergence, speed) read the open model's held-out text, as the CLI does. */
async function textSource(name: string, text: string): Promise<RowSource<unknown>> {
  const sha256 = await sha256Hex(text);
  return {
    info: { name, sha256, rows: 1 },
    async *chunks(start = 0) {
      if (start === 0) yield [{ text }];
    },
  };
}

/** Item tasks read the dataset stored in this browser; the lab's own ones are imported on first use. */
async function storedRows(task: string, split: 'eval' | 'fewshot'): Promise<RowSource<unknown>> {
  const entry = taskEntry(task);
  datasets ??= openIndexedDbStore();
  const store = await datasets;
  const spec = DATASETS[entry.dataset];
  if (spec?.embedded) await ensureEmbedded(store, entry.dataset, fetchEmbedded());
  const fewshotSplit = entry.shots.fewshotSplit;
  return openRowSource(store, entry.dataset, split === 'fewshot' && fewshotSplit ? { split: fewshotSplit } : {});
}

function pageStage(s: EvalStage): SweepStage {
  return s.stage === 'cell' ? { stage: 'cell', preset: s.cell.preset, task: s.cell.request.task, progress: s.progress } : s;
}

const api: EngineApi = {
  async connect() {
    return (await device()).info;
  },

  async open(source, onEvent) {
    if (running) throw new Error('a run is in progress: cancel it before opening another model');
    current = null;
    const files = await modelFiles(source, onEvent);
    const model = await loadModel(files, (p) => onEvent({ kind: 'step', message: p.message }));
    onEvent({ kind: 'step', message: 'reading and tokenizing the held-out text' });
    const { text, dataset } = await heldOutText(files, model.name);
    const tokens = model.tokenizer.encode(text, { addSpecialTokens: false });
    current = { model, text, sha256: null };
    const description = describeModel(model.config);
    const summary: ModelSummary = {
      name: model.name,
      config: model.config,
      parameters: description.parameters,
      description: description.summary,
      text: { dataset, bytes: new TextEncoder().encode(text).length, tokens: tokens.length },
      hasChatTemplate: (await modelTokens(model)).chatTemplate !== null,
    };
    return summary;
  },

  async runSweep(request, onEvent) {
    const open = current;
    if (!open) throw new Error('no model is open');
    if (running) throw new Error('a run is already in progress');
    const controller = new AbortController();
    running = controller;
    const send = (e: SweepEvent) => onEvent(e);
    const warn = (message: string, neededBytes: number) => void send({ kind: 'warning', message, neededBytes });
    try {
      const ctx = await device();
      const lost = lostReason!.then((reason) => {
        throw new DeviceLostError(reason);
      });
      const work = (async () => {
        const checkpoints = checkpointStore(
          keptStore(indexedDbStore(CHECKPOINT_DB), 'the progress of this run', 'if the page closes before the run ends, the unfinished task starts again', warn),
        );
        const references = new KldReferenceStore(
          keptStore(indexedDbStore(KLD_REFERENCE_DB), 'the 16-bit reference of the KL divergence', 'the next visit computes it again', warn),
        );
        const all = sweepCells({ presets: request.presets, tasks: request.tasks });
        const done = new Set(request.done);
        const left = all.filter((c) => !done.has(cellName(c.preset, c.request.task)));
        let cellsDone = all.length - left.length;
        open.sha256 ??= await modelSha256(open.model.files, {
          signal: controller.signal,
          onProgress: (p) => void send({ kind: 'progress', cellsDone, cellsTotal: all.length, stage: { stage: 'hash', progress: p } }),
        });
        // One runSweep per run of consecutive cells of one preset: each preset is still uploaded once, and finished cells are skipped.
        for (let i = 0; i < left.length; ) {
          const preset = left[i].preset;
          const tasks = [];
          for (; i < left.length && left[i].preset === preset; i++) tasks.push(left[i].request);
          await runSweep(
            ctx,
            { id: request.id, presets: [preset], tasks },
            { model: open.model, modelSha256: open.sha256, rows: (task, split) => (taskEntry(task).schema === 'text' ? textSource(taskEntry(task).dataset, open.text) : storedRows(task, split)) },
            {
              signal: controller.signal,
              checkpoints,
              references,
              onProgress: (p) => void send({ kind: 'progress', cellsDone: cellsDone + p.cellsDone, cellsTotal: all.length, stage: pageStage(p.current) }),
              onRecord: async (record) => {
                await send({ kind: 'record', record });
              },
            },
          );
          cellsDone += tasks.length;
        }
      })();
      await Promise.race([work, lost]);
    } catch (e) {
      if (!(e instanceof DeviceLostError) && !controller.signal.aborted) {
        // Was the GPU lost under this failure? device.lost may settle after it (see LOST_GRACE_MS).
        const reason = await lostSoon(looksLikeLostReadback(e) ? READBACK_LOST_GRACE_MS : LOST_GRACE_MS);
        if (reason !== null) throw new DeviceLostError(reason);
      }
      // An abort can surface as the signal's own AbortError (during the weight upload): one name for the page.
      if (controller.signal.aborted) throw new CancelledError();
      throw e;
    } finally {
      running = null;
    }
  },

  cancel() {
    running?.abort();
  },

  ping() {
    return Date.now();
  },
};

/**
 * For the end-to-end tests, reached through Playwright's worker.evaluate: destroying the device
 * is what a driver reset or a GPU process crash does to the page, through the same device.lost.
 */
(self as unknown as { quantlabLoseDevice: () => boolean }).quantlabLoseDevice = () => {
  if (!gpu) return false;
  gpu.device.destroy();
  return true;
};

Comlink.expose(api);
