// Round-to-nearest quantization of 16-bit weights into the packed layout, on the GPU.
//
// PACKED LAYOUT of a weight W [rows = N outputs][cols = K inputs] (read by matmul_q.wgsl):
//  - A group is GROUP consecutive input channels of one row (GROUP = K for per channel; GROUP is
//    a multiple of 8). Groups are numbered row by row: group g = n * (K / GROUP) + j is the j-th
//    group of row n, so group g holds the flat weights g * GROUP .. g * GROUP + GROUP - 1.
//  - qweight, array<u32>: group g's BITS-bit codes form one little-endian bitstream of
//    WORDS_PER_GROUP = ceil(GROUP * BITS / 32) words starting at word g * WORDS_PER_GROUP.
//    Code i of the group occupies bits [i * BITS, i * BITS + BITS) of that stream, so a 3-bit
//    code may straddle two words; the bits after the last code of a group are 0.
//  - scales, array<u32>: group g's f16 scale in bits 16 * (g & 1) of word g >> 1.
//  - zeros, array<u32>, asymmetric only: group g's u8 zero point in bits 8 * (g & 3) of word g >> 2.
//  - Codes are unsigned: w' = (code - zero) * scale, the zero being 2^(BITS-1) when symmetric.
// 16-BIT WEIGHTS (this kernel's input, and matmul.wgsl's): f16 bits two to a u32 along each row,
// weight k of the flat row-major matrix in the low half of word k / 2 when k is even (K is even).
//
// The formulas are those of src/quant/rtn.ts, which emulates PyTorch's float32 arithmetic, and
// this kernel matches it bit for bit. GPU division may be off by a few ulp (Vulkan allows 2.5)
// and f32-to-f16 conversion may round either way, so every rounding decision below is taken on
// exact products instead: an f16 value times an integer below 2^12 fits f32's significand.
//  - The stored scale, f16(f32(num / d)) with num the f32 numerator and d the integer divisor, is
//    the f16 nearest the exact quotient (see scale_bits); it is found by comparing products.
//  - round(w / scale), w and scale both f16, can only be a tie or change side of one when the
//    quotient is exactly a half-integer: a quotient that is not lies at least 2^-12 from one,
//    farther than float32's rounding moves it below 1024. So round_div rounds the exact
//    quotient, which is what torch's round(float32(w / scale)) gives; beyond 1024 every code
//    saturates in the clamp, whatever the rounding.

// Set from the TS constant that sizes the dispatch (src/engine/linear.ts).
override GROUPS_PER_WORKGROUP: u32;
const LANES = 16u;
override THREADS: u32 = GROUPS_PER_WORKGROUP * LANES;
// float32(1e-5), written as bits so no compiler can round the literal another way.
const SCALE_FLOOR_BITS = 0x3727c5acu;

// The format comes as uniforms, so one pipeline quantizes to every format.
struct Params {
  groups: u32,
  bits: u32,
  group: u32,
  symmetric: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> weights: array<u32>;
@group(0) @binding(2) var<storage, read_write> qweight: array<u32>;
@group(0) @binding(3) var<storage, read_write> scales: array<u32>;
@group(0) @binding(4) var<storage, read_write> zeros: array<u32>;

var<workgroup> lane_min: array<f32, THREADS>;
var<workgroup> lane_max: array<f32, THREADS>;
var<workgroup> scale_bits_of: array<u32, GROUPS_PER_WORKGROUP>;
var<workgroup> zero_of: array<u32, GROUPS_PER_WORKGROUP>;

// Decoded by hand rather than with unpack2x16float, which may flush f16 subnormals to zero.
fn f16_value(h: u32) -> f32 {
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  var v = bitcast<f32>(((e + 112u) << 23u) | (m << 13u));
  if (e == 0u) {
    v = f32(m) * 5.9604644775390625e-8;
  }
  return select(v, -v, (h & 0x8000u) != 0u);
}

fn weight_at(i: u32) -> f32 {
  return f16_value((weights[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu);
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
// exact quotient, ties to even. torch rounds to f32 first, but that cannot matter: to move the
// quotient onto an f16 midpoint it would have to lie within d/2 f32 ulps of the midpoint times d,
// and num, an f32, cannot come that close to mid * d without being equal to it.
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

// round(x / s), halves to even, decided exactly; results beyond +-1024 come back clamped to it.
fn round_div(x: f32, s: f32) -> f32 {
  let estimate = round(x / s);
  if (abs(estimate) >= 1024.0) {
    return clamp(estimate, -1024.0, 1024.0);
  }
  var r = estimate;
  let x2 = 2.0 * x;
  if (x2 > (2.0 * r + 1.0) * s) {
    r += 1.0;
  } else if (x2 < (2.0 * r - 1.0) * s) {
    r -= 1.0;
  }
  let odd = (i32(r) & 1) != 0;
  if (odd && x2 == (2.0 * r + 1.0) * s) {
    r += 1.0;
  } else if (odd && x2 == (2.0 * r - 1.0) * s) {
    r -= 1.0;
  }
  return r;
}

fn encode(w: f32, scale: f32, zero: f32) -> u32 {
  let r = round_div(w, scale);
  if (params.symmetric != 0u) {
    let half = f32(1u << (params.bits - 1u));
    return u32(clamp(r, -half, half - 1.0) + half);
  }
  return u32(clamp(r + zero, 0.0, f32((1u << params.bits) - 1u)));
}

// Each workgroup owns GROUPS_PER_WORKGROUP consecutive groups, so it alone writes their scale
// and zero words; inside it, one invocation writes each output word, so no word is shared.
@compute @workgroup_size(THREADS)
fn quantize(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let block = wid.x + wid.y * nwg.x;
  if (block * GROUPS_PER_WORKGROUP >= params.groups) {
    return;
  }
  let bits = params.bits;
  let group_size = params.group;
  let symmetric = params.symmetric != 0u;
  let slot = lid / LANES;
  let lane = lid % LANES;
  let g = block * GROUPS_PER_WORKGROUP + slot;
  let live = g < params.groups;
  let first = g * group_size;

  var lo = 0.0;
  var hi = 0.0;
  if (live) {
    lo = weight_at(first + lane % group_size);
    hi = lo;
    for (var i = lane; i < group_size; i += LANES) {
      let v = weight_at(first + i);
      lo = min(lo, v);
      hi = max(hi, v);
    }
  }
  lane_min[lid] = lo;
  lane_max[lid] = hi;
  // Few barriers: on some drivers (SwiftShader) each costs far more than the 16 reads it saves.
  workgroupBarrier();

  if (lane == 0u) {
    var mn = lane_min[lid];
    var mx = lane_max[lid];
    for (var i = 1u; i < LANES; i++) {
      mn = min(mn, lane_min[lid + i]);
      mx = max(mx, lane_max[lid + i]);
    }
    let scale_floor = bitcast<f32>(SCALE_FLOOR_BITS);
    if (symmetric) {
      let half = f32(1u << (bits - 1u));
      scale_bits_of[slot] = scale_bits(max(max(abs(mn), abs(mx)), scale_floor), half - 1.0);
      zero_of[slot] = 1u << (bits - 1u);
    } else {
      let qmax = f32((1u << bits) - 1u);
      let code = scale_bits(max(mx - mn, scale_floor), qmax);
      scale_bits_of[slot] = code;
      zero_of[slot] = u32(clamp(-round_div(mn, f16_value(code)), 0.0, qmax));
    }
  }
  workgroupBarrier();

  if (live) {
    let scale = f16_value(scale_bits_of[slot]);
    let zero = f32(zero_of[slot]);
    let wpg = (group_size * bits + 31u) / 32u;
    for (var w = lane; w < wpg; w += LANES) {
      let start = w * 32u;
      // Every code with a bit in this word; a code straddling two words is encoded by both owners.
      let last = min((start + 31u) / bits, group_size - 1u);
      var word = 0u;
      for (var i = start / bits; i <= last; i++) {
        let code = encode(weight_at(first + i), scale, zero);
        let bit = i * bits;
        if (bit >= start) {
          word |= code << (bit - start);
        } else {
          word |= code >> (start - bit);
        }
      }
      qweight[g * wpg + w] = word;
    }
  }

  let base = block * GROUPS_PER_WORKGROUP;
  if (lid < 2u && (base >> 1u) + lid < (params.groups + 1u) / 2u) {
    var word = 0u;
    for (var i = 0u; i < 2u; i++) {
      let s = lid * 2u + i;
      if (base + s < params.groups) {
        word |= scale_bits_of[s] << (16u * i);
      }
    }
    scales[(base >> 1u) + lid] = word;
  }
  if (lid == 2u && !symmetric) {
    var word = 0u;
    for (var s = 0u; s < GROUPS_PER_WORKGROUP; s++) {
      if (base + s < params.groups) {
        word |= zero_of[s] << (8u * s);
      }
    }
    zeros[block] = word;
  }
}
