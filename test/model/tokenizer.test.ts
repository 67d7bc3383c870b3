import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/model/errors';
import { nodeModelFiles } from '../../src/model/nodeFiles';
import { loadTokenizer, Tokenizer } from '../../src/model/tokenizer';
import { memFiles, tinyTokenizerJson } from './synthetic';

describe('Tokenizer on a tiny BPE tokenizer.json', () => {
  it('gives the ids the merges imply, with and without the BOS of its post-processor', () => {
    const tok = Tokenizer.fromJson(tinyTokenizerJson(true), { bos_token: '<s>' });
    expect(tok.addsBos).toBe(true);
    expect(tok.bosTokenId).toBe(1);
    expect(tok.vocabSize).toBe(18);
    // ▁hello | ▁wo r l d
    expect(tok.encode('hello world', { addSpecialTokens: false })).toEqual([15, 17, 9, 6, 10]);
    expect(tok.encode('hello world')).toEqual([1, 15, 17, 9, 6, 10]);
    // ▁ hell: no merge joins ▁ and hell; z is unknown
    expect(tok.encode('hell', { addSpecialTokens: false })).toEqual([3, 13]);
    expect(tok.encode('z', { addSpecialTokens: false })).toEqual([3, 0]);
    expect(tok.encode('<s>hello', { addSpecialTokens: false })).toEqual([1, 15]);
    expect(tok.decode([15, 17, 9, 6, 10])).toBe('hello world');
    expect(tok.decode([1, 15])).toBe('<s> hello');
    expect(tok.decode([])).toBe('');
    expect(tok.decode([15, 99, -1, 17])).toBe('hello wo'); // ids without a token are skipped
  });

  it('knows when the default encoding adds no BOS', () => {
    const plain = Tokenizer.fromJson(tinyTokenizerJson(false), { bos_token: { content: '<s>' } });
    expect(plain.addsBos).toBe(false);
    expect(plain.bosTokenId).toBe(1); // from tokenizer_config.json
    expect(plain.encode('hello world')).toEqual([15, 17, 9, 6, 10]);
    const bare = Tokenizer.fromJson(tinyTokenizerJson(false));
    expect(bare.bosTokenId).toBeNull();
  });

  it('refuses missing, malformed and unsupported tokenizer files', async () => {
    await expect(loadTokenizer(memFiles(new Map([['config.json', '{}'], ['tokenizer.model', 'x']])))).rejects.toThrow(
      'no tokenizer.json found among the files: config.json, tokenizer.model; QuantLab needs the model\'s tokenizer.json (a tokenizer.model alone, SentencePiece, is not enough)',
    );
    await expect(loadTokenizer(memFiles(new Map([['tokenizer.json', '{"model":']])))).rejects.toThrow(/^tokenizer\.json is not valid JSON/);
    const broken = { ...tinyTokenizerJson(false), model: { type: 'NoSuchModel' } };
    await expect(loadTokenizer(memFiles(new Map([['tokenizer.json', JSON.stringify(broken)]])))).rejects.toThrow(
      /^tokenizer\.json could not be loaded: /,
    );
    expect(() => Tokenizer.fromJson([])).toThrow(ModelError);
    const withBadConfig = new Map([['tokenizer.json', JSON.stringify(tinyTokenizerJson(true))], ['tokenizer_config.json', '[]']]);
    await expect(loadTokenizer(memFiles(withBadConfig))).rejects.toThrow('tokenizer_config.json is not a JSON object');
  });

  it('reads tokenizer_config.json when the files have one', async () => {
    const files = new Map([
      ['tokenizer.json', JSON.stringify(tinyTokenizerJson(false))],
      ['tokenizer_config.json', JSON.stringify({ bos_token: '</s>' })],
    ]);
    expect((await loadTokenizer(memFiles(files))).bosTokenId).toBe(2);
  });
});

// The default model and its reference ids come from train/ (train.py exports
// the model, reference_logits.py writes the fixture with Python `tokenizers`).
const root = join(__dirname, '../..');
const modelDir = join(root, 'public/models/quantlab-tiny');
const fixture = join(root, 'test/fixtures/reference-logits.json');
const haveDefault = existsSync(join(modelDir, 'tokenizer.json')) && existsSync(fixture);

describe.skipIf(!haveDefault)('the default model quantlab-tiny', () => {
  it('encodes the reference texts to the ids Python tokenizers gave', async () => {
    const tok = await loadTokenizer(await nodeModelFiles(modelDir));
    const reference = JSON.parse(readFileSync(fixture, 'utf8')) as { cases: Array<{ text: string; ids: number[] }> };
    expect(reference.cases.length).toBeGreaterThan(0);
    // Its export asserts that transformers adds no BOS by default.
    expect(tok.addsBos).toBe(false);
    for (const { text, ids } of reference.cases) {
      expect(tok.encode(text, { addSpecialTokens: false })).toEqual(ids);
      expect(tok.encode(text)).toEqual(ids);
      expect(tok.encode(tok.decode(ids), { addSpecialTokens: false })).toEqual(ids);
    }
  });

  it('encodes the whole held-out text to as many tokens as Python did', async (ctx) => {
    const quantFixture = join(root, 'test/fixtures/reference-quant-ppl.json');
    if (!existsSync(quantFixture)) ctx.skip();
    const { heldout } = JSON.parse(readFileSync(quantFixture, 'utf8')) as { heldout: { chars: number; tokens: number } };
    const text = readFileSync(join(modelDir, 'heldout.txt'), 'utf8');
    expect([...text].length).toBe(heldout.chars); // Python counts code points
    const tok = await loadTokenizer(await nodeModelFiles(modelDir));
    expect(tok.encode(text, { addSpecialTokens: false }).length).toBe(heldout.tokens);
  });
});
