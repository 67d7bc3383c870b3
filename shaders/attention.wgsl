// Causal attention with grouped-query heads over a layer's KV cache (layouts in kv_cache.wgsl; its
// reader cache_value in kv_read.wgsl and f16.wgsl's f16_value, which keeps the subnormal scales
// of near-constant groups, are appended). A decode step's single query takes attention_decode.wgsl.
// Queries come from the stacked q/k/v projection, q_row floats a token (the rotation already
// applied by kv_cache.wgsl); the first query's position is position[0], a storage word the host
// writes once a step, so one recorded dispatch serves every decode step.
// One workgroup a (query token, head). Keys are taken in tiles of THREADS: each invocation scores
// one key of the tile, the tile's weights join a running softmax (max and sum rescaled per
// tile), and each invocation accumulates its output channels over the tile's values.

override KV_BITS: u32 = 16u;
override KV_GROUP: u32 = 64u;
// Workgroup sizes, set from the TS constants that size the dispatch (src/engine/ops/attention.ts);
// THREADS is MAX_HEAD_DIM / 2 there: each invocation of attend owns two output channels.
override THREADS: u32;
override DIRECT_THREADS: u32;

struct Params {
  tokens: u32,
  heads: u32,
  kv_heads: u32,
  head_dim: u32,
  q_row: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k_cache: array<u32>;
@group(0) @binding(3) var<storage, read> v_cache: array<u32>;
@group(0) @binding(4) var<storage, read> k_scales: array<u32>;
@group(0) @binding(5) var<storage, read> v_scales: array<u32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<storage, read> position: array<u32>;

// The one definition of the largest head the kernels hold (the private accumulator of
// attend_direct cannot be sized by an override); src/engine/ops/attention.ts reads it from here.
const MAX_HEAD_DIM: u32 = 256u;

var<workgroup> q_tile: array<f32, MAX_HEAD_DIM>;
var<workgroup> weights: array<f32, THREADS>;
var<workgroup> reduce: array<f32, THREADS>;

@compute @workgroup_size(THREADS)
fn attend(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let head = wid.x;
  let m = wid.y;
  if (m >= params.tokens || head >= params.heads) { return; }
  let kv_head = head / (params.heads / params.kv_heads);
  let q_base = m * params.q_row + head * params.head_dim;
  for (var d = lid.x; d < params.head_dim; d += THREADS) {
    q_tile[d] = q[q_base + d];
  }
  workgroupBarrier();

  let keys = position[0] + m + 1u;
  var running_max = -3.0e38;
  var running_sum = 0.0;
  // Each invocation owns output channels lid.x and lid.x + THREADS (head_dim <= 2 * THREADS).
  var acc0 = 0.0;
  var acc1 = 0.0;
  for (var tile = 0u; tile < keys; tile += THREADS) {
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
    for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
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
    for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
      if (lid.x < stride) { reduce[lid.x] += reduce[lid.x + stride]; }
      workgroupBarrier();
    }
    let correction = exp(running_max - new_max);
    running_sum = running_sum * correction + reduce[0];
    running_max = new_max;
    acc0 *= correction;
    acc1 *= correction;
    let tile_len = min(THREADS, keys - tile);
    for (var j = 0u; j < tile_len; j++) {
      let e = (tile + j) * params.kv_heads + kv_head;
      let wj = weights[j];
      if (lid.x < params.head_dim) { acc0 += wj * cache_value(false, e, lid.x); }
      if (lid.x + THREADS < params.head_dim) { acc1 += wj * cache_value(false, e, lid.x + THREADS); }
    }
    workgroupBarrier();
  }
  let out_base = (m * params.heads + head) * params.head_dim;
  if (lid.x < params.head_dim) { out[out_base + lid.x] = acc0 / running_sum; }
  if (lid.x + THREADS < params.head_dim) { out[out_base + lid.x + THREADS] = acc1 / running_sum; }
}

// For CPU adapters (SwiftShader): one invocation a (query token, head) walks its keys with a
// running softmax and keeps the output row in private memory, with no barriers, which a CPU
// pays for in fiber switches. Same arithmetic as attend, in another order of summation.
@compute @workgroup_size(DIRECT_THREADS)
fn attend_direct(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = gid.x + gid.y * nwg.x * DIRECT_THREADS;
  if (index >= params.tokens * params.heads) { return; }
  let m = index / params.heads;
  let head = index % params.heads;
  let kv_head = head / (params.heads / params.kv_heads);
  let q_base = m * params.q_row + head * params.head_dim;
  let out_base = (m * params.heads + head) * params.head_dim;
  var acc: array<f32, MAX_HEAD_DIM>;
  for (var d = 0u; d < params.head_dim; d++) { acc[d] = 0.0; }
  var running_max = -3.0e38;
  var running_sum = 0.0;
  let keys = position[0] + m + 1u;
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
    out[out_base + d] = acc[d] / running_sum;
  }
}
