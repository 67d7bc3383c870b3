import { formatBytes, type GpuContext } from '../gpu/context';
import { destroyModel, uploadModel } from '../engine/model';
import { InferenceSession } from '../engine/session';
import type { LoadedModel } from '../model/load';
import { formatPreset, parsePreset, validatePresetForModel } from '../quant/presets';

export interface SpeedOptions {
  preset: string;
  promptTokens: number;
  decodeTokens: number;
  /** Timed repetitions; the fastest is reported, as the least disturbed. */
  repeat: number;
}

export interface SpeedResult {
  model: string;
  preset: string;
  device: string;
  prompt_tokens: number;
  decode_tokens: number;
  prefill_tokens_per_second: number;
  time_to_first_token_ms: number;
  decode_tokens_per_second: number;
  /** Bytes a decode step reads (weights it multiplies plus the KV cache up to the mean context) over its time. */
  decode_bandwidth_gb_per_s: number;
  memory: { weights_bytes: number; kv_cache_bytes: number; scratch_bytes: number };
  summary: string;
}

/** Prefill and greedy-decode timings of one preset, on a prompt cut from `text`. */
export async function runSpeedBenchmark(gpu: GpuContext, model: LoadedModel, text: string, options: SpeedOptions): Promise<SpeedResult> {
  const preset = parsePreset(options.preset);
  validatePresetForModel(preset, model.config);
  const c = model.config;
  const prompt = model.tokenizer.encode(text, { addSpecialTokens: false }).slice(0, options.promptTokens);
  if (prompt.length < options.promptTokens) throw new Error(`the text gives ${prompt.length} tokens, fewer than the ${options.promptTokens} asked for`);
  const gpuModel = await uploadModel(gpu, c, model.weights, preset);
  const session = new InferenceSession(gpu, gpuModel, {
    contextLength: options.promptTokens + options.decodeTokens,
    maxBatch: options.promptTokens,
  });
  try {
    let bestPrefill = Infinity;
    let bestFirstToken = Infinity;
    let bestDecode = Infinity;
    for (let r = 0; r < options.repeat + 1; r++) {
      const t0 = performance.now();
      session.forward(prompt, 0);
      await gpu.device.queue.onSubmittedWorkDone();
      const t1 = performance.now();
      // Greedy on the GPU: each step replays the recorded pass and reads back one token id.
      let next = await session.greedyToken();
      const t2 = performance.now();
      for (let i = 0; i < options.decodeTokens; i++) next = await session.decodeGreedy(next, options.promptTokens + i);
      const t3 = performance.now();
      // The first repetition compiles pipelines and warms caches: it is not timed.
      if (r === 0) continue;
      bestPrefill = Math.min(bestPrefill, t1 - t0);
      bestFirstToken = Math.min(bestFirstToken, t2 - t0);
      bestDecode = Math.min(bestDecode, (t3 - t2) / options.decodeTokens);
    }
    const kvPerToken = session.kvBytes / session.options.contextLength;
    const meanContext = options.promptTokens + options.decodeTokens / 2;
    const embeddingRow = c.hiddenSize * 2;
    const bytesPerStep = gpuModel.weightBytes - gpuModel.embedding.size + embeddingRow + kvPerToken * meanContext;
    const decodeTps = 1000 / bestDecode;
    const name = formatPreset(preset);
    const result = {
      model: model.name,
      preset: name,
      device: gpu.info.description,
      prompt_tokens: options.promptTokens,
      decode_tokens: options.decodeTokens,
      prefill_tokens_per_second: (options.promptTokens * 1000) / bestPrefill,
      time_to_first_token_ms: bestFirstToken,
      decode_tokens_per_second: decodeTps,
      decode_bandwidth_gb_per_s: (bytesPerStep * decodeTps) / 1e9,
      memory: { weights_bytes: gpuModel.weightBytes, kv_cache_bytes: session.kvBytes, scratch_bytes: session.scratchBytes },
    };
    const summary =
      `${name}: prefill ${result.prefill_tokens_per_second.toFixed(0)} tok/s (${options.promptTokens}-token prompt), ` +
      `first token ${result.time_to_first_token_ms.toFixed(1)} ms, decode ${decodeTps.toFixed(1)} tok/s ` +
      `(${result.decode_bandwidth_gb_per_s.toFixed(1)} GB/s), weights ${formatBytes(result.memory.weights_bytes)}, ` +
      `KV cache ${formatBytes(result.memory.kv_cache_bytes)} for ${session.options.contextLength} tokens`;
    return { ...result, summary };
  } finally {
    session.dispose();
    destroyModel(gpu, gpuModel);
  }
}
