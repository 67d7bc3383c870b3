import type { ModelConfig } from '../../model/config';
import { ropeTable } from '../rope';
import { silu } from './elementwise';
import { attentionReference, kvRoundTripReference, rmsNormReference, ropeReference } from './layers';

/** A block's weights as f32 matrices [out][in], already dequantized as the preset stores them. */
export interface ReferenceBlock {
  inputNorm: Float32Array;
  postNorm: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  o: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
  qBias?: Float32Array;
  kBias?: Float32Array;
  vBias?: Float32Array;
}

export interface ReferenceWeights {
  embedding: Float32Array;
  finalNorm: Float32Array;
  lmHead: Float32Array;
  blocks: ReferenceBlock[];
}

export interface ReferenceOptions {
  /** KV cache storage: 32 or 16 plain, or quantized codes of this many bits in groups of kvGroup. */
  kvBits: number;
  kvGroup: number;
  /** Fake-quantizes each linear layer's input row (W·A presets); identity when absent. */
  activation?: (row: Float32Array) => Float32Array;
}

function linear(x: Float32Array, w: Float32Array, rows: number, cols: number, m: number, bias?: Float32Array): Float32Array {
  const y = new Float32Array(m * rows);
  for (let t = 0; t < m; t++) {
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      for (let k = 0; k < cols; k++) acc += x[t * cols + k] * w[r * cols + k];
      y[t * rows + r] = acc + (bias ? bias[r] : 0);
    }
  }
  return y;
}

/**
 * The whole forward pass on the CPU, from token ids to logits [tokens][vocab],
 * with the same KV-cache and activation quantization as the GPU engine.
 */
export function referenceForward(config: ModelConfig, weights: ReferenceWeights, ids: number[], options: ReferenceOptions): Float32Array {
  const c = config;
  const m = ids.length;
  const act = (x: Float32Array, cols: number) => {
    if (!options.activation) return x;
    const out = new Float32Array(x.length);
    for (let t = 0; t < m; t++) out.set(options.activation(x.subarray(t * cols, (t + 1) * cols)), t * cols);
    return out;
  };
  const table = ropeTable(c, m);
  const group = Math.min(options.kvGroup, c.headDim);
  let x = new Float32Array(m * c.hiddenSize);
  ids.forEach((id, t) => x.set(weights.embedding.subarray(id * c.hiddenSize, (id + 1) * c.hiddenSize), t * c.hiddenSize));
  const qWidth = c.numHeads * c.headDim;
  const kvWidth = c.numKvHeads * c.headDim;
  for (const b of weights.blocks) {
    const xn = act(rmsNormReference(x, b.inputNorm, m, c.hiddenSize, c.rmsNormEps), c.hiddenSize);
    const q = linear(xn, b.q, qWidth, c.hiddenSize, m, b.qBias);
    const k = linear(xn, b.k, kvWidth, c.hiddenSize, m, b.kBias);
    const v = linear(xn, b.v, kvWidth, c.hiddenSize, m, b.vBias);
    ropeReference(q, table, m, c.numHeads, c.headDim, 0);
    ropeReference(k, table, m, c.numKvHeads, c.headDim, 0);
    const attn = attentionReference(
      q,
      kvRoundTripReference(k, options.kvBits, group),
      kvRoundTripReference(v, options.kvBits, group),
      m,
      c.numHeads,
      c.numKvHeads,
      c.headDim,
      0,
    );
    const o = linear(act(attn, qWidth), b.o, c.hiddenSize, qWidth, m);
    x = x.map((val, i) => val + o[i]);
    const xn2 = act(rmsNormReference(x, b.postNorm, m, c.hiddenSize, c.rmsNormEps), c.hiddenSize);
    const gate = linear(xn2, b.gate, c.intermediateSize, c.hiddenSize, m);
    const up = linear(xn2, b.up, c.intermediateSize, c.hiddenSize, m);
    const h = gate.map((g, i) => silu(g) * up[i]);
    const down = linear(act(h, c.intermediateSize), b.down, c.hiddenSize, c.intermediateSize, m);
    x = x.map((val, i) => val + down[i]);
  }
  const xf = rmsNormReference(x, weights.finalNorm, m, c.hiddenSize, c.rmsNormEps);
  return linear(xf, weights.lmHead, c.vocabSize, c.hiddenSize, m);
}
