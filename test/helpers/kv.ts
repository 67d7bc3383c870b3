import { f16BitsToF32, roundToF16 } from '../../src/quant/f16';
import { packQuantized, quantizeRtn } from '../../src/quant/rtn';

/** A quantized KV cache as kv_cache.wgsl lays it out: code words, and a scale | zero << 16 word a group. */
export interface KvCacheBits {
  words: Uint32Array;
  meta: Uint32Array;
}

/**
 * The cache the CPU reference writes for `values` ([entries][headDim], groups of `group`
 * channels): the weights' round-to-nearest quantizer, whose packed bitstream a group is the
 * cache's layout too.
 */
export function kvCacheReference(values: Float32Array, bits: number, group: number): KvCacheBits {
  const q = quantizeRtn(values, values.length / group, group, { bits, group, symmetric: false });
  const meta = Uint32Array.from(q.scales, (s, g) => (s | (q.zeros[g] << 16)) >>> 0);
  return { words: packQuantized(q).words, meta };
}

/** Reads a quantized cache back into values: (code - zero) * scale, with subnormal scales kept. */
export function decodeKvCache(cache: KvCacheBits, bits: number, group: number, values: number): Float32Array {
  const out = new Float32Array(values);
  const wordsPerGroup = Math.ceil((group * bits) / 32);
  const mask = 2 ** bits - 1;
  for (let g = 0; g < values / group; g++) {
    const scale = f16BitsToF32(cache.meta[g] & 0xffff);
    const zero = cache.meta[g] >>> 16;
    for (let i = 0; i < group; i++) {
      const bit = g * wordsPerGroup * 32 + i * bits;
      const shift = bit & 31;
      let code = cache.words[bit >>> 5] >>> shift;
      if (shift + bits > 32) code |= cache.words[(bit >>> 5) + 1] << (32 - shift);
      out[g * group + i] = ((code & mask) - zero) * scale;
    }
  }
  return out;
}

/** Where two caches first differ, decoded into group, channel, codes, scales and zeros; 'none' if nowhere. */
export function firstCacheMismatch(gpu: KvCacheBits, cpu: KvCacheBits, bits: number, group: number): string {
  const wordsPerGroup = Math.ceil((group * bits) / 32);
  for (let g = 0; g < cpu.meta.length; g++) {
    const meta = gpu.meta[g] !== cpu.meta[g];
    let words = false;
    for (let w = g * wordsPerGroup; w < (g + 1) * wordsPerGroup; w++) words ||= gpu.words[w] !== cpu.words[w];
    if (!meta && !words) continue;
    const describe = (c: KvCacheBits) => `scale f16 0x${(c.meta[g] & 0xffff).toString(16)} zero ${c.meta[g] >>> 16}`;
    const a = decodeKvCache(sliceGroup(gpu, g, wordsPerGroup), bits, group, group);
    const b = decodeKvCache(sliceGroup(cpu, g, wordsPerGroup), bits, group, group);
    const i = a.findIndex((v, j) => v !== b[j]);
    const channel = i < 0 ? '' : `, channel ${i}: GPU ${a[i]} vs CPU ${b[i]}`;
    return `group ${g}: GPU ${describe(gpu)}, CPU ${describe(cpu)}${channel}`;
  }
  return 'none';
}

function sliceGroup(c: KvCacheBits, g: number, wordsPerGroup: number): KvCacheBits {
  return { words: c.words.slice(g * wordsPerGroup, (g + 1) * wordsPerGroup), meta: c.meta.slice(g, g + 1) };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 `steps` representable values away from x (x finite, nonzero, same sign throughout). */
function ulpsAway(x: number, steps: number): number {
  f32[0] = x;
  u32[0] += steps;
  return f32[0];
}

/** A random normal f16 value in [2^lo, 2^hi), as a number. */
function f16Between(lo: number, hi: number, next: () => number): number {
  return roundToF16(2 ** (lo + next() * (hi - lo)));
}

/**
 * K or V values whose groups mix the cases that decide the cache's rounding: values exactly on a
 * half step and a few float32 ulps either side (where a division off by an ulp tips the code),
 * min / scale on a half step (the zero point), scale quotients on and next to an f16 midpoint
 * (where the stored scale tips), constant and near-constant groups (the 1e-5 floor: subnormal
 * f16 scales), groups of one sign (the zero clamp), values so far from their spread that every
 * code saturates, and ordinary random groups.
 */
export function awkwardKv(length: number, group: number, bits: number, next: () => number): Float32Array {
  const out = new Float32Array(length);
  const qmax = 2 ** bits - 1;
  const pick = (n: number) => Math.floor(next() * n);
  for (let g = 0; g < length / group; g++) {
    const values = new Array<number>(group);
    const kind = pick(8);
    if (kind === 0 || kind === 1) {
      // lo = -(z or z + 1/2) steps, hi = lo + qmax steps: hi - lo = qmax * s, so the scale is s.
      const s = f16Between(-14, 2, next);
      const lo = -(pick(qmax + 1) + (next() < 0.5 ? 0.5 : 0)) * s;
      for (let i = 0; i < group; i++) {
        const onHalf = lo + (pick(2 * qmax) + 1) * 0.5 * s;
        values[i] = kind === 0 || onHalf === 0 ? onHalf : ulpsAway(onHalf, pick(7) - 3);
      }
      values[pick(group)] = lo;
      values[pick(group)] = lo + qmax * s;
    } else if (kind === 2) {
      // hi - lo = num exactly, num / qmax on or a few ulps from the midpoint of two f16 values.
      const a = f16Between(-14, 1, next);
      const mid = (a + roundToF16(a * (1 + 2 ** -10))) / 2;
      const num = ulpsAway(Math.fround(mid * qmax), pick(7) - 3);
      for (let i = 0; i < group; i++) values[i] = (next() - 0.5) * num;
      values[pick(group)] = -num / 2;
      values[pick(group)] = num / 2;
    } else if (kind === 3) {
      values.fill((next() * 2 - 1) * 10 ** (next() * 4 - 3));
    } else if (kind === 4) {
      const center = (next() * 2 - 1) * 10 ** (next() * 3 - 6);
      for (let i = 0; i < group; i++) values[i] = center + (next() * 2 - 1) * 10 ** -(6 + next() * 2);
    } else if (kind === 5) {
      const sign = next() < 0.5 ? 1 : -1;
      const amplitude = 10 ** (next() * 4 - 2);
      for (let i = 0; i < group; i++) values[i] = sign * amplitude * (0.1 + next());
    } else if (kind === 6) {
      const offset = (next() < 0.5 ? 1 : -1) * 10 ** (next() * 3);
      for (let i = 0; i < group; i++) values[i] = offset * (1 + (next() - 0.5) * 1e-4);
    } else {
      for (let i = 0; i < group; i++) values[i] = (next() * 2 - 1) * 10 ** (next() * 2 - 1);
    }
    for (let i = 0; i < group; i++) out[g * group + i] = values[i];
  }
  return out;
}

/** Rows of the stacked projection the KV write reads: per token, its q, k and v one after the other. */
export function stackQkv(q: Float32Array, k: Float32Array, v: Float32Array, tokens: number): Float32Array {
  const [qn, kn, vn] = [q.length / tokens, k.length / tokens, v.length / tokens];
  const out = new Float32Array(q.length + k.length + v.length);
  for (let t = 0; t < tokens; t++) {
    const row = t * (qn + kn + vn);
    out.set(q.subarray(t * qn, (t + 1) * qn), row);
    out.set(k.subarray(t * kn, (t + 1) * kn), row + qn);
    out.set(v.subarray(t * vn, (t + 1) * vn), row + qn + kn);
  }
  return out;
}

/** A RoPE table that rotates by nothing (cos 1, sin 0: exact in f32), for tests of the cache alone. */
export function identityRope(positions: number, headDim: number): Float32Array {
  const table = new Float32Array(positions * headDim);
  for (let i = 0; i < table.length; i += 2) table[i] = 1;
  return table;
}
