import type { GpuContext } from '../gpu/context';
import type { ModelConfig } from '../model/config';
import { ModelError } from '../model/errors';
import type { Preset } from '../quant/preset';
import { createF16Linear, destroyLinear, quantizeLinear, type LinearWeight } from './linear';
import { NonFiniteCounter, type NonFiniteCount } from './ops/finite';

/** Where weights come from: a checkpoint's WeightStore, or tensors a test made. */
export interface TensorSource {
  readF16(name: string): Promise<Uint16Array>;
  readF32(name: string): Promise<Float32Array>;
  /** The dtype a tensor is stored in, where the source knows it (F16, BF16, F32). */
  info?(name: string): { dtype: string };
  /** Makes a 16-bit tensor of `count` values on the GPU instead of reading it (the bench's synthetic models). */
  f16OnGpu?(gpu: GpuContext, name: string, count: number): GPUBuffer;
}

/** One transformer block's weights on the GPU. */
export interface GpuBlock {
  inputNorm: GPUBuffer;
  postNorm: GPUBuffer;
  q: LinearWeight;
  k: LinearWeight;
  v: LinearWeight;
  o: LinearWeight;
  gate: LinearWeight;
  up: LinearWeight;
  down: LinearWeight;
}

/** A model's weights on the GPU, quantized as its preset says. */
export interface GpuModel {
  config: ModelConfig;
  preset: Preset;
  /** f16 embedding table, two values a u32, [vocab][hidden]. */
  embedding: GPUBuffer;
  finalNorm: GPUBuffer;
  lmHead: LinearWeight;
  blocks: GpuBlock[];
  /** Bytes of all weight buffers as stored. */
  weightBytes: number;
}

export interface UploadProgress {
  done: number;
  total: number;
  tensor: string;
}

const LINEARS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
const TENSOR_NAMES: Record<(typeof LINEARS)[number], string> = {
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  o: 'self_attn.o_proj',
  gate: 'mlp.gate_proj',
  up: 'mlp.up_proj',
  down: 'mlp.down_proj',
};

function linearBuffers(w: LinearWeight): GPUBuffer[] {
  return [w.data, w.scales, w.zeros, w.bias].filter((b): b is GPUBuffer => b !== null);
}

/** A tied, unquantized LM head multiplies by the embedding table itself: one copy on the GPU, not two. */
function sharedHead(embedding: GPUBuffer, vocab: number, hidden: number): LinearWeight {
  return {
    label: 'LM head (tied to the embedding)',
    rows: vocab,
    cols: hidden,
    format: 'f16',
    bits: 16,
    group: 0,
    symmetric: false,
    bytes: embedding.size,
    data: embedding,
    scales: null,
    zeros: null,
    bias: null,
  };
}

/**
 * The refusal of weights that hold NaN or infinity, naming the first such tensor. A matrix
 * stored as F32 or BF16 may also overflow on its way to 16 bits; f32 tensors are read exactly.
 */
export function nonFiniteWeightsMessage(bad: NonFiniteCount[], weights: TensorSource): string {
  const [first] = bad;
  const values = first.count === 1 ? '1 value that is not a finite number' : `${first.count.toLocaleString('en-US')} values that are not finite numbers`;
  const dtype = weights.info?.(first.name).dtype;
  const why =
    first.layout === 'f32' || dtype === undefined || dtype === 'F16'
      ? 'the file is damaged'
      : `the file is damaged, or its ${dtype} values pass the 65,504 that 16-bit floats hold`;
  let message = `${first.name} holds ${values} (NaN or infinity): ${why}`;
  if (bad.length > 1) {
    const more = bad.slice(1, 4).map((b) => b.name).join(', ');
    message += `; ${bad.length - 1} more tensor${bad.length > 2 ? 's hold' : ' holds'} such values (${more}${bad.length > 4 ? ', ...' : ''})`;
  }
  return `${message}.`;
}

/**
 * Uploads weights one tensor at a time and quantizes each linear layer on the
 * GPU right away, so the 16-bit copy of only one matrix exists at any moment.
 * Every tensor's values are checked on the GPU as it arrives (one extra dispatch a tensor,
 * read back once at the end): weights holding NaN or infinity are refused with a ModelError.
 */
export async function uploadModel(
  gpu: GpuContext,
  config: ModelConfig,
  weights: TensorSource,
  preset: Preset,
  onProgress?: (p: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<GpuModel> {
  const total = 3 + config.numLayers * (1 + LINEARS.length);
  let done = 0;
  const step = (tensor: string) => {
    signal?.throwIfAborted();
    onProgress?.({ done: ++done, total, tensor });
  };
  const quantizeBlocks = preset.weights.bits !== 16;
  // Embedding, final norm, LM head, and per layer two norms, seven matrices and three biases.
  const finite = new NonFiniteCounter(gpu, 3 + config.numLayers * 12);

  const linear = async (name: string, rows: number, cols: number, quantize: boolean): Promise<LinearWeight> => {
    const bias = config.attentionBias && /(q|k|v)_proj$/.test(name) ? await weights.readF32(`${name}.bias`) : undefined;
    const values = weights.f16OnGpu ? weights.f16OnGpu(gpu, `${name}.weight`, rows * cols) : await weights.readF16(`${name}.weight`);
    const f16 = createF16Linear(gpu, name, values, rows, cols, bias);
    finite.count(`${name}.weight`, f16.data, 'f16', rows * cols);
    if (f16.bias) finite.count(`${name}.bias`, f16.bias, 'f32', rows);
    if (!quantize) return f16;
    const packed = quantizeLinear(gpu, f16, preset.weights);
    await gpu.device.queue.onSubmittedWorkDone();
    destroyLinear(gpu, f16);
    return packed;
  };
  const norm = async (name: string) => {
    const values = await weights.readF32(name);
    const buffer = gpu.upload(name, values);
    finite.count(name, buffer, 'f32', values.length);
    return buffer;
  };

  const { hiddenSize: hidden, intermediateSize: inter, numHeads, numKvHeads, headDim } = config;
  const embeddingCount = config.vocabSize * hidden;
  const embedding = weights.f16OnGpu
    ? weights.f16OnGpu(gpu, 'model.embed_tokens.weight', embeddingCount)
    : gpu.upload('model.embed_tokens.weight', await weights.readF16('model.embed_tokens.weight'));
  finite.count('model.embed_tokens.weight', embedding, 'f16', embeddingCount);
  step('model.embed_tokens.weight');

  const blocks: GpuBlock[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    const prefix = `model.layers.${i}`;
    const shapes: Record<(typeof LINEARS)[number], [number, number]> = {
      q: [numHeads * headDim, hidden],
      k: [numKvHeads * headDim, hidden],
      v: [numKvHeads * headDim, hidden],
      o: [hidden, numHeads * headDim],
      gate: [inter, hidden],
      up: [inter, hidden],
      down: [hidden, inter],
    };
    const inputNorm = await norm(`${prefix}.input_layernorm.weight`);
    step(`${prefix}.input_layernorm.weight`);
    const postNorm = await norm(`${prefix}.post_attention_layernorm.weight`);
    const block = { inputNorm, postNorm } as GpuBlock;
    for (const key of LINEARS) {
      const name = `${prefix}.${TENSOR_NAMES[key]}`;
      block[key] = await linear(name, shapes[key][0], shapes[key][1], quantizeBlocks);
      step(name);
    }
    blocks.push(block);
  }
  const finalNorm = await norm('model.norm.weight');
  step('model.norm.weight');
  const quantizeHead = preset.lmHead && preset.weights.bits !== 16;
  const lmHead =
    config.tieWordEmbeddings && !quantizeHead
      ? sharedHead(embedding, config.vocabSize, hidden)
      : await linear(config.tieWordEmbeddings ? 'model.embed_tokens' : 'lm_head', config.vocabSize, hidden, quantizeHead);
  step('LM head');

  const buffers = new Set<GPUBuffer>([embedding, finalNorm, ...linearBuffers(lmHead)]);
  for (const b of blocks) {
    buffers.add(b.inputNorm).add(b.postNorm);
    for (const key of LINEARS) for (const buffer of linearBuffers(b[key])) buffers.add(buffer);
  }
  const weightBytes = [...buffers].reduce((sum, b) => sum + b.size, 0);
  const model = { config, preset, embedding, finalNorm, lmHead, blocks, weightBytes };
  const bad = (await finite.read()).filter((c) => c.count > 0);
  if (bad.length > 0) {
    destroyModel(gpu, model);
    throw new ModelError(nonFiniteWeightsMessage(bad, weights));
  }
  return model;
}

export function destroyModel(gpu: GpuContext, model: GpuModel): void {
  gpu.destroy(model.embedding);
  gpu.destroy(model.finalNorm);
  if (model.lmHead.data !== model.embedding) destroyLinear(gpu, model.lmHead);
  for (const block of model.blocks) {
    gpu.destroy(block.inputNorm);
    gpu.destroy(block.postNorm);
    for (const key of LINEARS) destroyLinear(gpu, block[key]);
  }
}
