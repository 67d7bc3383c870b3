/**
 * Reads a Hub config.json (transformers 4 or 5) into the ModelConfig the
 * engine runs, and checks the weights against it. Defaults are taken only
 * where transformers' LlamaConfig, Qwen2Config and MistralConfig agree; the
 * fields whose defaults differ between them must be in the file.
 */
import { z } from 'zod';
import type { ModelConfig, RopeScaling } from './config';
import { issuePath, ModelError } from './errors';
import type { WeightStore } from './safetensors';

const FAMILIES: Record<string, string> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  mistral: 'MistralForCausalLM',
};

const positiveInt = z.int({ error: 'a positive integer' }).positive({ error: 'a positive integer' });
const positive = z.number({ error: 'a positive number' }).positive({ error: 'a positive number' });
const tokenId = z.union([z.int().nonnegative(), z.array(z.int().nonnegative())], { error: 'a token id or a list of them' }).nullish();

const ropeSchema = z
  .object({
    rope_type: z.string().optional(),
    type: z.string().optional(),
    rope_theta: positive.optional(),
    factor: positive.optional(),
    low_freq_factor: positive.optional(),
    high_freq_factor: positive.optional(),
    original_max_position_embeddings: positiveInt.optional(),
  })
  .nullish();

const configSchema = z.object({
  model_type: z.string().optional(),
  architectures: z.array(z.string()).nullish(),
  hidden_size: positiveInt,
  intermediate_size: positiveInt,
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: positiveInt.nullish(),
  head_dim: positiveInt.nullish(),
  vocab_size: positiveInt,
  max_position_embeddings: positiveInt,
  rms_norm_eps: positive.default(1e-6),
  hidden_act: z.string().default('silu'),
  rope_theta: positive.optional(),
  rope_scaling: ropeSchema,
  rope_parameters: ropeSchema,
  tie_word_embeddings: z.boolean().default(false),
  attention_bias: z.boolean().default(false),
  mlp_bias: z.boolean().default(false),
  sliding_window: positiveInt.nullish(),
  use_sliding_window: z.boolean().default(false),
  max_window_layers: z.int().nonnegative().nullish(),
  layer_types: z.array(z.string()).nullish(),
  bos_token_id: tokenId,
  eos_token_id: tokenId,
});

type RawConfig = z.infer<typeof configSchema>;

/** config.json's text to a ModelConfig; bad JSON is a ModelError too. */
export function parseConfigText(text: string): ModelConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelError(`config.json is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  return parseConfig(json);
}

/**
 * A Hub config.json to a ModelConfig. Mistral's sliding window (and Qwen2's,
 * where a layer uses it) is recorded by capping maxPositions at the window:
 * up to that length sliding-window attention equals full attention, so the
 * engine, which has no windowed attention, stays exact within maxPositions.
 */
export function parseConfig(json: unknown): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelError('config.json is not a JSON object');
  }
  const family = familyOf(json as Record<string, unknown>);
  const parsed = configSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issuePath(issue.path);
    throw new ModelError(
      'input' in issue && issue.input !== undefined
        ? `config.json: ${path} must be ${issue.message} (it is ${JSON.stringify(issue.input)})`
        : `config.json has no ${path} (${issue.message} is needed)`,
    );
  }
  const c = parsed.data;
  if (c.hidden_act !== 'silu') {
    throw new ModelError(`config.json: hidden_act is ${c.hidden_act}; QuantLab's MLP is the Llama family's SiLU-gated one`);
  }
  if (c.mlp_bias) throw new ModelError('config.json sets mlp_bias; QuantLab runs MLPs without biases');
  const numKvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % numKvHeads !== 0) {
    throw new ModelError(
      `config.json: num_attention_heads (${c.num_attention_heads}) is not a multiple of num_key_value_heads (${numKvHeads})`,
    );
  }
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  if (!Number.isInteger(headDim)) {
    throw new ModelError(
      `config.json has no head_dim and hidden_size (${c.hidden_size}) is not a multiple of num_attention_heads (${c.num_attention_heads})`,
    );
  }
  if (headDim % 2 !== 0) throw new ModelError(`config.json: head_dim ${headDim} is odd; rotary embeddings need an even one`);
  const window = slidingWindow(family, c);
  return {
    modelType: family,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    numKvHeads,
    headDim,
    vocabSize: c.vocab_size,
    maxPositions: window === null ? c.max_position_embeddings : Math.min(window, c.max_position_embeddings),
    rmsNormEps: c.rms_norm_eps,
    ropeTheta: c.rope_parameters?.rope_theta ?? c.rope_theta ?? 10000,
    ropeScaling: ropeScaling(c),
    tieWordEmbeddings: c.tie_word_embeddings,
    attentionBias: family === 'qwen2' || c.attention_bias,
    bosTokenId: firstId(c.bos_token_id),
    eosTokenId: firstId(c.eos_token_id),
  };
}

/** model_type, else the architecture's class name, must be one of ours; a causal-LM class if any is named. */
function familyOf(json: Record<string, unknown>): string {
  const modelType = typeof json.model_type === 'string' ? json.model_type : undefined;
  const archs = Array.isArray(json.architectures) ? json.architectures.filter((a): a is string => typeof a === 'string') : [];
  const family = modelType ?? Object.keys(FAMILIES).find((f) => archs.includes(FAMILIES[f]));
  const what = `${modelType ?? 'of unknown model_type'}${archs.length ? ` (${archs.join(', ')})` : ''}`;
  if (!family || !(family in FAMILIES)) {
    throw new ModelError(`QuantLab runs Llama-family models (${Object.keys(FAMILIES).join(', ')}); this config is ${what}`);
  }
  if (archs.length && !archs.includes(FAMILIES[family])) {
    throw new ModelError(`QuantLab runs causal language models (${FAMILIES[family]}); this config is ${what}`);
  }
  return family;
}

/** transformers 5 writes rope_parameters (theta included); older files write rope_theta and rope_scaling. */
function ropeScaling(c: RawConfig): RopeScaling {
  const r = c.rope_parameters ?? c.rope_scaling;
  const kind = r?.rope_type ?? r?.type ?? 'default';
  const field = c.rope_parameters ? 'rope_parameters' : 'rope_scaling';
  const need = (name: 'factor' | 'low_freq_factor' | 'high_freq_factor' | 'original_max_position_embeddings'): number => {
    const v = r?.[name];
    if (v === undefined) throw new ModelError(`config.json: ${field} of type ${kind} has no ${name}`);
    return v;
  };
  switch (kind) {
    case 'default':
      return { type: 'none' };
    case 'linear':
      return { type: 'linear', factor: need('factor') };
    case 'llama3':
      return {
        type: 'llama3',
        factor: need('factor'),
        lowFreqFactor: need('low_freq_factor'),
        highFreqFactor: need('high_freq_factor'),
        originalMaxPositions: need('original_max_position_embeddings'),
      };
    default:
      throw new ModelError(`config.json: RoPE scaling of type ${kind} is not supported (QuantLab supports linear and llama3)`);
  }
}

/** The attention window some layer is limited to, or null where every layer attends to the whole context. */
function slidingWindow(family: string, c: RawConfig): number | null {
  const window = c.sliding_window ?? null;
  if (window === null) return null;
  if (c.layer_types) return c.layer_types.includes('sliding_attention') ? window : null;
  if (family === 'mistral') return window;
  if (family === 'qwen2') return c.use_sliding_window && (c.max_window_layers ?? 0) < c.num_hidden_layers ? window : null;
  return null;
}

/** ModelConfig keeps one id; where a config lists several (Llama 3's eos_token_id), the first. */
function firstId(v: number | number[] | null | undefined): number | null {
  if (Array.isArray(v)) return v[0] ?? null;
  return v ?? null;
}

/** Every tensor the forward pass reads, with its shape [rows, columns] as stored (out x in for projections). */
export function expectedTensors(config: ModelConfig): Array<[string, number[]]> {
  const { hiddenSize: h, intermediateSize: inter, vocabSize: v, numHeads, numKvHeads, headDim } = config;
  const q = numHeads * headDim;
  const kv = numKvHeads * headDim;
  const out: Array<[string, number[]]> = [['model.embed_tokens.weight', [v, h]]];
  for (let i = 0; i < config.numLayers; i++) {
    const p = `model.layers.${i}`;
    out.push(
      [`${p}.input_layernorm.weight`, [h]],
      [`${p}.self_attn.q_proj.weight`, [q, h]],
      [`${p}.self_attn.k_proj.weight`, [kv, h]],
      [`${p}.self_attn.v_proj.weight`, [kv, h]],
    );
    if (config.attentionBias) {
      out.push([`${p}.self_attn.q_proj.bias`, [q]], [`${p}.self_attn.k_proj.bias`, [kv]], [`${p}.self_attn.v_proj.bias`, [kv]]);
    }
    out.push(
      [`${p}.self_attn.o_proj.weight`, [h, q]],
      [`${p}.post_attention_layernorm.weight`, [h]],
      [`${p}.mlp.gate_proj.weight`, [inter, h]],
      [`${p}.mlp.up_proj.weight`, [inter, h]],
      [`${p}.mlp.down_proj.weight`, [h, inter]],
    );
  }
  out.push(['model.norm.weight', [h]]);
  if (!config.tieWordEmbeddings) out.push(['lm_head.weight', [v, h]]);
  return out;
}

/** Throws a ModelError naming the first expected tensor that is missing or has the wrong shape. */
export function checkWeights(config: ModelConfig, store: WeightStore): void {
  for (const [name, shape] of expectedTensors(config)) {
    if (!store.has(name)) {
      const names = store.names();
      const tied = name === 'lm_head.weight' ? ' (config.json says tie_word_embeddings is false)' : '';
      const held = names.length ? `they hold ${names.length} tensors such as ${names.slice(0, 3).join(', ')}` : 'they hold no tensors';
      throw new ModelError(`the weights have no ${name}${tied}; ${held}`);
    }
    const got = store.info(name).shape;
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new ModelError(`${name} has shape [${got.join(', ')}] but config.json implies [${shape.join(', ')}]`);
    }
  }
}
