import type { GpuContext } from '../gpu/context';
import type { ModelConfig } from '../model/config';
import { ModelError } from '../model/errors';
import type { Preset } from '../quant/preset';
import { hasBias, storedBlockLinears, weightBytes, type StoredLinear } from '../quant/presets';
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

/** One transformer block's weights on the GPU, its linear layers as storedBlockLinears stacks them. */
export interface GpuBlock {
  inputNorm: GPUBuffer;
  postNorm: GPUBuffer;
  /** q, k and v stacked row-wise: a token's output is [q | k | v] (qkvLayout in ops/attention.ts). */
  qkv: LinearWeight;
  o: LinearWeight;
  /** gate and up stacked row-wise: a token's output is [gate | up]. */
  gateUp: LinearWeight;
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
  /** Bytes of all weight buffers as stored: the preset's own prediction (weightBytes in src/quant/presets.ts), which test/engine/memory.test.ts checks against the allocations. */
  weightBytes: number;
}

export interface UploadProgress {
  done: number;
  total: number;
  tensor: string;
}

const LINEARS = ['qkv', 'o', 'gateUp', 'down'] as const;
const BLOCK_KEYS: Record<StoredLinear['name'], (typeof LINEARS)[number]> = {
  qkv_proj: 'qkv',
  o_proj: 'o',
  gate_up_proj: 'gateUp',
  down_proj: 'down',
};
/** The module of the checkpoint a block matrix belongs to, by its name in blockLinearShapes. */
const MODULES: Record<string, string> = {
  q_proj: 'self_attn',
  k_proj: 'self_attn',
  v_proj: 'self_attn',
  o_proj: 'self_attn',
  gate_proj: 'mlp',
  up_proj: 'mlp',
  down_proj: 'mlp',
};

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
  const stored = storedBlockLinears(config);
  const total = 3 + config.numLayers * (1 + stored.length);
  let done = 0;
  const step = (tensor: string) => {
    signal?.throwIfAborted();
    onProgress?.({ done: ++done, total, tensor });
  };
  const quantizeBlocks = preset.weights.bits !== 16;
  // Embedding, final norm, LM head, and per layer two norms, seven matrices and three biases.
  const finite = new NonFiniteCounter(gpu, 3 + config.numLayers * 12);

  /** The f16 bits of `parts` read one after another into one row-major [rows][cols] matrix. */
  const readStacked = async (parts: [string, number][], cols: number, rows: number): Promise<Uint16Array> => {
    const f16 = new Uint16Array(rows * cols);
    let row = 0;
    for (const [name, partRows] of parts) {
      f16.set(await weights.readF16(`${name}.weight`), row * cols);
      row += partRows;
    }
    return f16;
  };
  /**
   * Uploads `parts` ([tensor prefix, rows]) stacked row-wise as one matrix, quantized if asked;
   * a source that makes its tensors on the GPU makes the stacked matrix whole. Each part is
   * still counted for NaN and infinity under its own name.
   */
  const linear = async (label: string, parts: [string, number][], cols: number, quantize: boolean, biased: boolean): Promise<LinearWeight> => {
    const rows = parts.reduce((sum, [, r]) => sum + r, 0);
    const bias = biased ? new Float32Array(rows) : undefined;
    let row = 0;
    for (const [name, partRows] of parts) {
      if (bias) bias.set(await weights.readF32(`${name}.bias`), row);
      row += partRows;
    }
    const values = weights.f16OnGpu ? weights.f16OnGpu(gpu, `${label}.weight`, rows * cols) : await readStacked(parts, cols, rows);
    const source = createF16Linear(gpu, label, values, rows, cols, bias);
    row = 0;
    for (const [name, partRows] of parts) {
      finite.count(`${name}.weight`, source.data, 'f16', partRows * cols, (row * cols) / 2);
      if (source.bias) finite.count(`${name}.bias`, source.bias, 'f32', partRows, row);
      row += partRows;
    }
    if (!quantize) return source;
    const packed = quantizeLinear(gpu, source, preset.weights);
    await gpu.device.queue.onSubmittedWorkDone();
    destroyLinear(gpu, source);
    return packed;
  };
  const norm = async (name: string) => {
    const values = await weights.readF32(name);
    const buffer = gpu.upload(name, values);
    finite.count(name, buffer, 'f32', values.length);
    return buffer;
  };

  const hidden = config.hiddenSize;
  const embeddingCount = config.vocabSize * hidden;
  const embedding = weights.f16OnGpu
    ? weights.f16OnGpu(gpu, 'model.embed_tokens.weight', embeddingCount)
    : gpu.upload('model.embed_tokens.weight', await weights.readF16('model.embed_tokens.weight'));
  finite.count('model.embed_tokens.weight', embedding, 'f16', embeddingCount);
  step('model.embed_tokens.weight');

  const blocks: GpuBlock[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    const prefix = `model.layers.${i}`;
    const inputNorm = await norm(`${prefix}.input_layernorm.weight`);
    step(`${prefix}.input_layernorm.weight`);
    const postNorm = await norm(`${prefix}.post_attention_layernorm.weight`);
    const block = { inputNorm, postNorm } as GpuBlock;
    for (const s of stored) {
      const parts = s.parts.map(([name, rows]) => [`${prefix}.${MODULES[name]}.${name}`, rows] as [string, number]);
      const biased = s.parts.some(([name]) => hasBias(config, name));
      const label = `${prefix}.${MODULES[s.parts[0][0]]}.${s.name}`;
      block[BLOCK_KEYS[s.name]] = await linear(label, parts, s.cols, quantizeBlocks, biased);
      step(label);
    }
    blocks.push(block);
  }
  const finalNorm = await norm('model.norm.weight');
  step('model.norm.weight');
  const quantizeHead = preset.lmHead && preset.weights.bits !== 16;
  const lmHead =
    config.tieWordEmbeddings && !quantizeHead
      ? sharedHead(embedding, config.vocabSize, hidden)
      : await linear(
          'LM head',
          [[config.tieWordEmbeddings ? 'model.embed_tokens' : 'lm_head', config.vocabSize]],
          hidden,
          quantizeHead,
          false,
        );
  step('LM head');

  const model = { config, preset, embedding, finalNorm, lmHead, blocks, weightBytes: weightBytes(config, preset) };
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
