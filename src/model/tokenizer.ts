/**
 * The model's tokenizer, from its tokenizer.json (and tokenizer_config.json
 * where present), run by @huggingface/tokenizers, which gives the ids the
 * Rust `tokenizers` library gives. This wrapper adds what the evaluators
 * need to know: whether the default encoding starts with a BOS, and which.
 */
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { ModelError } from './errors';
import type { ModelFiles } from './files';

export class Tokenizer {
  /** One more than the largest id the tokenizer knows (added tokens included): the embedding rows it needs. */
  readonly vocabSize: number;
  /** The BOS the default encoding adds; else the tokenizer_config's bos_token; else null. */
  readonly bosTokenId: number | null;
  /** Whether encode() with special tokens (the default, as transformers' tokenizer(text)) starts with a BOS. */
  readonly addsBos: boolean;

  private constructor(
    private readonly inner: HfTokenizer,
    configBos: string | null,
  ) {
    let maxId = -1;
    for (const id of inner.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    // What the post-processor adds is found by encoding a probe both ways: a
    // BOS shows up as one extra id in front of the plain encoding.
    const plain = this.encode('a', { addSpecialTokens: false });
    const full = this.encode('a');
    this.addsBos = full.length > plain.length && plain.every((id, i) => full[i + 1] === id);
    this.bosTokenId = this.addsBos ? full[0] : configBos === null ? null : (inner.token_to_id(configBos) ?? null);
  }

  /** From the parsed JSON of tokenizer.json and tokenizer_config.json. */
  static fromJson(tokenizerJson: unknown, tokenizerConfig: unknown = {}): Tokenizer {
    if (!isObject(tokenizerJson)) throw new ModelError('tokenizer.json is not a JSON object');
    if (!isObject(tokenizerConfig)) throw new ModelError('tokenizer_config.json is not a JSON object');
    let inner: HfTokenizer;
    try {
      inner = new HfTokenizer(tokenizerJson, tokenizerConfig);
    } catch (e) {
      throw new ModelError(`tokenizer.json could not be loaded: ${(e as Error).message}`, { cause: e });
    }
    const bos = tokenizerConfig.bos_token;
    const bosText = typeof bos === 'string' ? bos : isObject(bos) && typeof bos.content === 'string' ? bos.content : null;
    return new Tokenizer(inner, bosText);
  }

  /** Token ids of `text`; addSpecialTokens (default true) applies the tokenizer's post-processor (e.g. a BOS). */
  encode(text: string, { addSpecialTokens = true }: { addSpecialTokens?: boolean } = {}): number[] {
    return this.inner.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  /**
   * Text of `ids`, special tokens included (as transformers' decode). Ids the
   * tokenizer does not know (a padded embedding's extra rows) are skipped, as
   * the Rust library skips them.
   */
  decode(ids: readonly number[]): string {
    const known = ids.filter((id) => Number.isInteger(id) && id >= 0 && this.inner.id_to_token(id) !== undefined);
    return known.length ? this.inner.decode(known) : '';
  }
}

/** The tokenizer of a model's files; tokenizer.json is required, tokenizer_config.json optional. */
export async function loadTokenizer(files: ModelFiles): Promise<Tokenizer> {
  const file = files.get('tokenizer.json');
  if (!file) {
    const sentencePiece = files.has('tokenizer.model') ? ' (a tokenizer.model alone, SentencePiece, is not enough)' : '';
    throw new ModelError(
      `no tokenizer.json found among the files: ${files.list().join(', ') || '(none)'}; QuantLab needs the model's tokenizer.json${sentencePiece}`,
    );
  }
  const configFile = files.get('tokenizer_config.json');
  return Tokenizer.fromJson(
    parseJson(await file.text(), file.name),
    configFile ? parseJson(await configFile.text(), configFile.name) : {},
  );
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelError(`${name} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
