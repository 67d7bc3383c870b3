import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/model/errors';
import { checkWeights, parseConfig, parseConfigText } from '../../src/model/hfConfig';
import { describeModel } from '../../src/model/load';
import { WeightStore } from '../../src/model/safetensors';
import { llamaConfigJson, memFiles, safetensors, syntheticModel } from './synthetic';

/** Llama 2 7B's config.json as published (transformers 4.x). */
const llama2_7b = {
  architectures: ['LlamaForCausalLM'],
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: 4096,
  initializer_range: 0.02,
  intermediate_size: 11008,
  max_position_embeddings: 4096,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 32,
  num_key_value_heads: 32,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  tie_word_embeddings: false,
  torch_dtype: 'float16',
  vocab_size: 32000,
};

/** Qwen2.5 0.5B's config.json. */
const qwen25_05b = {
  architectures: ['Qwen2ForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: 'silu',
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 24,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

/** Llama 3.2 1B: llama3 RoPE scaling, a list of EOS ids, explicit head_dim. */
const llama32_1b = {
  architectures: ['LlamaForCausalLM'],
  bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009],
  head_dim: 64,
  hidden_act: 'silu',
  hidden_size: 2048,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-5,
  rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  vocab_size: 128256,
};

const expectModelError = (f: () => unknown, message: string | RegExp) => {
  expect(f).toThrow(ModelError);
  expect(f).toThrow(message);
};

describe('parseConfig', () => {
  it('reads Llama 2, Qwen2.5 and Llama 3.2 configs', () => {
    expect(parseConfig(llama2_7b)).toEqual({
      modelType: 'llama',
      hiddenSize: 4096,
      intermediateSize: 11008,
      numLayers: 32,
      numHeads: 32,
      numKvHeads: 32,
      headDim: 128,
      vocabSize: 32000,
      maxPositions: 4096,
      rmsNormEps: 1e-5,
      ropeTheta: 10000,
      ropeScaling: { type: 'none' },
      tieWordEmbeddings: false,
      attentionBias: false,
      bosTokenId: 1,
      eosTokenId: 2,
    });
    const q = parseConfig(qwen25_05b);
    expect(q).toMatchObject({ modelType: 'qwen2', headDim: 64, numKvHeads: 2, attentionBias: true, tieWordEmbeddings: true });
    expect(q).toMatchObject({ ropeTheta: 1e6, maxPositions: 32768 }); // use_sliding_window false: no cap
    const l3 = parseConfig(llama32_1b);
    expect(l3.ropeScaling).toEqual({ type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 });
    expect(l3).toMatchObject({ ropeTheta: 500000, eosTokenId: 128001, headDim: 64, tieWordEmbeddings: true });
  });

  it('defaults head_dim, KV heads, rope_theta, eps, ties and ids where transformers does', () => {
    const c = llamaConfigJson();
    for (const k of ['num_key_value_heads', 'rope_theta', 'rms_norm_eps', 'tie_word_embeddings', 'hidden_act', 'bos_token_id', 'eos_token_id']) delete c[k];
    expect(parseConfig({ ...c, head_dim: null })).toMatchObject({
      numKvHeads: 4,
      headDim: 4,
      ropeTheta: 10000,
      rmsNormEps: 1e-6,
      tieWordEmbeddings: false,
      bosTokenId: null,
      eosTokenId: null,
    });
    expect(parseConfig(llamaConfigJson({ architectures: undefined, attention_bias: true })).attentionBias).toBe(true);
    expect(parseConfig({ ...llamaConfigJson(), model_type: undefined }).modelType).toBe('llama');
  });

  it('reads linear RoPE scaling written as type or rope_type', () => {
    for (const key of ['type', 'rope_type']) {
      expect(parseConfig(llamaConfigJson({ rope_scaling: { [key]: 'linear', factor: 4 } })).ropeScaling).toEqual({ type: 'linear', factor: 4 });
    }
  });

  it("reads transformers 5's rope_parameters, theta included", () => {
    const c = llamaConfigJson({ rope_theta: undefined, rope_parameters: { rope_theta: 500000, rope_type: 'default' } });
    expect(parseConfig(c)).toMatchObject({ ropeTheta: 500000, ropeScaling: { type: 'none' } });
    const scaled = llamaConfigJson({ rope_parameters: { rope_theta: 1e6, rope_type: 'linear', factor: 2 } });
    expect(parseConfig(scaled)).toMatchObject({ ropeTheta: 1e6, ropeScaling: { type: 'linear', factor: 2 } });
  });

  it('refuses RoPE scalings it does not run, and incomplete ones', () => {
    expectModelError(
      () => parseConfig(llamaConfigJson({ rope_scaling: { rope_type: 'yarn', factor: 4 } })),
      'config.json: RoPE scaling of type yarn is not supported (QuantLab supports linear and llama3)',
    );
    expectModelError(
      () => parseConfig(llamaConfigJson({ rope_scaling: { type: 'linear' } })),
      'config.json: rope_scaling of type linear has no factor',
    );
    expectModelError(
      () => parseConfig(llamaConfigJson({ rope_parameters: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4 } })),
      'config.json: rope_parameters of type llama3 has no original_max_position_embeddings',
    );
  });

  it("caps maxPositions at Mistral's sliding window, and Qwen2's where a layer uses it", () => {
    const mistral = llamaConfigJson({ model_type: 'mistral', architectures: ['MistralForCausalLM'], max_position_embeddings: 32768 });
    expect(parseConfig({ ...mistral, sliding_window: 4096 }).maxPositions).toBe(4096);
    expect(parseConfig({ ...mistral, sliding_window: null }).maxPositions).toBe(32768);
    expect(parseConfig({ ...qwen25_05b, use_sliding_window: true, max_window_layers: 21, sliding_window: 4096 }).maxPositions).toBe(4096);
    expect(parseConfig({ ...qwen25_05b, use_sliding_window: true, max_window_layers: 24, sliding_window: 4096 }).maxPositions).toBe(32768);
    const layerTypes = (t: string) => ({ ...mistral, sliding_window: 1024, layer_types: ['full_attention', t] });
    expect(parseConfig(layerTypes('sliding_attention')).maxPositions).toBe(1024);
    expect(parseConfig(layerTypes('full_attention')).maxPositions).toBe(32768);
  });

  it('refuses architectures outside the Llama family, naming them', () => {
    const gpt2 = { architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', n_embd: 768, n_layer: 12, vocab_size: 50257 };
    expectModelError(
      () => parseConfig(gpt2),
      'QuantLab runs Llama-family models (llama, qwen2, mistral); this config is gpt2 (GPT2LMHeadModel)',
    );
    expectModelError(
      () => parseConfig({ ...qwen25_05b, model_type: 'qwen3', architectures: ['Qwen3ForCausalLM'] }),
      'this config is qwen3 (Qwen3ForCausalLM)',
    );
    expectModelError(
      () => parseConfig({ architectures: ['GPT2LMHeadModel'] }),
      'this config is of unknown model_type (GPT2LMHeadModel)',
    );
    expectModelError(
      () => parseConfig(llamaConfigJson({ architectures: ['LlamaForSequenceClassification'] })),
      'QuantLab runs causal language models (LlamaForCausalLM); this config is llama (LlamaForSequenceClassification)',
    );
  });

  it('names missing and malformed fields', () => {
    const c = llamaConfigJson();
    delete c.hidden_size;
    expectModelError(() => parseConfig(c), 'config.json has no hidden_size (a positive integer is needed)');
    expectModelError(
      () => parseConfig(llamaConfigJson({ num_hidden_layers: '2' })),
      'config.json: num_hidden_layers must be a positive integer (it is "2")',
    );
    expectModelError(() => parseConfig(llamaConfigJson({ vocab_size: 0 })), 'config.json: vocab_size must be a positive integer (it is 0)');
    expectModelError(
      () => parseConfig(llamaConfigJson({ num_key_value_heads: 3 })),
      'config.json: num_attention_heads (4) is not a multiple of num_key_value_heads (3)',
    );
    expectModelError(
      () => parseConfig(llamaConfigJson({ hidden_size: 18 })),
      'config.json has no head_dim and hidden_size (18) is not a multiple of num_attention_heads (4)',
    );
    expectModelError(() => parseConfig(llamaConfigJson({ head_dim: 5 })), 'config.json: head_dim 5 is odd');
    expectModelError(() => parseConfig(llamaConfigJson({ hidden_act: 'gelu' })), 'config.json: hidden_act is gelu');
    expectModelError(() => parseConfig(llamaConfigJson({ mlp_bias: true })), 'config.json sets mlp_bias');
    expectModelError(() => parseConfig([1]), 'config.json is not a JSON object');
    expectModelError(() => parseConfigText('{"model_type": "llama",'), /^config.json is not valid JSON \(/);
  });
});

describe('checkWeights', () => {
  const store = async (files: Map<string, Uint8Array | string>) => WeightStore.open(memFiles(files));

  it('accepts a complete model, tied or not, with or without biases', async () => {
    for (const json of [
      llamaConfigJson(),
      llamaConfigJson({ tie_word_embeddings: true }),
      llamaConfigJson({ model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'] }),
    ]) {
      const m = syntheticModel(json);
      const weights = await store(m.files);
      expect(() => checkWeights(parseConfig(json), weights)).not.toThrow();
    }
  });

  it('names the first missing tensor or wrong shape', async () => {
    const json = llamaConfigJson();
    const config = parseConfig(json);
    const untied = await store(syntheticModel(llamaConfigJson({ tie_word_embeddings: true })).files);
    expectModelError(
      () => checkWeights(config, untied),
      /^the weights have no lm_head\.weight \(config\.json says tie_word_embeddings is false\); they hold \d+ tensors such as /,
    );
    const qwen = parseConfig(llamaConfigJson({ model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'] }));
    const noBias = await store(syntheticModel(json).files);
    expectModelError(() => checkWeights(qwen, noBias), /^the weights have no model\.layers\.0\.self_attn\.q_proj\.bias;/);
    const wide = parseConfig(llamaConfigJson({ intermediate_size: 32 }));
    expectModelError(
      () => checkWeights(wide, untied),
      'model.layers.0.mlp.gate_proj.weight has shape [24, 16] but config.json implies [32, 16]',
    );
    const empty = await store(new Map([['model.safetensors', safetensors([])]]));
    expectModelError(() => checkWeights(config, empty), 'the weights have no model.embed_tokens.weight; they hold no tensors');
    const gpt2ish = await store(new Map([['model.safetensors', safetensors([{ name: 'transformer.wte.weight', dtype: 'F16', shape: [32, 16] }])]]));
    expectModelError(() => checkWeights(config, gpt2ish), 'they hold 1 tensors such as transformer.wte.weight');
  });
});

describe('describeModel', () => {
  it('counts the parameters of published models', () => {
    expect(describeModel(parseConfig(llama2_7b)).parameters).toBe(6_738_415_616);
    const q = describeModel(parseConfig(qwen25_05b));
    expect(q.parameters).toBe(494_032_768);
    expect(q.embeddingParameters).toBe(151936 * 896);
    expect(q.bytes16).toBe(2 * 494_032_768);
    expect(q.summary).toBe(
      'qwen2, 24 layers, hidden 896, 14 heads (2 KV) of 64, MLP 4864, vocab 151936, tied embeddings, 494M parameters',
    );
    expect(describeModel(parseConfig(llama2_7b)).summary).toMatch(/32 heads of 128, .* 6\.74B parameters$/);
  });
});
