/**
 * The engine's thread. It owns the GPU device and the open model, so the page
 * stays responsive while kernels run and a run can be cancelled between two
 * tensors or two windows. One run at a time.
 */
import '../util/zodJitless';
import * as Comlink from 'comlink';
import { runPerplexity } from '../eval/run';
import { CancelledError } from '../eval/perplexity';
import { acquireBrowserGpu } from '../gpu/browser';
import type { GpuContext } from '../gpu/context';
import { filesFromBlobs, type ModelFiles } from '../model/files';
import { hubModelFiles } from '../model/hub';
import { describeModel, loadModel, type LoadedModel } from '../model/load';
import { urlModelFiles } from '../model/remote';
import type { EngineApi, ModelSource, ModelSummary, OpenEvent, RunEvent, RunRequest } from './engineApi';

const DEFAULT_MODEL_URL = `${import.meta.env.BASE_URL}models/quantlab-tiny/`;

interface OpenModel {
  model: LoadedModel;
  text: string;
  dataset: string;
  /** The text's tokens without special tokens, as runPerplexity cuts them into windows. */
  tokens: number[];
}

let gpu: GpuContext | null = null;
let current: OpenModel | null = null;
let running: AbortController | null = null;

async function device(): Promise<GpuContext> {
  // A lost device (driver reset, out of memory) is replaced rather than reused.
  if (!gpu || gpu.isLost) gpu = await acquireBrowserGpu();
  return gpu;
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not download the held-out text ${url}: HTTP ${res.status}`);
  return res.text();
}

async function modelFiles(source: ModelSource, onEvent: (e: OpenEvent) => void): Promise<ModelFiles> {
  switch (source.kind) {
    case 'default':
      return urlModelFiles(DEFAULT_MODEL_URL);
    case 'hub':
      return hubModelFiles(source.id, { token: source.token || undefined, onProgress: (p) => onEvent({ kind: 'download', ...p }) });
    case 'local':
      return filesFromBlobs(source.files);
  }
}

/** The model's own heldout.txt where it ships one; otherwise the embedded default's, so any model can be scored. */
async function heldOutText(files: ModelFiles, name: string): Promise<{ text: string; dataset: string }> {
  const own = files.get('heldout.txt');
  if (own) return { text: await own.text(), dataset: `${name} held-out text` };
  return { text: await fetchText(`${DEFAULT_MODEL_URL}heldout.txt`), dataset: 'quantlab-tiny held-out text' };
}

const api: EngineApi = {
  async connect() {
    return (await device()).info.description;
  },

  async open(source, onEvent) {
    if (running) throw new Error('a run is in progress: cancel it before opening another model');
    current = null;
    const files = await modelFiles(source, onEvent);
    const model = await loadModel(files, (p) => onEvent({ kind: 'step', message: p.message }));
    onEvent({ kind: 'step', message: 'reading and tokenizing the held-out text' });
    const { text, dataset } = await heldOutText(files, model.name);
    const tokens = model.tokenizer.encode(text, { addSpecialTokens: false });
    current = { model, text, dataset, tokens };
    const description = describeModel(model.config);
    const summary: ModelSummary = {
      name: model.name,
      config: model.config,
      parameters: description.parameters,
      description: description.summary,
      text: { dataset, bytes: new TextEncoder().encode(text).length, tokens: tokens.length },
    };
    return summary;
  },

  async run(request: RunRequest, onEvent: (e: RunEvent) => void) {
    const open = current;
    if (!open) throw new Error('no model is open');
    if (running) throw new Error('a run is already in progress');
    const controller = new AbortController();
    running = controller;
    try {
      const ctx = await device();
      return await runPerplexity(
        ctx,
        open.model,
        { preset: request.preset, text: open.text, dataset: open.dataset, nCtx: request.nCtx, limit: request.limit ?? undefined },
        {
          signal: controller.signal,
          resume: request.resume,
          onStage: onEvent,
        },
      );
    } catch (e) {
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
};

Comlink.expose(api);
