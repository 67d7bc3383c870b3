/**
 * IEEE binary16 conversions, rounding to nearest even: the format of 16-bit checkpoints, of
 * the GPU's 16-bit weights and KV cache, and of every stored quantization scale.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE single (as its 32 bits) to half bits, rounding to nearest even; too large gives ±inf, NaN stays NaN. */
export function f32BitsToF16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e > 0) {
    // Normal half. A carry out of the mantissa while rounding correctly bumps
    // the exponent, and from the largest finite value into infinity.
    const h = (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    return sign | (rest > 0x1000 || (rest === 0x1000 && h & 1) ? h + 1 : h);
  }
  // Subnormal half: value = m * 2^-24 with m = significand >> (126 - exp).
  // Beyond a shift of 24 even the largest significand is below half of 2^-24.
  const shift = 126 - exp;
  if (exp === 0 || shift > 24) return sign;
  const sig = mant | 0x800000;
  const m = sig >>> shift;
  const rest = sig & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return sign | (rest > half || (rest === half && m & 1) ? m + 1 : m);
}

let halfTable: Float32Array | null = null;

/** Half bits to a float, through a 64 K table built on first use. */
export function f16BitsToF32(h: number): number {
  if (!halfTable) {
    halfTable = new Float32Array(0x10000);
    for (let i = 0; i < 0x10000; i++) {
      const exp = (i >> 10) & 0x1f;
      const mant = i & 0x3ff;
      const mag = exp === 0 ? mant * 2 ** -24 : exp === 0x1f ? (mant ? NaN : Infinity) : (1 + mant / 1024) * 2 ** (exp - 15);
      halfTable[i] = i & 0x8000 ? -mag : mag;
    }
  }
  return halfTable[h];
}

export function f32ToF16Bits(value: number): number {
  f32[0] = value;
  return f32BitsToF16Bits(u32[0]);
}

/** The f16 value nearest to `value` (ties to even), as an ordinary number. */
export function roundToF16(value: number): number {
  return f16BitsToF32(f32ToF16Bits(value));
}
