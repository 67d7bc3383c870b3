// Causal attention with grouped-query heads over a layer's KV cache (layouts in kv_cache.wgsl;
// f16_value, which keeps the subnormal scales of near-constant groups, from f16.wgsl).
// One workgroup a (query token, head). Keys are taken in tiles of WG: each invocation scores
// one key of the tile, the tile's weights join a running softmax (max and sum rescaled per
// tile), and each invocation accumulates its output channels over the tile's values.

override KV_BITS: u32 = 16u;
override KV_GROUP: u32 = 64u;

struct Params {
  tokens: u32,
  heads: u32,
  kv_heads: u32,
  head_dim: u32,
  start_pos: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k_cache: array<u32>;
@group(0) @binding(3) var<storage, read> v_cache: array<u32>;
@group(0) @binding(4) var<storage, read> k_scales: array<u32>;
@group(0) @binding(5) var<storage, read> v_scales: array<u32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

const WG: u32 = 128u;
const MAX_HEAD_DIM: u32 = 256u;

var<workgroup> q_tile: array<f32, MAX_HEAD_DIM>;
var<workgroup> weights: array<f32, WG>;
var<workgroup> reduce: array<f32, WG>;

fn words_per_group() -> u32 {
  return (KV_GROUP * KV_BITS + 31u) / 32u;
}

// Value d of entry e (= token * kv_heads + kv_head) of a cache.
fn cache_value(is_k: bool, e: u32, d: u32) -> f32 {
  if (KV_BITS == 32u) {
    let index = e * params.head_dim + d;
    if (is_k) { return bitcast<f32>(k_cache[index]); }
    return bitcast<f32>(v_cache[index]);
  }
  if (KV_BITS == 16u) {
    let index = e * params.head_dim + d;
    var word: u32;
    if (is_k) { word = k_cache[index / 2u]; } else { word = v_cache[index / 2u]; }
    let pair = unpack2x16float(word);
    return select(pair.x, pair.y, (index & 1u) == 1u);
  }
  let groups_per_head = params.head_dim / KV_GROUP;
  let group_index = e * groups_per_head + d / KV_GROUP;
  let bit = (d % KV_GROUP) * KV_BITS;
  let word_index = group_index * words_per_group() + bit / 32u;
  let offset = bit % 32u;
  var lo_word: u32;
  var hi_word = 0u;
  var m: u32;
  if (is_k) {
    lo_word = k_cache[word_index];
    if (offset + KV_BITS > 32u) { hi_word = k_cache[word_index + 1u]; }
    m = k_scales[group_index];
  } else {
    lo_word = v_cache[word_index];
    if (offset + KV_BITS > 32u) { hi_word = v_cache[word_index + 1u]; }
    m = v_scales[group_index];
  }
  var code = lo_word >> offset;
  if (offset + KV_BITS > 32u) {
    code |= hi_word << (32u - offset);
  }
  code &= 0xffffffffu >> (32u - KV_BITS);
  let scale = f16_value(m & 0xffffu);
  let zero = f32(m >> 16u);
  return (f32(code) - zero) * scale;
}

@compute @workgroup_size(WG)
fn attend(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let head = wid.x;
  let m = wid.y;
  if (m >= params.tokens || head >= params.heads) { return; }
  let kv_head = head / (params.heads / params.kv_heads);
  let q_base = (m * params.heads + head) * params.head_dim;
  for (var d = lid.x; d < params.head_dim; d += WG) {
    q_tile[d] = q[q_base + d];
  }
  workgroupBarrier();

  let keys = params.start_pos + m + 1u;
  var running_max = -3.0e38;
  var running_sum = 0.0;
  // Each invocation owns output channels lid.x and lid.x + WG (head_dim <= 2 * WG).
  var acc0 = 0.0;
  var acc1 = 0.0;
  for (var tile = 0u; tile < keys; tile += WG) {
    let t = tile + lid.x;
    var score = -3.0e38;
    if (t < keys) {
      let e = t * params.kv_heads + kv_head;
      var dot = 0.0;
      for (var d = 0u; d < params.head_dim; d++) {
        dot += q_tile[d] * cache_value(true, e, d);
      }
      score = dot * params.scale;
    }
    reduce[lid.x] = score;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
      if (lid.x < stride) { reduce[lid.x] = max(reduce[lid.x], reduce[lid.x + stride]); }
      workgroupBarrier();
    }
    let new_max = max(running_max, reduce[0]);
    workgroupBarrier();
    var w = 0.0;
    if (t < keys) { w = exp(score - new_max); }
    weights[lid.x] = w;
    reduce[lid.x] = w;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
      if (lid.x < stride) { reduce[lid.x] += reduce[lid.x + stride]; }
      workgroupBarrier();
    }
    let correction = exp(running_max - new_max);
    running_sum = running_sum * correction + reduce[0];
    running_max = new_max;
    acc0 *= correction;
    acc1 *= correction;
    let tile_len = min(WG, keys - tile);
    for (var j = 0u; j < tile_len; j++) {
      let e = (tile + j) * params.kv_heads + kv_head;
      let wj = weights[j];
      if (lid.x < params.head_dim) { acc0 += wj * cache_value(false, e, lid.x); }
      if (lid.x + WG < params.head_dim) { acc1 += wj * cache_value(false, e, lid.x + WG); }
    }
    workgroupBarrier();
  }
  let out_base = (m * params.heads + head) * params.head_dim;
  if (lid.x < params.head_dim) { out[out_base + lid.x] = acc0 / running_sum; }
  if (lid.x + WG < params.head_dim) { out[out_base + lid.x + WG] = acc1 / running_sum; }
}

// For CPU adapters (SwiftShader): one invocation a (query token, head) walks its keys with a
// running softmax and keeps the output row in private memory, with no barriers, which a CPU
// pays for in fiber switches. Same arithmetic as attend, in another order of summation.
@compute @workgroup_size(64)
fn attend_direct(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = gid.x + gid.y * nwg.x * 64u;
  if (index >= params.tokens * params.heads) { return; }
  let m = index / params.heads;
  let head = index % params.heads;
  let kv_head = head / (params.heads / params.kv_heads);
  let q_base = (m * params.heads + head) * params.head_dim;
  var acc: array<f32, MAX_HEAD_DIM>;
  for (var d = 0u; d < params.head_dim; d++) { acc[d] = 0.0; }
  var running_max = -3.0e38;
  var running_sum = 0.0;
  let keys = params.start_pos + m + 1u;
  for (var t = 0u; t < keys; t++) {
    let e = t * params.kv_heads + kv_head;
    var dot = 0.0;
    for (var d = 0u; d < params.head_dim; d++) {
      dot += q[q_base + d] * cache_value(true, e, d);
    }
    let score = dot * params.scale;
    let new_max = max(running_max, score);
    let correction = exp(running_max - new_max);
    let w = exp(score - new_max);
    running_sum = running_sum * correction + w;
    running_max = new_max;
    for (var d = 0u; d < params.head_dim; d++) {
      acc[d] = acc[d] * correction + w * cache_value(false, e, d);
    }
  }
  for (var d = 0u; d < params.head_dim; d++) {
    out[q_base + d] = acc[d] / running_sum;
  }
}
