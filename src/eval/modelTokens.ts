/**
 * What the tasks need to know of a model's special tokens and chat template, from its
 * tokenizer_config.json and generation_config.json, as transformers (and so lm-eval's HFLM) reads
 * them: the BOS text (a context already starting with it is not given another), the prefix token
 * of an empty context (BOS, else EOS), the EOS text (a stop string of every generation) and the
 * token ids that end a generation.
 */
import type { LoadedModel } from '../model/load';
import { chatTemplateFromConfig, type ChatTemplate } from './chatTemplate';

export interface ModelTokens {
  bosText: string | null;
  eosText: string | null;
  prefixTokenId: number;
  /** generation_config.json's eos_token_id (one or several), else the tokenizer's EOS. */
  stopTokenIds: number[];
  chatTemplate: ChatTemplate | null;
}

async function readJson(model: LoadedModel, name: string): Promise<Record<string, unknown>> {
  const file = model.files.get(name);
  if (!file) return {};
  try {
    const value = JSON.parse(await file.text());
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch (e) {
    throw new Error(`${name} is not valid JSON (${(e as Error).message})`);
  }
}

function tokenText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return null;
}

/** The id of a special token's text: an added token encodes to itself alone. */
function idOf(model: LoadedModel, text: string | null): number | null {
  if (text === null) return null;
  const ids = model.tokenizer.encode(text, { addSpecialTokens: false });
  return ids.length === 1 ? ids[0] : null;
}

export async function modelTokens(model: LoadedModel): Promise<ModelTokens> {
  const config = await readJson(model, 'tokenizer_config.json');
  const generation = await readJson(model, 'generation_config.json');
  const bosText = tokenText(config.bos_token) ?? (model.tokenizer.bosTokenId === null ? null : model.tokenizer.decode([model.tokenizer.bosTokenId]));
  const eosText = tokenText(config.eos_token);
  const eosId = idOf(model, eosText);
  const bosId = model.tokenizer.bosTokenId ?? idOf(model, bosText);
  const prefix = bosId ?? eosId;
  if (prefix === null) throw new Error(`${model.name} names neither a BOS nor an EOS token in tokenizer_config.json: an empty context has no token to start from`);
  const stated = generation.eos_token_id;
  const stopTokenIds = Array.isArray(stated)
    ? stated.filter((x): x is number => Number.isInteger(x))
    : Number.isInteger(stated)
      ? [stated as number]
      : eosId === null
        ? []
        : [eosId];
  return { bosText, eosText, prefixTokenId: prefix, stopTokenIds, chatTemplate: chatTemplateFromConfig(config) };
}
