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
//    q = clamp(round(x / scale) + zero, 0, 2^b - 1).

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

// Round-to-nearest-even to the nearest f16 value, for positive finite inputs, done on the bits
// so that the GPU and the CPU reference agree exactly whatever pack2x16float rounds like.
fn round_to_f16(x: f32) -> f32 {
  if (x < 6.103515625e-05) {
    return round(x * 16777216.0) / 16777216.0;
  }
  let bits = bitcast<u32>(x);
  let rounded = (bits + 0xfffu + ((bits >> 13u) & 1u)) & 0xffffe000u;
  return bitcast<f32>(rounded);
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
  let scale = round_to_f16(max(hi - lo, 1e-5) / max_q);
  let zero = clamp(-round(lo / scale), 0.0, max_q);
  let group_index = params.start_pos * params.kv_heads * groups_per_head + i;
  let word_base = group_index * words_per_group();
  for (var w = 0u; w < words_per_group(); w++) {
    cache[word_base + w] = 0u;
  }
  for (var j = 0u; j < KV_GROUP; j++) {
    let q = u32(clamp(round(src[src_base + j] / scale) + zero, 0.0, max_q));
    let bit = j * KV_BITS;
    let word = word_base + bit / 32u;
    let offset = bit % 32u;
    cache[word] |= q << offset;
    if (offset + KV_BITS > 32u) {
      cache[word + 1u] |= q >> (32u - offset);
    }
  }
  scales[group_index] = (pack2x16float(vec2<f32>(scale, 0.0)) & 0xffffu) | (u32(zero) << 16u);
}
