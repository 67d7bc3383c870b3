import type { GpuContext } from '../gpu/context';
import { destroyModel, uploadModel, type UploadProgress } from '../engine/model';
import { InferenceSession } from '../engine/session';
import { describeModel, type LoadedModel } from '../model/load';
import { parsePreset, validatePresetForModel, formatPreset } from '../quant/presets';
import { newRecordId, type ResultRecord } from '../results/record';
import { evaluatePerplexity, type PerplexityProgress, type RunHooks } from './perplexity';

export interface PerplexityRunOptions {
  preset: string;
  /** Text to score, and a name for it in the record. */
  text: string;
  dataset: string;
  nCtx: number;
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
  const started = performance.now();
  const gpuModel = await gpu.check('loading the weights onto the GPU', () =>
    uploadModel(gpu, model.config, model.weights, preset, (progress) => hooks.onStage?.({ stage: 'upload', progress }), hooks.signal),
  );
  let session: InferenceSession | null = null;
  try {
    session = await gpu.check('preparing the KV cache', () => new InferenceSession(gpu, gpuModel, {
      contextLength: options.nCtx,
      maxBatch: Math.min(options.maxBatch ?? 512, options.nCtx),
    }));
    hooks.onStage?.({ stage: 'tokenize' });
    const tokens = model.tokenizer.encode(options.text, { addSpecialTokens: false });
    const metrics = await evaluatePerplexity(
      session,
      (ids) => model.tokenizer.decode(ids),
      tokens,
      { nCtx: options.nCtx, limit: options.limit, bosTokenId: model.tokenizer.addsBos ? model.tokenizer.bosTokenId : null },
      { onProgress: (progress) => hooks.onStage?.({ stage: 'score', progress }), signal: hooks.signal, resume: hooks.resume },
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      schema: 1,
      id: newRecordId(),
      createdAt: new Date().toISOString(),
      model: { name: model.name, parameters: describeModel(model.config).parameters },
      preset: formatPreset(preset),
      task: 'perplexity',
      dataset: options.dataset,
      config: { n_ctx: metrics.n_ctx, windows: metrics.windows },
      metrics: { perplexity: metrics.perplexity, bits_per_byte: metrics.bits_per_byte, tokens: metrics.tokens },
      window_nll: metrics.window_nll,
      memory: { weights_bytes: gpuModel.weightBytes, kv_cache_bytes: session.kvBytes, scratch_bytes: session.scratchBytes },
      timing: { seconds, tokens_per_second: (metrics.windows * (metrics.n_ctx - 1)) / seconds },
      device: gpu.info.description,
    };
  } finally {
    session?.dispose();
    destroyModel(gpu, gpuModel);
  }
}
