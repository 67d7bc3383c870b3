// Writes the new tokens' K (after RoPE) or V into a layer's cache.
//
// Layouts, per token t and KV head h (entry e = t * kv_heads + h):
//  KV_BITS 32: f32 values at e * head_dim + d.
//  KV_BITS 16: f16 values two a u32, at (e * head_dim + d) / 2.
//  KV_BITS 2, 3, 4, 8: head_dim is cut into groups of KV_GROUP channels; each group's codes
//    are a bitstream of WORDS_PER_GROUP u32 words (codes may straddle words), entry e's groups
//    one after the other; beside them, one u32 a group holds the f16 scale (low half) and the
//    zero point (high half). Asymmetric min-max, as qllm-eval quantizes the KV cache:
//    scale = max(max - min, 1e-5) / (2^b - 1) rounded to f16, zero = clamp(-round(min / scale), 0, 2^b - 1),
//    q = clamp(round(x / scale) + zero, 0, 2^b - 1), bit for bit as src/quant/rtn.ts (float32 as
//    torch computes it) whatever the GPU's division rounds like. The f16 helpers come from f16.wgsl.

override KV_BITS: u32 = 16u;
override KV_GROUP: u32 = 64u;

struct Params {
  tokens: u32,
  kv_heads: u32,
  head_dim: u32,
  start_pos: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> cache: array<u32>;
@group(0) @binding(3) var<storage, read_write> scales: array<u32>;

fn words_per_group() -> u32 {
  return (KV_GROUP * KV_BITS + 31u) / 32u;
}

// float32(1e-5), written as bits so no compiler can round the literal another way.
const SCALE_FLOOR_BITS = 0x3727c5acu;

// -1, 0 or 1 as float32(x / s) lies below, on or above the half-integer t, for s > 0 an f16
// value. float32(x / s) is t when the exact quotient lies within t's rounding interval:
// |x - t s| <= s ulp(t) / 2 (a boundary rounds to t, whose last significand bit is 0), half that
// below 0.5 in magnitude, where the floats are twice as dense. t s (at most 12 by 11
// significant bits) and s ulp(t) / 2 (s times a power of two) are exact, and so is x - t s when
// it is that small (Sterbenz): every comparison here is exact.
fn side_of_half(x: f32, s: f32, t: f32) -> i32 {
  let d = x - t * s;
  var half_ulp = bitcast<f32>(bitcast<u32>(abs(t)) & 0x7f800000u) * 5.9604644775390625e-8;
  if (abs(t) == 0.5 && (d > 0.0) != (t > 0.0)) {
    half_ulp *= 0.5;
  }
  if (abs(d) <= s * half_ulp) {
    return 0;
  }
  return select(-1, 1, d > 0.0);
}

fn even_of(a: f32) -> f32 {
  return select(a + 1.0, a, (i32(a) & 1) == 0);
}

// torch.round(float32(x / s)), halves to even, as the CPU reference (src/quant/rtn.ts) computes
// it. GPU division may be off by a few ulp (SwiftShader multiplies by the reciprocal), enough to
// tip a value next to a half step, so the estimate is only a start and the decision is taken on
// exact products. Beyond +-1024 the result comes back clamped to it: every code saturates there.
fn round_quotient(x: f32, s: f32) -> f32 {
  let e = round(x / s);
  if (abs(e) >= 1024.0) {
    return clamp(e, -1024.0, 1024.0);
  }
  let above = side_of_half(x, s, e + 0.5);
  if (above > 0) { return e + 1.0; }
  if (above == 0) { return even_of(e); }
  let below = side_of_half(x, s, e - 0.5);
  if (below < 0) { return e - 1.0; }
  if (below == 0) { return even_of(e - 1.0); }
  return e;
}

@compute @workgroup_size(64)
fn write_plain(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  let row = params.kv_heads * params.head_dim;
  let base = params.start_pos * row;
  if (KV_BITS == 32u) {
    if (i >= params.tokens * row) { return; }
    cache[base + i] = bitcast<u32>(src[i]);
  } else {
    if (i >= params.tokens * row / 2u) { return; }
    cache[base / 2u + i] = pack2x16float(vec2<f32>(src[2u * i], src[2u * i + 1u]));
  }
}

// One invocation a (token, KV head, group): it owns the group's words, so no two write one word.
@compute @workgroup_size(64)
fn write_quantized(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let groups_per_head = params.head_dim / KV_GROUP;
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= params.tokens * params.kv_heads * groups_per_head) { return; }
  let src_base = i * KV_GROUP;
  var lo = src[src_base];
  var hi = lo;
  for (var j = 1u; j < KV_GROUP; j++) {
    let v = src[src_base + j];
    lo = min(lo, v);
    hi = max(hi, v);
  }
  let max_q = f32(0xffffffffu >> (32u - KV_BITS));
  let scale_code = scale_bits(max(hi - lo, bitcast<f32>(SCALE_FLOOR_BITS)), max_q);
  let scale = f16_value(scale_code);
  let zero = clamp(-round_quotient(lo, scale), 0.0, max_q);
  let group_index = params.start_pos * params.kv_heads * groups_per_head + i;
  let word_base = group_index * words_per_group();
  for (var w = 0u; w < words_per_group(); w++) {
    cache[word_base + w] = 0u;
  }
  for (var j = 0u; j < KV_GROUP; j++) {
    let q = u32(clamp(round_quotient(src[src_base + j], scale) + zero, 0.0, max_q));
    let bit = j * KV_BITS;
    let word = word_base + bit / 32u;
    let offset = bit % 32u;
    cache[word] |= q << offset;
    if (offset + KV_BITS > 32u) {
      cache[word + 1u] |= q >> (32u - offset);
    }
  }
  scales[group_index] = scale_code | (u32(zero) << 16u);
}
