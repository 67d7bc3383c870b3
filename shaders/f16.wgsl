// f16 helpers for kernels that store or read f16 quantization scales (appended to kv_cache.wgsl,
// attention.wgsl, matvec_q.wgsl, matmul_q.wgsl and matmul_sgmat.wgsl; quantize.wgsl holds the same functions).

// Decoded by hand rather than with unpack2x16float, which may flush f16 subnormals (the scales
// of near-constant groups) to zero.
fn f16_value(h: u32) -> f32 {
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  var v = bitcast<f32>(((e + 112u) << 23u) | (m << 13u));
  if (e == 0u) {
    v = f32(m) * 5.9604644775390625e-8;
  }
  return select(v, -v, (h & 0x8000u) != 0u);
}

// An f16 at or just below x >= 0 (truncated), only a starting point for scale_bits.
fn f16_bits_below(x: f32) -> u32 {
  if (x < 6.103515625e-5) {
    return u32(x * 16777216.0);
  }
  let b = bitcast<u32>(x);
  let e = (b >> 23u) - 112u;
  if (e >= 31u) {
    return 0x7bffu;
  }
  return (e << 10u) | ((b >> 13u) & 0x3ffu);
}

// f16 bits of f16(f32(num / d)) for num > 0 and an integer 1 <= d <= 255: the f16 nearest the
// exact quotient, ties to even, found by comparing exact products, since GPU division may be off
// by a few ulp (SwiftShader multiplies by the reciprocal) and a quotient on or next to an f16
// midpoint would then round to the other neighbour. Rounding to f32 first cannot matter: to move
// the quotient onto an f16 midpoint it would have to lie within d/2 f32 ulps of the midpoint
// times d, and num, an f32, cannot come that close to mid * d without being equal to it.
fn scale_bits(num: f32, d: f32) -> u32 {
  var h = f16_bits_below(num / d);
  // Bracket the quotient between consecutive f16 values: value(h) * d <= num < value(h+1) * d.
  for (var i = 0u; i < 3u; i++) {
    if (h > 0u && f16_value(h) * d > num) {
      h -= 1u;
    }
  }
  for (var i = 0u; i < 3u; i++) {
    if (f16_value(h + 1u) * d <= num) {
      h += 1u;
    }
  }
  // The midpoint of two neighbouring f16 values has 12 significant bits, so mid * d is exact.
  let mid = 0.5 * (f16_value(h) + f16_value(h + 1u));
  let t = mid * d;
  if (num > t || (num == t && (h & 1u) == 1u)) {
    return h + 1u;
  }
  return h;
}
