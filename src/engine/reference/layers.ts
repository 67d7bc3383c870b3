/**
 * CPU references of the engine's layers, in f64 arithmetic over f32 inputs.
 * They define what the WGSL kernels must compute; tests compare the two.
 */
import { roundToF16 } from '../../quant/f16';
import { dequantize, quantizeRtn } from '../../quant/rtn';

export function rmsNormReference(x: Float32Array, weight: Float32Array, rows: number, width: number, eps: number): Float32Array {
  const y = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = 0; i < width; i++) sum += x[r * width + i] ** 2;
    const inv = 1 / Math.sqrt(sum / width + eps);
    for (let i = 0; i < width; i++) y[r * width + i] = x[r * width + i] * inv * weight[i];
  }
  return y;
}

/** Rotates [tokens][heads][headDim] in place with a table from ropeTable(). */
export function ropeReference(x: Float32Array, table: Float32Array, tokens: number, heads: number, headDim: number, startPos: number): void {
  const half = headDim / 2;
  for (let m = 0; m < tokens; m++) {
    for (let h = 0; h < heads; h++) {
      const base = (m * heads + h) * headDim;
      for (let c = 0; c < half; c++) {
        const t = ((startPos + m) * half + c) * 2;
        const a = x[base + c];
        const b = x[base + c + half];
        x[base + c] = a * table[t] - b * table[t + 1];
        x[base + c + half] = b * table[t] + a * table[t + 1];
      }
    }
  }
}

/**
 * What the KV cache gives back for values written in groups of `group` channels: f32 or f16
 * values, or asymmetric min-max codes of `bits` bits with an f16 scale (kv_cache.wgsl), which is
 * the weights' round-to-nearest quantizer applied to each group.
 */
export function kvRoundTripReference(values: Float32Array, bits: number, group: number): Float32Array {
  if (bits === 32) return Float32Array.from(values);
  if (bits === 16) return values.map(roundToF16);
  return dequantize(quantizeRtn(values, values.length / group, group, { bits, group, symmetric: false }));
}

/**
 * Causal grouped-query attention of `tokens` queries (positions startPos..) over
 * cached K and V of startPos + tokens positions, [pos][kvHeads][headDim].
 */
export function attentionReference(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  tokens: number,
  heads: number,
  kvHeads: number,
  headDim: number,
  startPos: number,
): Float32Array {
  const out = new Float32Array(tokens * heads * headDim);
  const scale = 1 / Math.sqrt(headDim);
  const perKv = heads / kvHeads;
  for (let m = 0; m < tokens; m++) {
    const keys = startPos + m + 1;
    for (let h = 0; h < heads; h++) {
      const kvh = Math.floor(h / perKv);
      const qBase = (m * heads + h) * headDim;
      const scores = new Float64Array(keys);
      let max = -Infinity;
      for (let t = 0; t < keys; t++) {
        let dot = 0;
        const kBase = (t * kvHeads + kvh) * headDim;
        for (let d = 0; d < headDim; d++) dot += q[qBase + d] * k[kBase + d];
        scores[t] = dot * scale;
        max = Math.max(max, scores[t]);
      }
      let sum = 0;
      for (let t = 0; t < keys; t++) {
        scores[t] = Math.exp(scores[t] - max);
        sum += scores[t];
      }
      for (let d = 0; d < headDim; d++) {
        let acc = 0;
        for (let t = 0; t < keys; t++) acc += scores[t] * v[(t * kvHeads + kvh) * headDim + d];
        out[qBase + d] = acc / sum;
      }
    }
  }
  return out;
}

export function logSumExp(row: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  return max + Math.log(sum);
}
