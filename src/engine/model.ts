import type { GpuContext } from '../gpu/context';
import type { ModelConfig } from '../model/config';
import type { Preset } from '../quant/preset';
import { createF16Linear, destroyLinear, quantizeLinear, type LinearWeight } from './linear';

/** Where weights come from: a checkpoint's WeightStore, or tensors a test made. */
export interface TensorSource {
  readF16(name: string): Promise<Uint16Array>;
  readF32(name: string): Promise<Float32Array>;
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
 * Uploads weights one tensor at a time and quantizes each linear layer on the
 * GPU right away, so the 16-bit copy of only one matrix exists at any moment.
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

  const linear = async (name: string, rows: number, cols: number, quantize: boolean): Promise<LinearWeight> => {
    const bias = config.attentionBias && /(q|k|v)_proj$/.test(name) ? await weights.readF32(`${name}.bias`) : undefined;
    const f16 = createF16Linear(gpu, name, await weights.readF16(`${name}.weight`), rows, cols, bias);
    if (!quantize) return f16;
    const packed = quantizeLinear(gpu, f16, preset.weights);
    await gpu.device.queue.onSubmittedWorkDone();
    destroyLinear(gpu, f16);
    return packed;
  };
  const norm = async (name: string) => gpu.upload(name, await weights.readF32(name));

  const { hiddenSize: hidden, intermediateSize: inter, numHeads, numKvHeads, headDim } = config;
  const embeddingBits = await weights.readF16('model.embed_tokens.weight');
  const embedding = gpu.upload('model.embed_tokens.weight', embeddingBits);
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
  return { config, preset, embedding, finalNorm, lmHead, blocks, weightBytes };
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
