import { formatBytes, type GpuContext } from '../gpu/context';
import { destroyModel, uploadModel, type TensorSource } from '../engine/model';
import { DECODE_CHAIN, InferenceSession } from '../engine/session';
import type { ModelConfig } from '../model/config';
import type { Tokenizer } from '../model/tokenizer';
import { formatPreset, parsePreset, validatePresetForModel } from '../quant/presets';
import type { Ceilings } from './ceilings';
import { profileDecodeStep, type DecodeProfile } from './decodeProfile';

/** What the bench runs: a loaded checkpoint, or a synthetic shape (src/eval/synthetic.ts), which has no tokenizer. */
export interface SpeedModel {
  name: string;
  config: ModelConfig;
  weights: TensorSource;
  tokenizer?: Tokenizer;
}

export interface SpeedOptions {
  preset: string;
  promptTokens: number;
  decodeTokens: number;
  /** Timed repetitions; the fastest is reported, as the least disturbed. */
  repeat: number;
  /** The device's measured ceilings, for the bandwidth as a share of them. */
  ceilings?: Ceilings | null;
  /** Also time the decode step kernel by kernel (src/eval/decodeProfile.ts). */
  profile?: boolean;
}

export interface SpeedResult {
  model: string;
  preset: string;
  device: string;
  prompt_tokens: number;
  decode_tokens: number;
  prefill_tokens_per_second: number;
  time_to_first_token_ms: number;
  /** Greedy decode with DECODE_CHAIN steps a submission (session.greedyChains), as generation runs. */
  decode_tokens_per_second: number;
  /** Greedy decode one step a submission, each step's id read back before the next is sent. */
  decode_single_tokens_per_second: number;
  /** Bytes a decode step must read: every weight it multiplies (packed codes, scales, zeros), one embedding row, the KV cache at the mean context. */
  decode_bytes_per_token: number;
  /** decode_bytes_per_token over a step's time. */
  decode_bandwidth_gb_per_s: number;
  /** That bandwidth as a share of the measured copy (read + write) and read ceilings; null when not measured. */
  percent_of_copy_ceiling: number | null;
  percent_of_read_ceiling: number | null;
  /** Prefill's matrix products (2 x tokens x weights of the blocks and LM head) over its time. */
  prefill_tflop_per_s: number;
  memory: { weights_bytes: number; kv_cache_bytes: number; scratch_bytes: number };
  /** With the profile option: the decode step at the last decoded position, kernel by kernel. */
  decode_profile?: DecodeProfile;
  summary: string;
}

function promptIds(model: SpeedModel, prompt: string | readonly number[], tokens: number): number[] {
  if (typeof prompt !== 'string') return prompt.slice(0, tokens);
  if (!model.tokenizer) throw new Error(`${model.name} has no tokenizer: give the prompt as token ids`);
  return model.tokenizer.encode(prompt, { addSpecialTokens: false }).slice(0, tokens);
}

/** Prefill and greedy-decode timings of one preset, on a prompt cut from `prompt` (text, or token ids). */
export async function runSpeedBenchmark(gpu: GpuContext, model: SpeedModel, prompt: string | readonly number[], options: SpeedOptions): Promise<SpeedResult> {
  const preset = parsePreset(options.preset);
  validatePresetForModel(preset, model.config);
  const c = model.config;
  const ids = promptIds(model, prompt, options.promptTokens);
  if (ids.length < options.promptTokens) throw new Error(`the prompt gives ${ids.length} tokens, fewer than the ${options.promptTokens} asked for`);
  const gpuModel = await uploadModel(gpu, c, model.weights, preset);
  const session = new InferenceSession(gpu, gpuModel, {
    contextLength: options.promptTokens + options.decodeTokens,
    maxBatch: options.promptTokens,
  });
  try {
    let bestPrefill = Infinity;
    let bestFirstToken = Infinity;
    let bestDecode = Infinity;
    let bestSingle = Infinity;
    for (let r = 0; r < options.repeat + 1; r++) {
      const t0 = performance.now();
      session.forward(ids, 0);
      await gpu.device.queue.onSubmittedWorkDone();
      const t1 = performance.now();
      // Greedy on the GPU: each step replays the recorded pass, chained to the next on the GPU.
      const first = await session.greedyToken();
      const t2 = performance.now();
      for await (const chain of session.greedyChains(first, options.promptTokens, options.decodeTokens)) void chain;
      const t3 = performance.now();
      // The same steps one a submission, each reading its token id back: the round trip's cost.
      let next = first;
      for (let i = 0; i < options.decodeTokens; i++) next = await session.decodeGreedy(next, options.promptTokens + i);
      const t4 = performance.now();
      // The first repetition compiles pipelines and warms caches: it is not timed.
      if (r === 0) continue;
      bestPrefill = Math.min(bestPrefill, t1 - t0);
      bestFirstToken = Math.min(bestFirstToken, t2 - t0);
      bestDecode = Math.min(bestDecode, (t3 - t2) / options.decodeTokens);
      bestSingle = Math.min(bestSingle, (t4 - t3) / options.decodeTokens);
    }
    const lastPosition = options.promptTokens + options.decodeTokens - 1;
    const profile = options.profile ? await profileDecodeStep(gpu, session.recordedDecodeStep(0, lastPosition), 20) : undefined;
    const kvPerToken = session.kvBytes / session.options.contextLength;
    const meanContext = options.promptTokens + options.decodeTokens / 2;
    // A step reads one row of the embedding table, unless the LM head multiplies by all of it (tied).
    const tiedHead = gpuModel.lmHead.data === gpuModel.embedding;
    const embeddingRead = tiedHead ? gpuModel.embedding.size : c.hiddenSize * 2;
    const bytesPerStep = gpuModel.weightBytes - gpuModel.embedding.size + embeddingRead + kvPerToken * meanContext;
    const decodeTps = 1000 / bestDecode;
    const bandwidth = (bytesPerStep * decodeTps) / 1e9;
    const blockWeights = c.numLayers * (c.hiddenSize * (c.numHeads + 2 * c.numKvHeads) * c.headDim + c.numHeads * c.headDim * c.hiddenSize + 3 * c.hiddenSize * c.intermediateSize);
    const matmulFlops = 2 * options.promptTokens * (blockWeights + c.vocabSize * c.hiddenSize);
    const ceilings = options.ceilings ?? null;
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
      decode_single_tokens_per_second: 1000 / bestSingle,
      decode_bytes_per_token: bytesPerStep,
      decode_bandwidth_gb_per_s: bandwidth,
      percent_of_copy_ceiling: ceilings ? (100 * bandwidth) / ceilings.copy_gb_per_s : null,
      percent_of_read_ceiling: ceilings ? (100 * bandwidth) / ceilings.read_gb_per_s : null,
      prefill_tflop_per_s: matmulFlops / (bestPrefill / 1000) / 1e12,
      memory: { weights_bytes: gpuModel.weightBytes, kv_cache_bytes: session.kvBytes, scratch_bytes: session.scratchBytes },
      ...(profile ? { decode_profile: profile } : {}),
    };
    const shares = ceilings ? `, ${result.percent_of_read_ceiling!.toFixed(0)}% of the read ceiling, ${result.percent_of_copy_ceiling!.toFixed(0)}% of the copy ceiling` : '';
    const summary =
      `${name}: prefill ${result.prefill_tokens_per_second.toFixed(0)} tok/s (${options.promptTokens}-token prompt, ` +
      `${result.prefill_tflop_per_s.toFixed(1)} TFLOP/s), first token ${result.time_to_first_token_ms.toFixed(1)} ms, ` +
      `decode ${decodeTps.toFixed(1)} tok/s in chains of ${DECODE_CHAIN} steps, ${(1000 / bestSingle).toFixed(1)} tok/s a step at a time ` +
      `(${formatBytes(bytesPerStep)} a token, ${bandwidth.toFixed(0)} GB/s${shares}), ` +
      `weights ${formatBytes(result.memory.weights_bytes)}, KV cache ${formatBytes(result.memory.kv_cache_bytes)} for ` +
      `${session.options.contextLength} tokens, scratch ${formatBytes(result.memory.scratch_bytes)}`;
    return { ...result, summary };
  } finally {
    session.dispose();
    destroyModel(gpu, gpuModel);
  }
}
