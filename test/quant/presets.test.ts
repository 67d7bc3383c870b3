import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/model/config';
import type { Preset } from '../../src/quant/preset';
import {
  BUILTIN_PRESETS,
  BUILTIN_PRESET_NAMES,
  PresetError,
  effectiveBitsPerWeight,
  formatPreset,
  kvBytesPerToken,
  parsePreset,
  validatePresetForModel,
  weightBytes,
} from '../../src/quant/presets';
import { freshSeed, rng } from '../helpers/gpu';

/** SmolLM-135M's shape: a hidden size of 576 that g128 does not divide. */
const smol: ModelConfig = {
  modelType: 'llama',
  hiddenSize: 576,
  intermediateSize: 1536,
  numLayers: 30,
  numHeads: 9,
  numKvHeads: 3,
  headDim: 64,
  vocabSize: 49152,
  maxPositions: 2048,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  ropeScaling: { type: 'none' },
  tieWordEmbeddings: true,
  attentionBias: false,
  bosTokenId: 1,
  eosTokenId: 2,
};

const tiny: ModelConfig = { ...smol, hiddenSize: 256, intermediateSize: 768, numLayers: 2, numHeads: 4, numKvHeads: 2, vocabSize: 1000, attentionBias: true };

function expectPresetError(text: string, ...fragments: string[]) {
  let error: unknown;
  try {
    parsePreset(text);
  } catch (e) {
    error = e;
  }
  expect(error, text).toBeInstanceOf(PresetError);
  for (const fragment of fragments) expect((error as Error).message, text).toContain(fragment);
}

describe('preset names', () => {
  it('parses every built-in name and writes it back unchanged', () => {
    expect(BUILTIN_PRESETS.map((p) => p.name)).toEqual([...BUILTIN_PRESET_NAMES]);
    for (const name of BUILTIN_PRESET_NAMES) expect(formatPreset(parsePreset(name))).toBe(name);
  });

  it('reads the built-ins as the architecture document defines them', () => {
    const fp16 = parsePreset('fp16');
    expect(fp16).toEqual({ name: 'fp16', weights: { bits: 16, group: 0, symmetric: false, method: 'rtn' }, activations: null, kv: null, lmHead: false });
    expect(parsePreset('w3g128').weights).toEqual({ bits: 3, group: 128, symmetric: false, method: 'rtn' });
    expect(parsePreset('w4g32sym').weights).toEqual({ bits: 4, group: 32, symmetric: true, method: 'rtn' });
    expect(parsePreset('w8g32sym').weights).toEqual({ bits: 8, group: 32, symmetric: true, method: 'rtn' });
    const w4a8 = parsePreset('w4a8');
    expect(w4a8.weights).toEqual({ bits: 4, group: 128, symmetric: false, method: 'rtn' });
    expect(w4a8.activations).toEqual({ bits: 8 });
    expect(parsePreset('w4a4').activations).toEqual({ bits: 4 });
    const kv3 = parsePreset('kv3');
    expect(kv3.weights.bits).toBe(16);
    expect(kv3.kv).toEqual({ bits: 3, group: 128 });
    const combo = parsePreset('w4g128+kv4');
    expect(combo.name).toBe('w4g128+kv4');
    expect(combo.weights.bits).toBe(4);
    expect(combo.kv).toEqual({ bits: 4, group: 128 });
  });

  it('reads custom presets and names them canonically', () => {
    const cases: [string, string, Partial<Preset>][] = [
      ['w4g64', 'w4g64', { weights: { bits: 4, group: 64, symmetric: false, method: 'rtn' } }],
      ['w3pc', 'w3pc', { weights: { bits: 3, group: 0, symmetric: false, method: 'rtn' } }],
      ['w4g128sym', 'w4g128sym', { weights: { bits: 4, group: 128, symmetric: true, method: 'rtn' } }],
      ['a8', 'a8', { activations: { bits: 8 } }],
      ['fp16+a8', 'a8', { activations: { bits: 8 } }],
      ['kv4g32', 'kv4g32', { kv: { bits: 4, group: 32 } }],
      ['w4', 'w4g128', { weights: { bits: 4, group: 128, symmetric: false, method: 'rtn' } }],
      ['w8g128a8', 'w8a8', { activations: { bits: 8 } }],
      ['w4g64a8', 'w4g64+a8', { activations: { bits: 8 } }],
      ['kv4+w4g128', 'w4g128+kv4', { kv: { bits: 4, group: 128 } }],
      ['head+w2g64', 'w2g64+head', { lmHead: true }],
      ['  W4G128+KV4 ', 'w4g128+kv4', {}],
      ['w8g32sym+a4+kv2g64+head', 'w8g32sym+a4+kv2g64+head', { lmHead: true, activations: { bits: 4 }, kv: { bits: 2, group: 64 } }],
    ];
    for (const [text, name, fields] of cases) {
      const preset = parsePreset(text);
      expect(preset.name, text).toBe(name);
      expect(preset, text).toMatchObject(fields);
    }
  });

  it('round-trips random presets: parsePreset(formatPreset(p)) deep-equals p', () => {
    const seed = freshSeed();
    const next = rng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    for (let i = 0; i < 500; i++) {
      const bits = pick([16, 2, 3, 4, 8] as const);
      const preset: Preset = {
        name: '',
        weights:
          bits === 16
            ? { bits, group: 0, symmetric: false, method: 'rtn' }
            : { bits, group: pick([0, 8, 32, 64, 96, 128, 256, 4096]), symmetric: next() < 0.5, method: 'rtn' },
        activations: next() < 0.4 ? { bits: pick([4, 8] as const) } : null,
        kv: next() < 0.5 ? { bits: pick([2, 3, 4, 8] as const), group: pick([16, 32, 64, 128, 256]) } : null,
        lmHead: bits !== 16 && next() < 0.3,
      };
      preset.name = formatPreset(preset);
      expect(parsePreset(formatPreset(preset)), `seed ${seed}, ${preset.name}`).toEqual(preset);
    }
  });

  it('refuses bad strings with a plain-English reason', () => {
    expectPresetError('', 'empty');
    expectPresetError('q4_0', '"q4_0" is not a preset', 'w<bits>');
    expectPresetError('w5g128', '5-bit weights', '2, 3, 4 or 8');
    expectPresetError('w16', '16-bit weights are written fp16');
    expectPresetError('w4a2', '2-bit activations', '4 or 8');
    expectPresetError('kv5', '5-bit KV cache');
    expectPresetError('kv16', 'default');
    expectPresetError('w4g0', 'groups of 0', 'multiple of 8');
    expectPresetError('w4g12', 'groups of 12', 'multiple of 8');
    expectPresetError('w4g131072', 'between 8 and 65536');
    expectPresetError('kv4g4', 'KV groups of 4');
    expectPresetError('w4g064', 'leading zero');
    expectPresetError('w4g128+w8g128', 'given twice', 'w4g128', 'w8g128');
    expectPresetError('fp16+w4', 'given twice');
    expectPresetError('w8a8+a4', 'given twice');
    expectPresetError('kv4+kv8', 'given twice');
    expectPresetError('w4++kv4', 'empty part');
    expectPresetError('head', 'needs quantized weights');
    expectPresetError('w4g128asym', 'is not a preset');
  });
});

describe('presets against a model', () => {
  it('refuses a group that does not divide an input width, naming the layers and what would fit', () => {
    expect(() => validatePresetForModel(parsePreset('w4g128'), smol)).toThrow(PresetError);
    expect(() => validatePresetForModel(parsePreset('w4g128'), smol)).toThrow(/does not divide the 576 input channels of q_proj, k_proj, v_proj, o_proj, gate_proj and up_proj/);
    expect(() => validatePresetForModel(parsePreset('w4g128'), smol)).toThrow(/g32, g64, pc/);
    for (const ok of ['fp16', 'w4g64', 'w4g32sym', 'w3pc', 'w8g64+a8', 'kv4', 'kv4g32', 'w2g64+head']) {
      expect(() => validatePresetForModel(parsePreset(ok), smol), ok).not.toThrow();
    }
  });

  it('refuses a group larger than a row, a KV group that does not divide head_dim, and odd widths', () => {
    expect(() => validatePresetForModel(parsePreset('w4g1024'), smol)).toThrow(/group size 1024 is larger than the 576 input channels/);
    expect(() => validatePresetForModel(parsePreset('kv4g48'), smol)).toThrow(/KV group of 48 channels does not divide head_dim 64/);
    const odd = { ...tiny, intermediateSize: 771 };
    expect(() => validatePresetForModel(parsePreset('fp16'), odd)).toThrow(/down_proj has 771 input channels, an odd number/);
    expect(() => validatePresetForModel(parsePreset('w4pc'), { ...tiny, intermediateSize: 772 })).toThrow(/per-channel groups need a multiple of 8/);
  });

  it('counts the bits a weight costs in the packed layout', () => {
    expect(effectiveBitsPerWeight(parsePreset('fp16'))).toBe(16);
    expect(effectiveBitsPerWeight(parsePreset('w4g128'))).toBe(4 + 16 / 128 + 8 / 128);
    expect(effectiveBitsPerWeight(parsePreset('w3g128'))).toBe(3 + 24 / 128);
    expect(effectiveBitsPerWeight(parsePreset('w2g128'))).toBe(2 + 24 / 128);
    expect(effectiveBitsPerWeight(parsePreset('w4g32sym'))).toBe(4.5);
    expect(effectiveBitsPerWeight(parsePreset('w8g32sym'))).toBe(8.5);
    expect(effectiveBitsPerWeight(parsePreset('w8a8'))).toBe(8 + 24 / 128);
    // 3 bits in groups of 40: 120 bits need 4 words, 8 bits of padding a group.
    expect(effectiveBitsPerWeight(parsePreset('w3g40'))).toBe((128 + 24) / 40);
    expect(effectiveBitsPerWeight(parsePreset('w3pc'), 200)).toBe((19 * 32 + 24) / 200);
    expect(effectiveBitsPerWeight(parsePreset('w3pc'))).toBe(3);
  });

  it('counts weight bytes as the engine stores them', () => {
    const { hiddenSize: h, intermediateSize: i, numHeads, numKvHeads, headDim, vocabSize: v, numLayers: l } = tiny;
    const q = numHeads * headDim;
    const kv = numKvHeads * headDim;
    const params = h * q + 2 * h * kv + q * h + 3 * h * i;
    const biases = (q + 2 * kv) * 4;
    const fixed = v * h * 2 + (2 * l + 1) * h * 4;
    // tiny ties its embeddings: the 16-bit head is the embedding table itself.
    expect(weightBytes(tiny, parsePreset('fp16'))).toBe(fixed + l * (params * 2 + biases));
    expect(weightBytes({ ...tiny, tieWordEmbeddings: false }, parsePreset('fp16'))).toBe(fixed + l * (params * 2 + biases) + v * h * 2);
    // w4g64 asymmetric: 8 words, one f16 scale and one u8 zero a group; every matrix here has an even group count divisible by 4.
    const packed = (n: number) => (n / 64) * (32 + 2 + 1);
    expect(weightBytes(tiny, parsePreset('w4g64'))).toBe(fixed + l * (packed(params) + biases));
    expect(weightBytes(tiny, parsePreset('w4g64+head'))).toBe(fixed + l * (packed(params) + biases) + packed(v * h));
    expect(weightBytes(tiny, parsePreset('w4g64+kv2'))).toBe(weightBytes(tiny, parsePreset('w4g64')));
  });

  it('counts KV bytes per token', () => {
    const values = smol.numLayers * 2 * smol.numKvHeads;
    expect(kvBytesPerToken(smol, parsePreset('fp16'))).toBe(values * 64 * 2);
    expect(kvBytesPerToken(smol, parsePreset('w4g64'))).toBe(values * 64 * 2);
    // kv4: one group of min(128, 64) channels: 8 words + the scale|zero word.
    expect(kvBytesPerToken(smol, parsePreset('kv4'))).toBe(values * (8 * 4 + 4));
    expect(kvBytesPerToken(smol, parsePreset('kv8g32'))).toBe(values * 2 * (8 * 4 + 4));
    // kv3 in groups of 64: 192 bits, 6 words.
    expect(kvBytesPerToken(smol, parsePreset('kv3'))).toBe(values * (6 * 4 + 4));
  });
});
