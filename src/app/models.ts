/**
 * The models the page offers by name: those that ship with the lab (under public/models/) and
 * a short list of small Hugging Face models known to run in a browser. Adding a model that
 * ships with the lab is one entry in BUILTIN_MODELS.
 */

export interface BuiltinModel {
  id: string;
  /** The folder under public/ that holds config.json, tokenizer.json and the safetensors weights. */
  path: string;
  /** One line for the picker. */
  about: string;
}

export const BUILTIN_MODELS: readonly BuiltinModel[] = [
  { id: 'quantlab-tiny', path: 'models/quantlab-tiny/', about: 'a small Llama-style model trained for QuantLab' },
];

export const DEFAULT_MODEL = BUILTIN_MODELS[0];

export function builtinModel(id: string): BuiltinModel {
  const model = BUILTIN_MODELS.find((m) => m.id === id);
  if (!model) throw new Error(`no built-in model "${id}": the lab ships ${BUILTIN_MODELS.map((m) => m.id).join(', ')}`);
  return model;
}

export interface RecommendedModel {
  repo: string;
  parameters: number;
  /** Bytes of its safetensors weights on the Hub (16-bit), what a first open downloads. */
  downloadBytes: number;
  /** Needs a Hugging Face access token and the licence accepted on the model's page. */
  gated: boolean;
}

/** Sizes rounded as the model cards and the Hub's file list give them (16-bit safetensors); the page says "about". */
export const RECOMMENDED_HUB_MODELS: readonly RecommendedModel[] = [
  { repo: 'HuggingFaceTB/SmolLM2-135M', parameters: 135e6, downloadBytes: 269e6, gated: false },
  { repo: 'HuggingFaceTB/SmolLM2-360M', parameters: 362e6, downloadBytes: 724e6, gated: false },
  { repo: 'Qwen/Qwen2.5-0.5B', parameters: 494e6, downloadBytes: 988e6, gated: false },
  { repo: 'meta-llama/Llama-3.2-1B', parameters: 1.24e9, downloadBytes: 2.47e9, gated: true },
  { repo: 'TinyLlama/TinyLlama-1.1B-Chat-v1.0', parameters: 1.1e9, downloadBytes: 2.2e9, gated: false },
];
