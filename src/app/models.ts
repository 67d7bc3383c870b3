/**
 * The models the page offers by name: those that ship with the lab (src/model/builtin.ts, files
 * under public/models/<id>/) and a short list of small Hugging Face models known to run in a browser.
 */
import { builtInModel, BUILT_IN_MODELS, type BuiltInModel } from '../model/builtin';

/** The folder the page serves a built-in model from, relative to the site's base URL. */
export function builtinPath(id: string): string {
  return `models/${id}/`;
}

/** The built-in model of that id; refuses an id the lab does not ship (a stale unfinished run, say). */
export function builtinModel(id: string): BuiltInModel {
  const model = builtInModel(id);
  if (!model) throw new Error(`no built-in model "${id}": the lab ships ${BUILT_IN_MODELS.map((m) => m.id).join(', ')}`);
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
