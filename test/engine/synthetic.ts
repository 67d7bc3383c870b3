import type { TensorSource } from '../../src/engine/model';
import type { ReferenceWeights } from '../../src/engine/reference/forward';
import type { ModelConfig } from '../../src/model/config';
import { f16BitsToF32, f32ToF16Bits } from '../../src/quant/f16';
import { randomArray } from '../helpers/gpu';

/** A small random Llama-family model whose sizes are not multiples of any workgroup. */
export function syntheticConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    modelType: 'llama',
    hiddenSize: 96,
    intermediateSize: 160,
    numLayers: 2,
    numHeads: 6,
    numKvHeads: 2,
    headDim: 16,
    vocabSize: 203,
    maxPositions: 128,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropeScaling: { type: 'none' },
    tieWordEmbeddings: false,
    attentionBias: false,
    bosTokenId: null,
    eosTokenId: null,
    ...overrides,
  };
}

/** Random tensors by their Hub names, f16-exact so the GPU's 16-bit copy loses nothing. */
export function syntheticTensors(c: ModelConfig, next: () => number): Map<string, Float32Array> {
  const t = new Map<string, Float32Array>();
  const f16 = (a: Float32Array) => a.map((v) => f16BitsToF32(f32ToF16Bits(v)));
  const mat = (rows: number, cols: number) => f16(randomArray(rows * cols, next, 1 / Math.sqrt(cols)));
  const norm = (n: number) => Float32Array.from(randomArray(n, next, 0.3), (v) => 1 + v);
  t.set('model.embed_tokens.weight', f16(randomArray(c.vocabSize * c.hiddenSize, next, 1)));
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    t.set(`${p}.input_layernorm.weight`, norm(c.hiddenSize));
    t.set(`${p}.post_attention_layernorm.weight`, norm(c.hiddenSize));
    t.set(`${p}.self_attn.q_proj.weight`, mat(q, c.hiddenSize));
    t.set(`${p}.self_attn.k_proj.weight`, mat(kv, c.hiddenSize));
    t.set(`${p}.self_attn.v_proj.weight`, mat(kv, c.hiddenSize));
    t.set(`${p}.self_attn.o_proj.weight`, mat(c.hiddenSize, q));
    t.set(`${p}.mlp.gate_proj.weight`, mat(c.intermediateSize, c.hiddenSize));
    t.set(`${p}.mlp.up_proj.weight`, mat(c.intermediateSize, c.hiddenSize));
    t.set(`${p}.mlp.down_proj.weight`, mat(c.hiddenSize, c.intermediateSize));
    if (c.attentionBias) {
      t.set(`${p}.self_attn.q_proj.bias`, randomArray(q, next, 0.5));
      t.set(`${p}.self_attn.k_proj.bias`, randomArray(kv, next, 0.5));
      t.set(`${p}.self_attn.v_proj.bias`, randomArray(kv, next, 0.5));
    }
  }
  t.set('model.norm.weight', norm(c.hiddenSize));
  if (!c.tieWordEmbeddings) t.set('lm_head.weight', mat(c.vocabSize, c.hiddenSize));
  return t;
}

export function tensorSource(tensors: Map<string, Float32Array>): TensorSource {
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`no tensor ${name}`);
    return t;
  };
  return {
    readF16: async (name) => Uint16Array.from(get(name), f32ToF16Bits),
    readF32: async (name) => Float32Array.from(get(name)),
  };
}

/** The reference's view of the same tensors, each linear layer passed through `dequantize` (identity for 16-bit). */
export function referenceWeights(
  c: ModelConfig,
  tensors: Map<string, Float32Array>,
  dequantize: (w: Float32Array, rows: number, cols: number) => Float32Array = (w) => w,
): ReferenceWeights {
  const get = (name: string) => tensors.get(name)!;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const blocks = Array.from({ length: c.numLayers }, (_, i) => {
    const p = `model.layers.${i}`;
    return {
      inputNorm: get(`${p}.input_layernorm.weight`),
      postNorm: get(`${p}.post_attention_layernorm.weight`),
      q: dequantize(get(`${p}.self_attn.q_proj.weight`), q, c.hiddenSize),
      k: dequantize(get(`${p}.self_attn.k_proj.weight`), kv, c.hiddenSize),
      v: dequantize(get(`${p}.self_attn.v_proj.weight`), kv, c.hiddenSize),
      o: dequantize(get(`${p}.self_attn.o_proj.weight`), c.hiddenSize, q),
      gate: dequantize(get(`${p}.mlp.gate_proj.weight`), c.intermediateSize, c.hiddenSize),
      up: dequantize(get(`${p}.mlp.up_proj.weight`), c.intermediateSize, c.hiddenSize),
      down: dequantize(get(`${p}.mlp.down_proj.weight`), c.hiddenSize, c.intermediateSize),
      qBias: tensors.get(`${p}.self_attn.q_proj.bias`),
      kBias: tensors.get(`${p}.self_attn.k_proj.bias`),
      vBias: tensors.get(`${p}.self_attn.v_proj.bias`),
    };
  });
  const embedding = get('model.embed_tokens.weight');
  return {
    embedding,
    finalNorm: get('model.norm.weight'),
    lmHead: c.tieWordEmbeddings ? embedding : get('lm_head.weight'),
    blocks,
  };
}
