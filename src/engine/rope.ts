import type { ModelConfig } from '../model/config';

const f = Math.fround;

/** Inverse frequencies as transformers computes them in f32, with the config's scaling. */
export function inverseFrequencies(config: Pick<ModelConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float32Array {
  const dim = config.headDim;
  const half = dim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) inv[i] = f(1 / f(Math.pow(config.ropeTheta, f((2 * i) / dim))));
  const scaling = config.ropeScaling;
  if (scaling.type === 'linear') {
    for (let i = 0; i < half; i++) inv[i] = f(inv[i] / scaling.factor);
  } else if (scaling.type === 'llama3') {
    const lowWavelen = scaling.originalMaxPositions / scaling.lowFreqFactor;
    const highWavelen = scaling.originalMaxPositions / scaling.highFreqFactor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / inv[i];
      const base = wavelen > lowWavelen ? inv[i] / scaling.factor : inv[i];
      if (wavelen < highWavelen || wavelen > lowWavelen) {
        inv[i] = f(base);
      } else {
        const smooth =
          (scaling.originalMaxPositions / wavelen - scaling.lowFreqFactor) / (scaling.highFreqFactor - scaling.lowFreqFactor);
        inv[i] = f(((1 - smooth) * base) / scaling.factor + smooth * base);
      }
    }
  }
  return inv;
}

/**
 * cos and sin of every (position, frequency) pair, interleaved, for positions 0..positions-1.
 * The angle is rounded to f32 first, as PyTorch forms it, then its cosine taken exactly.
 */
export function ropeTable(config: Pick<ModelConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>, positions: number): Float32Array {
  const inv = inverseFrequencies(config);
  const half = inv.length;
  const table = new Float32Array(positions * half * 2);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = f(p * inv[i]);
      table[(p * half + i) * 2] = Math.cos(angle);
      table[(p * half + i) * 2 + 1] = Math.sin(angle);
    }
  }
  return table;
}
