/**
 * Built-in presets, the compact string form used in URLs and on the command
 * line, checks against a model, and the memory a preset costs.
 *
 * Grammar: parts joined by '+', in any order, each kind at most once:
 *   fp16                           16-bit weights (the default when no w part is given)
 *   w<b>[g<n>|pc][sym][a<b>]       weights of b bits in groups of n input channels
 *                                  (default g128) or one group per output row (pc),
 *                                  asymmetric unless sym; a<b> also quantizes activations
 *   a<b>                           activations per token, b bits
 *   kv<b>[g<n>]                    KV cache of b bits in groups of n channels (default 128)
 *   head                           quantize the LM head as well
 * formatPreset writes the one canonical spelling; parsePreset names a preset by it.
 */
import type { ModelConfig } from '../model/config';
import type { ActivationQuant, KvQuant, Preset, WeightQuant } from './preset';
import { GROUP_MULTIPLE, f16Bytes, kvEntryBytes, packedSizes, wordsPerGroup, type KvFormat } from './layout';

export class PresetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PresetError';
  }
}

export const DEFAULT_GROUP = 128;
export const MAX_GROUP = 65536;
const WEIGHT_BITS = [2, 3, 4, 8] as const;
const ACTIVATION_BITS = [4, 8] as const;
const KV_BITS = [2, 3, 4, 8] as const;

export const BUILTIN_PRESET_NAMES = [
  'fp16',
  'w8g128',
  'w4g128',
  'w3g128',
  'w2g128',
  'w4g32sym',
  'w8g32sym',
  'w8a8',
  'w4a8',
  'w4a4',
  'kv8',
  'kv4',
  'kv3',
  'kv2',
  'w4g128+kv4',
] as const;

const FP16_WEIGHTS: WeightQuant = { bits: 16, group: 0, symmetric: false, method: 'rtn' };

const GRAMMAR_HINT =
  'write parts joined by "+": fp16, w<bits>[g<group>|pc][sym][a<bits>] (e.g. w4g128, w3pc, w4g32sym, w8a8), ' +
  'a<bits>, kv<bits>[g<group>] (e.g. kv4, kv4g32) or head';

function listOf(values: readonly number[]): string {
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

function readNumber(digits: string, what: string, token: string): number {
  if (digits.length > 1 && digits.startsWith('0')) {
    throw new PresetError(`In "${token}", the ${what} ${digits} has a leading zero: write it as ${Number(digits)}.`);
  }
  return Number(digits);
}

function checkBits<T extends number>(bits: number, allowed: readonly T[], what: string, token: string): T {
  if (!(allowed as readonly number[]).includes(bits)) {
    const hint = what === 'weights' && bits === 16 ? ' (16-bit weights are written fp16)' : '';
    throw new PresetError(`"${token}" asks for ${bits}-bit ${what}, which QuantLab does not support: choose ${listOf(allowed)} bits${hint}.`);
  }
  return bits as T;
}

function checkGroup(group: number, what: string, token: string): number {
  if (!Number.isInteger(group) || group < GROUP_MULTIPLE || group > MAX_GROUP || group % GROUP_MULTIPLE !== 0) {
    throw new PresetError(
      `"${token}" asks for ${what} groups of ${group}: a group must be a multiple of ${GROUP_MULTIPLE} ` +
        `channels between ${GROUP_MULTIPLE} and ${MAX_GROUP}` +
        (what === 'weight' ? ' (or pc for one group per output row).' : '.'),
    );
  }
  return group;
}

interface Parts {
  weights?: { value: WeightQuant; token: string };
  activations?: { value: ActivationQuant; token: string };
  kv?: { value: KvQuant; token: string };
  head?: boolean;
}

function setOnce<K extends 'weights' | 'activations' | 'kv'>(parts: Parts, key: K, value: NonNullable<Parts[K]>, what: string) {
  const previous = parts[key];
  if (previous) {
    throw new PresetError(`The ${what} are given twice, by "${previous.token}" and by "${value.token}": keep one.`);
  }
  parts[key] = value;
}

function parseToken(token: string, parts: Parts): void {
  if (token === '') throw new PresetError(`A preset has an empty part (two "+" in a row, or one at an end): ${GRAMMAR_HINT}.`);
  if (token === 'fp16') {
    setOnce(parts, 'weights', { value: FP16_WEIGHTS, token }, 'weights');
    return;
  }
  if (token === 'head') {
    if (parts.head) throw new PresetError('"head" is given twice: keep one.');
    parts.head = true;
    return;
  }
  let match = /^w(\d+)(?:g(\d+)|(pc))?(sym)?(?:a(\d+))?$/.exec(token);
  if (match) {
    const bits = checkBits(readNumber(match[1], 'bit width', token), WEIGHT_BITS, 'weights', token);
    const group = match[3] ? 0 : match[2] ? checkGroup(readNumber(match[2], 'group size', token), 'weight', token) : DEFAULT_GROUP;
    setOnce(parts, 'weights', { value: { bits, group, symmetric: Boolean(match[4]), method: 'rtn' }, token }, 'weights');
    if (match[5]) {
      const abits = checkBits(readNumber(match[5], 'bit width', token), ACTIVATION_BITS, 'activations', token);
      setOnce(parts, 'activations', { value: { bits: abits }, token }, 'activation bits');
    }
    return;
  }
  match = /^a(\d+)$/.exec(token);
  if (match) {
    const bits = checkBits(readNumber(match[1], 'bit width', token), ACTIVATION_BITS, 'activations', token);
    setOnce(parts, 'activations', { value: { bits }, token }, 'activation bits');
    return;
  }
  match = /^kv(\d+)(?:g(\d+))?$/.exec(token);
  if (match) {
    const digits = match[1];
    if (digits === '16') {
      throw new PresetError(`"${token}": a 16-bit KV cache is the default; leave the kv part out.`);
    }
    const bits = checkBits(readNumber(digits, 'bit width', token), KV_BITS, 'KV cache', token);
    const group = match[2] ? checkGroup(readNumber(match[2], 'group size', token), 'KV', token) : DEFAULT_GROUP;
    setOnce(parts, 'kv', { value: { bits, group }, token }, 'KV cache settings');
    return;
  }
  throw new PresetError(`"${token}" is not a preset or a part of one: ${GRAMMAR_HINT}.`);
}

/** Throws a PresetError for a preset object that no string could describe (e.g. one decoded from an old link). */
export function checkPreset(preset: Preset): void {
  const w = preset.weights;
  if (w.method !== 'rtn') throw new PresetError(`The weight method "${w.method}" is not supported yet: only rtn.`);
  if (w.bits === 16) {
    if (w.group !== 0 || w.symmetric) throw new PresetError('16-bit weights have no group size or symmetry: use group 0, asymmetric.');
    if (preset.lmHead) throw new PresetError('"head" quantizes the LM head, which needs quantized weights (e.g. w4g128+head).');
  } else {
    checkBits(w.bits, WEIGHT_BITS, 'weights', `w${w.bits}`);
    if (w.group !== 0) checkGroup(w.group, 'weight', `w${w.bits}g${w.group}`);
  }
  if (preset.activations) checkBits(preset.activations.bits, ACTIVATION_BITS, 'activations', `a${preset.activations.bits}`);
  if (preset.kv) {
    checkBits(preset.kv.bits, KV_BITS, 'KV cache', `kv${preset.kv.bits}`);
    checkGroup(preset.kv.group, 'KV', `kv${preset.kv.bits}g${preset.kv.group}`);
  }
}

/** The canonical string of a preset; parsePreset(formatPreset(p)) deep-equals p when p.name is that string. */
export function formatPreset(preset: Preset): string {
  checkPreset(preset);
  const w = preset.weights;
  const a = preset.activations;
  const parts: string[] = [];
  let activationsWritten = false;
  if (w.bits !== 16) {
    if (a && w.group === DEFAULT_GROUP && !w.symmetric) {
      parts.push(`w${w.bits}a${a.bits}`);
      activationsWritten = true;
    } else {
      parts.push(`w${w.bits}${w.group === 0 ? 'pc' : `g${w.group}`}${w.symmetric ? 'sym' : ''}`);
    }
  }
  if (a && !activationsWritten) parts.push(`a${a.bits}`);
  if (preset.kv) parts.push(preset.kv.group === DEFAULT_GROUP ? `kv${preset.kv.bits}` : `kv${preset.kv.bits}g${preset.kv.group}`);
  if (preset.lmHead) parts.push('head');
  return parts.length ? parts.join('+') : 'fp16';
}

/** Reads a preset string (a built-in name, a combination, or a custom one); throws PresetError with a plain-English reason. */
export function parsePreset(text: string): Preset {
  const source = text.trim().toLowerCase();
  if (source === '') throw new PresetError(`The preset is empty: ${GRAMMAR_HINT}.`);
  const parts: Parts = {};
  for (const token of source.split('+')) parseToken(token, parts);
  const preset: Preset = {
    name: '',
    weights: parts.weights?.value ?? FP16_WEIGHTS,
    activations: parts.activations?.value ?? null,
    kv: parts.kv?.value ?? null,
    lmHead: parts.head ?? false,
  };
  preset.name = formatPreset(preset);
  return preset;
}

export const BUILTIN_PRESETS: readonly Preset[] = BUILTIN_PRESET_NAMES.map(parsePreset);

/** The linear layers of one block as [name, rows (out), cols (in)]. */
export function blockLinearShapes(config: ModelConfig): [string, number, number][] {
  const { hiddenSize: h, intermediateSize: i, numHeads, numKvHeads, headDim } = config;
  return [
    ['q_proj', numHeads * headDim, h],
    ['k_proj', numKvHeads * headDim, h],
    ['v_proj', numKvHeads * headDim, h],
    ['o_proj', h, numHeads * headDim],
    ['gate_proj', i, h],
    ['up_proj', i, h],
    ['down_proj', h, i],
  ];
}

/** A linear layer as the engine stores it: checkpoint matrices stacked row-wise, in order. */
export interface StoredLinear {
  name: 'qkv_proj' | 'o_proj' | 'gate_up_proj' | 'down_proj';
  /** The checkpoint's matrices (names as in blockLinearShapes) and their rows. */
  parts: [string, number][];
  rows: number;
  cols: number;
}

const STACKS: [StoredLinear['name'], string[]][] = [
  ['qkv_proj', ['q_proj', 'k_proj', 'v_proj']],
  ['o_proj', ['o_proj']],
  ['gate_up_proj', ['gate_proj', 'up_proj']],
  ['down_proj', ['down_proj']],
];

/**
 * The block's linear layers as the engine uploads them: q, k and v stacked into one matrix and
 * gate and up into another, so that a decode step runs one matrix-vector product for each.
 * Quantization groups run along a row, so a stacked matrix holds each part's groups unchanged.
 */
export function storedBlockLinears(config: ModelConfig): StoredLinear[] {
  const shapes = new Map(blockLinearShapes(config).map(([name, rows, cols]) => [name, { rows, cols }]));
  return STACKS.map(([name, parts]) => ({
    name,
    parts: parts.map((p) => [p, shapes.get(p)!.rows] as [string, number]),
    rows: parts.reduce((sum, p) => sum + shapes.get(p)!.rows, 0),
    cols: shapes.get(parts[0])!.cols,
  }));
}

/** The projections that carry a bias in models with attention biases (Qwen2): q, k and v. */
const BIASED_PROJECTIONS: readonly string[] = ['q_proj', 'k_proj', 'v_proj'];

/** Whether block linear `name` (as in blockLinearShapes, e.g. 'q_proj') has a bias tensor in this model. */
export function hasBias(config: Pick<ModelConfig, 'attentionBias'>, name: string): boolean {
  return config.attentionBias && BIASED_PROJECTIONS.includes(name);
}

function joinNames(names: string[]): string {
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Refuses, with every reason at once, a preset whose groups do not fit this model's layers. */
export function validatePresetForModel(preset: Preset, config: ModelConfig): void {
  checkPreset(preset);
  const byWidth = new Map<number, string[]>();
  const linears = blockLinearShapes(config).map(([name, , cols]) => [name, cols] as const);
  const head = [preset.lmHead ? 'the LM head' : 'lm_head (16-bit)', config.hiddenSize] as const;
  for (const [name, cols] of [...linears, head]) byWidth.set(cols, [...(byWidth.get(cols) ?? []), name]);

  const problems: string[] = [];
  for (const [cols, names] of byWidth) {
    if (cols % 2 !== 0) problems.push(`${joinNames(names)} ${names.length > 1 ? 'have' : 'has'} ${cols} input channels, an odd number, which 16-bit weights packed two to a word cannot hold`);
  }
  const w = preset.weights;
  if (w.bits !== 16) {
    const quantized = [...linears, ...(preset.lmHead ? [head] : [])];
    const widths = new Map<number, string[]>();
    for (const [name, cols] of quantized) widths.set(cols, [...(widths.get(cols) ?? []), name]);
    for (const [cols, names] of widths) {
      const who = `the ${cols} input channels of ${joinNames(names)}`;
      if (w.group === 0) {
        if (cols % GROUP_MULTIPLE !== 0) problems.push(`per-channel groups need a multiple of ${GROUP_MULTIPLE} input channels, not ${who}`);
      } else if (w.group > cols) {
        problems.push(`group size ${w.group} is larger than ${who}`);
      } else if (cols % w.group !== 0) {
        problems.push(`group size ${w.group} does not divide ${who}`);
      }
    }
    if (problems.length && w.group !== 0) {
      const fits = [32, 64, 128, 256].filter((g) => [...widths.keys()].every((cols) => cols % g === 0));
      const options = [...fits.map((g) => `g${g}`), 'pc (one group per output row)'];
      problems.push(`groups that fit every layer: ${options.join(', ')}`);
    }
  }
  if (preset.kv && preset.kv.group < config.headDim && config.headDim % preset.kv.group !== 0) {
    problems.push(`the KV group of ${preset.kv.group} channels does not divide head_dim ${config.headDim}`);
  }
  if (problems.length) {
    throw new PresetError(`Preset "${formatPreset(preset)}" does not fit this ${config.modelType} model: ${problems.join('; ')}.`);
  }
}

/**
 * Bits a quantized weight costs in the packed layout: its share of the
 * group's u32 words, of its f16 scale and, when asymmetric, of its 8-bit
 * zero. Equals bits + 16/group + 8/group whenever group*bits is a multiple
 * of 32. A per-channel preset has no fixed group: pass the layer's input
 * width as `cols`; without it the bits alone are returned (the limit for wide rows).
 */
export function effectiveBitsPerWeight(preset: Preset, cols?: number): number {
  const w = preset.weights;
  if (w.bits === 16) return 16;
  const group = w.group || cols;
  if (!group) return w.bits;
  return (wordsPerGroup(group, w.bits) * 32 + 16 + (w.symmetric ? 0 : 8)) / group;
}

/** Bytes of one linear layer's weights as the engine stores them (src/engine/linear.ts). */
export function linearWeightBytes(rows: number, cols: number, weights: WeightQuant): number {
  if (weights.bits === 16) return f16Bytes(rows, cols);
  return packedSizes({ rows, cols, bits: weights.bits, group: weights.group || cols, symmetric: weights.symmetric }).total;
}

/**
 * All weight bytes of a model under a preset, laid out as src/engine/model.ts
 * uploads them: the f16 embedding, f32 norms, the block linears as stored
 * (storedBlockLinears; packed or f16) with f32 biases where the model has them, and the LM head, which a
 * tied model reads from the embedding table unless the preset quantizes it
 * (then the quantized copy is a matrix of its own).
 */
export function weightBytes(config: ModelConfig, preset: Preset): number {
  checkPreset(preset);
  const h = config.hiddenSize;
  const embedding = f16Bytes(config.vocabSize, h);
  const norms = (2 * config.numLayers + 1) * h * 4;
  let block = 0;
  for (const stored of storedBlockLinears(config)) {
    block += linearWeightBytes(stored.rows, stored.cols, preset.weights);
    // A stacked matrix has one bias buffer when any of its parts has a bias (all of q, k, v do).
    if (stored.parts.some(([name]) => hasBias(config, name))) block += stored.rows * 4;
  }
  const head =
    config.tieWordEmbeddings && !preset.lmHead
      ? 0
      : linearWeightBytes(config.vocabSize, h, preset.lmHead ? preset.weights : FP16_WEIGHTS);
  return embedding + norms + config.numLayers * block + head;
}

/**
 * How the preset stores the KV cache: its quantized format, or plain floats of `plainBits`
 * (16 as inference engines keep it; 32 leaves a forward pass in f32 end to end).
 */
export function kvFormatOf(preset: Preset, plainBits: 16 | 32 = 16): KvFormat {
  return preset.kv ? { bits: preset.kv.bits, group: preset.kv.group } : { bits: plainBits, group: 0 };
}

/**
 * KV cache bytes one token adds, over all layers: K and V of every layer, each as
 * kvEntryBytes lays it out (src/quant/layout.ts), which sizes the engine's cache buffers too.
 */
export function kvBytesPerToken(config: ModelConfig, preset: Preset, plainBits: 16 | 32 = 16): number {
  const entry = kvEntryBytes(kvFormatOf(preset, plainBits), { kvHeads: config.numKvHeads, headDim: config.headDim });
  return config.numLayers * 2 * (entry.data + entry.meta);
}
