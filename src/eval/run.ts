import type { GpuContext } from '../gpu/context';
import { destroyModel, uploadModel, type UploadProgress } from '../engine/model';
import { InferenceSession } from '../engine/session';
import { describeModel, type LoadedModel } from '../model/load';
import { effectiveBitsPerWeight, formatPreset, parsePreset, validatePresetForModel } from '../quant/presets';
import { describeDevice } from '../results/device';
import { newRecordId, RECORD_SCHEMA, type ResultRecord } from '../results/record';
import { sha256Hex } from '../util/sha256';
import { QUANTLAB_VERSION } from '../version';
import { evaluatePerplexity, type PerplexityProgress, type RunHooks } from './perplexity';

export interface PerplexityRunOptions {
  preset: string;
  /** Text to score, and a name for it in the record. */
  text: string;
  dataset: string;
  nCtx: number;
  /** The sweep the record belongs to; a run of its own when absent. */
  sweep?: string;
  limit?: number;
  /** Tokens a forward call takes at most; the window is fed in calls of this size. */
  maxBatch?: number;
}

export type RunStage =
  | { stage: 'upload'; progress: UploadProgress }
  | { stage: 'tokenize' }
  | { stage: 'score'; progress: PerplexityProgress };

export interface PerplexityRunHooks {
  onStage?: (s: RunStage) => void;
  signal?: AbortSignal;
  resume?: RunHooks['resume'];
}

/** Quantizes the model as the preset says, scores the text's perplexity, and returns a result record. */
export async function runPerplexity(
  gpu: GpuContext,
  model: LoadedModel,
  options: PerplexityRunOptions,
  hooks: PerplexityRunHooks = {},
): Promise<ResultRecord> {
  const preset = parsePreset(options.preset);
  validatePresetForModel(preset, model.config);
  const uploadStarted = performance.now();
  const gpuModel = await gpu.check('loading the weights onto the GPU', () =>
    uploadModel(gpu, model.config, model.weights, preset, (progress) => hooks.onStage?.({ stage: 'upload', progress }), hooks.signal),
  );
  let session: InferenceSession | null = null;
  try {
    session = await gpu.check('preparing the KV cache', () => new InferenceSession(gpu, gpuModel, {
      contextLength: options.nCtx,
      maxBatch: Math.min(options.maxBatch ?? 512, options.nCtx),
    }));
    const scoreStarted = performance.now();
    hooks.onStage?.({ stage: 'tokenize' });
    const tokens = model.tokenizer.encode(options.text, { addSpecialTokens: false });
    const metrics = await evaluatePerplexity(
      session,
      (ids) => model.tokenizer.decode(ids),
      tokens,
      { nCtx: options.nCtx, limit: options.limit, bosTokenId: model.tokenizer.addsBos ? model.tokenizer.bosTokenId : null },
      { onProgress: (progress) => hooks.onStage?.({ stage: 'score', progress }), signal: hooks.signal, resume: hooks.resume },
    );
    const scoreSeconds = (performance.now() - scoreStarted) / 1000;
    // A resumed run scored only the windows the interrupted one had not.
    const windowsRun = metrics.windows - Math.min(hooks.resume?.window_nll.length ?? 0, metrics.windows);
    const id = newRecordId();
    return {
      schema: RECORD_SCHEMA,
      id,
      sweep: options.sweep ?? id,
      createdAt: new Date().toISOString(),
      quantlab: { version: QUANTLAB_VERSION },
      model: { name: model.name, sha256: null, parameters: describeModel(model.config).parameters, architecture: model.config.modelType },
      preset: { name: formatPreset(preset), bits_per_weight: effectiveBitsPerWeight(preset, model.config.hiddenSize) },
      task: {
        name: 'perplexity',
        version: 1,
        dataset: { name: options.dataset, sha256: await sha256Hex(options.text), rows: 1 },
        limit: options.limit ?? null,
        shots: 0,
        seed: 0,
        chat_template: false,
        settings: { n_ctx: metrics.n_ctx, windows: metrics.windows },
      },
      metrics: { perplexity: metrics.perplexity, bits_per_byte: metrics.bits_per_byte, tokens: metrics.tokens },
      items: { window_nll: metrics.window_nll },
      memory: { weights_bytes: gpuModel.weightBytes, kv_cache_bytes: session.kvBytes, scratch_bytes: session.scratchBytes },
      timing: {
        upload_seconds: (scoreStarted - uploadStarted) / 1000,
        score_seconds: scoreSeconds,
        items_per_second: windowsRun / scoreSeconds,
        tokens_per_second: (windowsRun * (metrics.n_ctx - 1)) / scoreSeconds,
      },
      device: describeDevice(gpu),
    };
  } finally {
    session?.dispose();
    destroyModel(gpu, gpuModel);
  }
}
