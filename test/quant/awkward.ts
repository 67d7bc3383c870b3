import { f32ToF16Bits } from '../../src/quant/f16';

/**
 * f16 weights whose groups mix the cases that decide quantization: ordinary spreads at many
 * magnitudes, groups entirely positive or negative (the zero clamp saturates), constant groups
 * (the 1e-5 floor), tiny ones (subnormal f16 scales), values near the f16 limit, and groups
 * built on a power-of-two scale so that w / scale and min / scale hit exact halves (ties).
 */
export function awkwardWeights(rows: number, cols: number, group: number, bits: number, symmetric: boolean, next: () => number): Uint16Array {
  const out = new Uint16Array(rows * cols);
  const groups = (rows * cols) / group;
  for (let g = 0; g < groups; g++) {
    const values = new Array<number>(group);
    const kind = Math.floor(next() * 8);
    const amplitude = 10 ** (next() * 3.5 - 3);
    if (kind === 0) {
      const s = 2 ** -Math.floor(3 + next() * 10);
      const half = 2 ** (bits - 1);
      const steps = symmetric ? half - 1 : 2 ** bits - 1;
      // Asymmetric: min = -(zero) or -(zero + 1/2) steps, max = min + 2^b - 1 steps. Symmetric: +-absmax.
      const lo = symmetric ? -steps * s : -(Math.floor(next() * (steps + 1)) + (next() < 0.5 ? 0.5 : 0)) * s;
      const span = symmetric ? 2 * steps : steps;
      for (let i = 0; i < group; i++) values[i] = lo + (Math.floor(next() * (2 * span + 1)) / 2) * s;
      values[Math.floor(next() * group)] = lo;
      values[Math.floor(next() * group)] = lo + span * s;
      if (symmetric && next() < 0.5) for (let i = 0; i < group; i++) values[i] = -values[i];
    } else if (kind === 1 || kind === 2) {
      const sign = kind === 1 ? 1 : -1;
      for (let i = 0; i < group; i++) values[i] = sign * amplitude * (0.1 + next());
    } else if (kind === 3) {
      values.fill((next() * 2 - 1) * amplitude);
    } else if (kind === 4) {
      for (let i = 0; i < group; i++) values[i] = (next() * 2 - 1) * 1e-4;
    } else if (kind === 5) {
      for (let i = 0; i < group; i++) values[i] = (next() * 2 - 1) * 65000;
    } else {
      const offset = (next() - 0.5) * amplitude;
      for (let i = 0; i < group; i++) values[i] = offset + (next() * 2 - 1) * amplitude;
    }
    for (let i = 0; i < group; i++) out[g * group + i] = f32ToF16Bits(values[i]);
  }
  return out;
}

