// Writes the new tokens' K and V into a layer's cache, applying RoPE to K on the way, and
// rotates the queries in place in the same dispatch (RoPE fused with the KV write).
//
// The input is the stacked q/k/v projection: token t's row of `row` floats holds its queries
// (heads x head_dim) from float 0, its keys from k_offset and its values from v_offset. RoPE is
// Llama's "rotate half" layout (channel i pairs with i + head_dim/2), with cos and sin from a
// table built on the CPU (src/engine/rope.ts) so the angles match PyTorch's f32 angles exactly.
// The first new token's position is position[0], a storage word the host writes once a step.
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
//
// Two kernel families write quantized groups. On GPUs (write_quantized) a group is a workgroup
// of KV_GROUP invocations, a channel each: the min/max reduction and the exact rounding
// (round_quotient) are spread over the group's channels, where one invocation looping over them
// cost a decode step, with its few groups, more than its whole fp16 write. On CPU adapters
// (write_quantized_direct, GpuContext.directKernels) barriers cost more than the loop, so there
// one invocation writes a whole group. Both do the same arithmetic in the same order where order
// matters (min and max are exact in any order), so both match the CPU bit for bit.
// THREADS and KV_GROUP are override constants set from the TS constants that size the dispatch
// (src/engine/ops/attention.ts); KV_GROUP is write_quantized's workgroup size.

override KV_BITS: u32 = 16u;
override KV_GROUP: u32 = 64u;
override THREADS: u32;

struct Params {
  tokens: u32,
  // Query heads to rotate (0: none).
  heads: u32,
  kv_heads: u32,
  head_dim: u32,
  // Floats a token takes in src, and where its keys and values start.
  row: u32,
  k_offset: u32,
  v_offset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> src: array<f32>;
@group(0) @binding(2) var<storage, read> table: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> position: array<u32>;
@group(0) @binding(4) var<storage, read_write> k_cache: array<u32>;
@group(0) @binding(5) var<storage, read_write> v_cache: array<u32>;
@group(0) @binding(6) var<storage, read_write> k_scales: array<u32>;
@group(0) @binding(7) var<storage, read_write> v_scales: array<u32>;

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

// Rotates query pair i (token, head, channel c < head_dim / 2) in place.
fn rotate_query(i: u32) {
  let half_dim = params.head_dim / 2u;
  let c = i % half_dim;
  let head_row = i / half_dim;
  let t = head_row / params.heads;
  let cs = table[(position[0] + t) * half_dim + c];
  let a_index = t * params.row + (head_row % params.heads) * params.head_dim + c;
  let a = src[a_index];
  let b = src[a_index + half_dim];
  src[a_index] = a * cs.x - b * cs.y;
  src[a_index + half_dim] = b * cs.x + a * cs.y;
}

// Channel d of token t's KV head h: the key after RoPE (the same products as rotate_query), or the value.
fn kv_value(is_k: bool, t: u32, h: u32, d: u32) -> f32 {
  if (!is_k) {
    return src[t * params.row + params.v_offset + h * params.head_dim + d];
  }
  let base = t * params.row + params.k_offset + h * params.head_dim;
  let half_dim = params.head_dim / 2u;
  let pos = position[0] + t;
  if (d < half_dim) {
    let cs = table[pos * half_dim + d];
    return src[base + d] * cs.x - src[base + d + half_dim] * cs.y;
  }
  let cs = table[pos * half_dim + d - half_dim];
  return src[base + d] * cs.x + src[base + d - half_dim] * cs.y;
}

fn store(is_k: bool, index: u32, word: u32) {
  if (is_k) { k_cache[index] = word; } else { v_cache[index] = word; }
}

// Invocations first rotate the query pairs, then write the keys' units, then the values'
// (a unit: one value in 32-bit, a pair in 16-bit, a group when quantized); `units` is the count
// of K units, equal to V's. Returns the unit as (is_k, index) or none for the queries.
fn split(i: u32, units: u32) -> vec2<u32> {
  let query_pairs = params.tokens * params.heads * params.head_dim / 2u;
  if (i < query_pairs) {
    rotate_query(i);
    return vec2<u32>(2u, 0u);
  }
  let j = i - query_pairs;
  if (j < units) { return vec2<u32>(1u, j); }
  if (j < 2u * units) { return vec2<u32>(0u, j - units); }
  return vec2<u32>(2u, 0u);
}

@compute @workgroup_size(THREADS)
fn write_plain(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let per_unit = select(2u, 1u, KV_BITS == 32u);
  let units_per_entry = params.head_dim / per_unit;
  let unit = split(gid.x + gid.y * nwg.x * THREADS, params.tokens * params.kv_heads * units_per_entry);
  if (unit.x == 2u) { return; }
  let is_k = unit.x == 1u;
  let u = unit.y;
  let e = u / units_per_entry;
  let t = e / params.kv_heads;
  let h = e % params.kv_heads;
  let d = (u % units_per_entry) * per_unit;
  let index = position[0] * params.kv_heads * units_per_entry + u;
  if (KV_BITS == 32u) {
    store(is_k, index, bitcast<u32>(kv_value(is_k, t, h, d)));
  } else {
    store(is_k, index, pack2x16float(vec2<f32>(kv_value(is_k, t, h, d), kv_value(is_k, t, h, d + 1u))));
  }
}

// Where a group's scale and zero come from its min and max, the same arithmetic in both families.
struct GroupScale {
  code: u32,
  scale: f32,
  zero: f32,
}

fn group_scale(lo: f32, hi: f32, max_q: f32) -> GroupScale {
  let code = scale_bits(max(hi - lo, bitcast<f32>(SCALE_FLOOR_BITS)), max_q);
  let scale = f16_value(code);
  return GroupScale(code, scale, clamp(-round_quotient(lo, scale), 0.0, max_q));
}

fn code_of(x: f32, g: GroupScale, max_q: f32) -> u32 {
  return u32(clamp(round_quotient(x, g.scale) + g.zero, 0.0, max_q));
}

// Codes j0 <= j < j1 of a group that touch word w of its bitstream: a code straddling two words
// is part of both.
fn word_codes(w: u32) -> vec2<u32> {
  let first_bit = w * 32u;
  return vec2<u32>(first_bit / KV_BITS, min((first_bit + 31u) / KV_BITS + 1u, KV_GROUP));
}

// Code j's bits that fall in word w.
fn code_bits(q: u32, j: u32, w: u32) -> u32 {
  let bit = j * KV_BITS;
  let first_bit = w * 32u;
  if (bit >= first_bit) {
    return q << (bit - first_bit);
  }
  return q >> (first_bit - bit);
}

fn store_scale(is_k: bool, group_index: u32, g: GroupScale) {
  let scale_zero = g.code | (u32(g.zero) << 16u);
  if (is_k) { k_scales[group_index] = scale_zero; } else { v_scales[group_index] = scale_zero; }
}

// write_quantized's workgroup memory: the group's (min, max) pairs as they are reduced, then its codes.
var<workgroup> group_range: array<vec2<f32>, KV_GROUP>;
var<workgroup> group_codes: array<u32, KV_GROUP>;

// GPUs: a workgroup a (token, KV head, group), an invocation a channel, so a decode step's few
// groups still spread over KV_GROUP invocations each. The first ceil(query_pairs / KV_GROUP)
// workgroups rotate the queries instead, an invocation a pair; then come the keys' groups, then
// the values'. Each word is still assembled in a register and stored once, by one invocation.
@compute @workgroup_size(KV_GROUP)
fn write_quantized(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let groups_per_head = params.head_dim / KV_GROUP;
  let units = params.tokens * params.kv_heads * groups_per_head;
  let query_pairs = params.tokens * params.heads * params.head_dim / 2u;
  let query_groups = (query_pairs + KV_GROUP - 1u) / KV_GROUP;
  let index = wid.x + wid.y * nwg.x;
  if (index < query_groups) {
    let i = index * KV_GROUP + lid.x;
    if (i < query_pairs) { rotate_query(i); }
    return;
  }
  let j = index - query_groups;
  if (j >= 2u * units) { return; }
  let is_k = j < units;
  let u = select(j - units, j, is_k);
  let e = u / groups_per_head;
  let t = e / params.kv_heads;
  let h = e % params.kv_heads;
  let c = lid.x;
  let x = kv_value(is_k, t, h, (u % groups_per_head) * KV_GROUP + c);
  // Min and max by halving the live count (KV_GROUP need not be a power of two: 24, 48).
  group_range[c] = vec2<f32>(x, x);
  workgroupBarrier();
  for (var live = KV_GROUP; live > 1u; live = (live + 1u) / 2u) {
    let upper = (live + 1u) / 2u;
    if (c < live - upper) {
      let a = group_range[c];
      let b = group_range[c + upper];
      group_range[c] = vec2<f32>(min(a.x, b.x), max(a.y, b.y));
    }
    workgroupBarrier();
  }
  let max_q = f32(0xffffffffu >> (32u - KV_BITS));
  // Every invocation derives the scale from the same two values: no second barrier to share it.
  let extremes = group_range[0];
  let g = group_scale(extremes.x, extremes.y, max_q);
  group_codes[c] = code_of(x, g, max_q);
  workgroupBarrier();
  let group_index = position[0] * params.kv_heads * groups_per_head + u;
  if (c < words_per_group()) {
    let codes = word_codes(c);
    var word = 0u;
    for (var k = codes.x; k < codes.y; k++) {
      word |= code_bits(group_codes[k], k, c);
    }
    store(is_k, group_index * words_per_group() + c, word);
  }
  if (c == 0u) { store_scale(is_k, group_index, g); }
}

// CPU adapters: an invocation a (token, KV head, group), looping over the group's channels
// twice, so no barriers; it owns the group's words, so no two invocations write one word.
@compute @workgroup_size(THREADS)
fn write_quantized_direct(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let groups_per_head = params.head_dim / KV_GROUP;
  let unit = split(gid.x + gid.y * nwg.x * THREADS, params.tokens * params.kv_heads * groups_per_head);
  if (unit.x == 2u) { return; }
  let is_k = unit.x == 1u;
  let u = unit.y;
  let e = u / groups_per_head;
  let t = e / params.kv_heads;
  let h = e % params.kv_heads;
  let d0 = (u % groups_per_head) * KV_GROUP;
  var lo = kv_value(is_k, t, h, d0);
  var hi = lo;
  for (var j = 1u; j < KV_GROUP; j++) {
    let v = kv_value(is_k, t, h, d0 + j);
    lo = min(lo, v);
    hi = max(hi, v);
  }
  let max_q = f32(0xffffffffu >> (32u - KV_BITS));
  let g = group_scale(lo, hi, max_q);
  let group_index = position[0] * params.kv_heads * groups_per_head + u;
  let word_base = group_index * words_per_group();
  // Each word is assembled in a register from the codes that touch it (a code straddling two
  // words is computed for both) and stored once, not OR-ed into global memory code by code.
  for (var w = 0u; w < words_per_group(); w++) {
    let codes = word_codes(w);
    var word = 0u;
    for (var j = codes.x; j < codes.y; j++) {
      word |= code_bits(code_of(kv_value(is_k, t, h, d0 + j), g, max_q), j, w);
    }
    store(is_k, word_base + w, word);
  }
  store_scale(is_k, group_index, g);
}
