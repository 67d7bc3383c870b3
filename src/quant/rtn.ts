/**
 * CPU reference of round-to-nearest quantization, the formulas of qllm-eval
 * (quantization/quant_funcs.py, as AWQ) that train/reference_quant_ppl.py
 * runs in PyTorch. Arithmetic is float32 as torch does it: every operation's
 * result goes through Math.fround (exact for one f32 +, -, *, / because a
 * double holds the exact result before the single rounding), and `round` is
 * torch.round, which sends halves to the even neighbour.
 *
 * Weights:   scale = max(max - min, 1e-5) / (2^b - 1)            (asymmetric)
 *            scale = max(absmax, 1e-5) / (2^(b-1) - 1)            (symmetric)
 *            the scale is stored, so it is rounded to f16, and zero and q use the rounded value;
 *            zero = clamp(-round(min / scale), 0, 2^b - 1)
 *            q = clamp(round(w / scale) + zero, 0, 2^b - 1)       w' = (q - zero) * scale
 *            symmetric: q = clamp(round(w / scale), -2^(b-1), 2^(b-1) - 1), stored as q + 2^(b-1)
 * Activations: per token over the whole row, asymmetric, the scale kept in f32 (never stored).
 */
import { f16BitsToF32, f32ToF16Bits } from './f16';
import { packedSizes, type PackedShape } from './layout';

/** The 1e-5 floor of the scale's numerator, as the float32 torch compares against. */
export const SCALE_FLOOR = Math.fround(1e-5);

/** torch.round: the nearest integer, a half going to the even neighbour (0.5 -> 0, 1.5 -> 2, -2.5 -> -2). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor + 0;
  return floor % 2 === 0 ? floor + 0 : floor + 1;
}

const f = Math.fround;

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

export interface WeightSpec {
  bits: number;
  /** Input channels per group; 0 for one group per output row. */
  group: number;
  symmetric: boolean;
}

/** A matrix quantized but not yet packed: one unsigned code a weight, one f16 scale and zero a group. */
export interface QuantizedMatrix extends PackedShape {
  /** Row-major codes in 0..2^bits-1 (symmetric codes carry the 2^(bits-1) offset). */
  codes: Uint8Array;
  /** f16 bits of each group's scale, groups numbered row by row. */
  scales: Uint16Array;
  /** Each group's zero point; 2^(bits-1) for every group when symmetric. */
  zeros: Uint8Array;
}

export function shapeOf(rows: number, cols: number, spec: WeightSpec): PackedShape {
  const group = spec.group || cols;
  if (cols % group !== 0) throw new Error(`a group of ${group} does not divide a row of ${cols}`);
  return { rows, cols, bits: spec.bits, group, symmetric: spec.symmetric };
}

/** Quantizes values[start, start + length) into the same places of `codes`; returns the group's f16 scale bits and zero. */
function quantizeGroup(
  values: ArrayLike<number>,
  start: number,
  length: number,
  bits: number,
  symmetric: boolean,
  codes: Uint8Array,
): { scaleBits: number; zero: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = f(values[start + i]);
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (symmetric) {
    const half = 2 ** (bits - 1);
    const absmax = Math.max(Math.abs(min), Math.abs(max));
    const scaleBits = f32ToF16Bits(f(Math.max(absmax, SCALE_FLOOR) / (half - 1)));
    const scale = f16BitsToF32(scaleBits);
    for (let i = 0; i < length; i++) {
      codes[start + i] = clamp(roundHalfEven(f(f(values[start + i]) / scale)), -half, half - 1) + half;
    }
    return { scaleBits, zero: half };
  }
  const qmax = 2 ** bits - 1;
  const scaleBits = f32ToF16Bits(f(Math.max(f(max - min), SCALE_FLOOR) / qmax));
  const scale = f16BitsToF32(scaleBits);
  const zero = clamp(-roundHalfEven(f(min / scale)), 0, qmax);
  for (let i = 0; i < length; i++) {
    codes[start + i] = clamp(roundHalfEven(f(f(values[start + i]) / scale)) + zero, 0, qmax);
  }
  return { scaleBits, zero };
}

/** Round-to-nearest quantization of a row-major [rows][cols] matrix in groups along each row. */
export function quantizeRtn(w: ArrayLike<number>, rows: number, cols: number, spec: WeightSpec): QuantizedMatrix {
  const shape = shapeOf(rows, cols, spec);
  if (w.length !== rows * cols) throw new Error(`expected ${rows * cols} weights, got ${w.length}`);
  const groups = (rows * cols) / shape.group;
  const codes = new Uint8Array(rows * cols);
  const scales = new Uint16Array(groups);
  const zeros = new Uint8Array(groups);
  for (let g = 0; g < groups; g++) {
    const { scaleBits, zero } = quantizeGroup(w, g * shape.group, shape.group, shape.bits, shape.symmetric, codes);
    scales[g] = scaleBits;
    zeros[g] = zero;
  }
  return { ...shape, codes, scales, zeros };
}

/** w' = (q - zero) * scale, exact in f32 (a small integer times an f16). */
export function dequantize(m: QuantizedMatrix): Float32Array {
  const out = new Float32Array(m.rows * m.cols);
  for (let i = 0; i < out.length; i++) {
    const g = Math.floor(i / m.group);
    out[i] = (m.codes[i] - m.zeros[g]) * f16BitsToF32(m.scales[g]);
  }
  return out;
}

/** The buffers of the packed GPU layout (see shaders/quantize.wgsl). */
export interface PackedMatrix {
  words: Uint32Array;
  scales: Uint32Array;
  /** null when symmetric: the zero is implied. */
  zeros: Uint32Array | null;
}

/** Packs codes, scales and zeros exactly as shaders/quantize.wgsl writes them. */
export function packQuantized(m: QuantizedMatrix): PackedMatrix {
  const sizes = packedSizes(m);
  const words = new Uint32Array(sizes.qBytes / 4);
  for (let g = 0; g < sizes.groups; g++) {
    const base = g * sizes.wordsPerGroup * 32;
    for (let i = 0; i < m.group; i++) {
      const code = m.codes[g * m.group + i];
      const bit = base + i * m.bits;
      const word = bit >>> 5;
      const shift = bit & 31;
      words[word] |= code << shift;
      if (shift + m.bits > 32) words[word + 1] |= code >>> (32 - shift);
    }
  }
  const scales = new Uint32Array(sizes.scaleBytes / 4);
  for (let g = 0; g < sizes.groups; g++) scales[g >>> 1] |= m.scales[g] << (16 * (g & 1));
  let zeros: Uint32Array | null = null;
  if (!m.symmetric) {
    zeros = new Uint32Array(sizes.zeroBytes / 4);
    for (let g = 0; g < sizes.groups; g++) zeros[g >>> 2] |= m.zeros[g] << (8 * (g & 3));
  }
  return { words, scales, zeros };
}

/** Reads the packed layout back into codes, scales and zeros (the inverse of packQuantized). */
export function unpackQuantized(p: PackedMatrix, shape: PackedShape): QuantizedMatrix {
  const sizes = packedSizes(shape);
  const mask = 2 ** shape.bits - 1;
  const codes = new Uint8Array(shape.rows * shape.cols);
  for (let g = 0; g < sizes.groups; g++) {
    const base = g * sizes.wordsPerGroup * 32;
    for (let i = 0; i < shape.group; i++) {
      const bit = base + i * shape.bits;
      const word = bit >>> 5;
      const shift = bit & 31;
      let v = p.words[word] >>> shift;
      if (shift + shape.bits > 32) v |= p.words[word + 1] << (32 - shift);
      codes[g * shape.group + i] = v & mask;
    }
  }
  const scales = new Uint16Array(sizes.groups);
  const zeros = new Uint8Array(sizes.groups);
  for (let g = 0; g < sizes.groups; g++) {
    scales[g] = (p.scales[g >>> 1] >>> (16 * (g & 1))) & 0xffff;
    zeros[g] = p.zeros ? (p.zeros[g >>> 2] >>> (8 * (g & 3))) & 0xff : 2 ** (shape.bits - 1);
  }
  return { ...shape, codes, scales, zeros };
}

/** Dequantizes straight from the packed layout, the way the matmul kernels read it. */
export function dequantizePacked(p: PackedMatrix, shape: PackedShape): Float32Array {
  return dequantize(unpackQuantized(p, shape));
}

export interface ActivationRowQuant {
  scale: number;
  zero: number;
  codes: Uint8Array;
}

/** Per-token asymmetric quantization of one activation row; the f32 scale is not rounded to f16. */
export function quantizeActivationRow(row: ArrayLike<number>, bits: number): ActivationRowQuant {
  const qmax = 2 ** bits - 1;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) {
    min = Math.min(min, f(row[i]));
    max = Math.max(max, f(row[i]));
  }
  const scale = f(Math.max(f(max - min), SCALE_FLOOR) / qmax);
  const zero = clamp(-roundHalfEven(f(min / scale)), 0, qmax);
  const codes = new Uint8Array(row.length);
  for (let i = 0; i < row.length; i++) codes[i] = clamp(roundHalfEven(f(f(row[i]) / scale)) + zero, 0, qmax);
  return { scale, zero, codes };
}

/** Fake quantization (quantize, then dequantize) of an [m][k] activation, per token, as the W·A presets apply it. */
export function fakeQuantizeActivations(x: ArrayLike<number>, m: number, k: number, bits: number): Float32Array {
  const out = new Float32Array(m * k);
  for (let r = 0; r < m; r++) {
    const row = Array.prototype.slice.call(x, r * k, (r + 1) * k) as number[];
    const { scale, zero, codes } = quantizeActivationRow(row, bits);
    for (let i = 0; i < k; i++) out[r * k + i] = (codes[i] - zero) * scale;
  }
  return out;
}
