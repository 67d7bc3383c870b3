// A decode step's attention (one query token) on GPUs, split over the keys as flash-decoding
// does: attend.wgsl's one workgroup a head walks all of a head's keys alone, which leaves most
// of a large GPU idle and made attention most of a 7B decode step. Here attend_chunk's workgroup
// (head, chunk) takes CHUNK keys and writes the chunk's share of the softmax: its largest score
// m, the sum of exp(score - m) and the sum of exp(score - m) * value for every channel.
// attend_combine rescales each head's shares to their common largest score and adds them up.
// The chunk count is fixed when the step is recorded (the session's context over CHUNK), as the
// step is replayed at every position: chunks past the keys the query sees return at once, and
// the combine reads only the chunks that hold keys. cache_value comes from kv_read.wgsl and
// f16_value from f16.wgsl (both appended); the sizes come as override constants from
// src/engine/ops/attention.ts.

override KV_BITS: u32 = 16u;
override KV_GROUP: u32 = 64u;
// Invocations a workgroup; each owns output channels lid and lid + THREADS (head_dim <= 2 THREADS).
override THREADS: u32;
// Keys a workgroup of attend_chunk: THREADS / CHUNK invocations share each key's dot product.
override CHUNK: u32;
override MAX_CHANNELS: u32;

struct Params {
  heads: u32,
  kv_heads: u32,
  head_dim: u32,
  chunks: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
// attend_chunk's bindings.
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k_cache: array<u32>;
@group(0) @binding(3) var<storage, read> v_cache: array<u32>;
@group(0) @binding(4) var<storage, read> k_scales: array<u32>;
@group(0) @binding(5) var<storage, read> v_scales: array<u32>;
@group(0) @binding(6) var<storage, read_write> shares_out: array<f32>;
@group(0) @binding(7) var<storage, read> position: array<u32>;
// attend_combine's (no entry point uses both sets).
@group(0) @binding(1) var<storage, read> shares: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> combine_position: array<u32>;

var<workgroup> q_tile: array<f32, MAX_CHANNELS>;
var<workgroup> partial_dots: array<f32, THREADS>;
var<workgroup> weights: array<f32, CHUNK>;

// Floats of one share: the largest score, the sum of weights, then head_dim weighted values.
fn share_base(head: u32, chunk: u32) -> u32 {
  return (head * params.chunks + chunk) * (params.head_dim + 2u);
}

// Channel d of the values of entry e and of the same KV head's next three tokens.
fn four_values(e: u32, d: u32) -> vec4<f32> {
  let s = params.kv_heads;
  return vec4<f32>(cache_value(false, e, d), cache_value(false, e + s, d), cache_value(false, e + 2u * s, d), cache_value(false, e + 3u * s, d));
}

@compute @workgroup_size(THREADS)
fn attend_chunk(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wid.x;
  let chunk = wid.y;
  let keys = position[0] + 1u;
  let first = chunk * CHUNK;
  if (first >= keys || head >= params.heads) {
    return;
  }
  let kv_head = head / (params.heads / params.kv_heads);
  for (var d = lid; d < params.head_dim; d += THREADS) {
    q_tile[d] = q[head * params.head_dim + d];
  }
  workgroupBarrier();

  // Invocation lid takes key first + lid / parts and channels lid % parts, + parts, ...:
  // neighbouring invocations read neighbouring channels of a key.
  let parts = THREADS / CHUNK;
  let t = first + lid / parts;
  var score = 0.0;
  if (t < keys) {
    let e = t * params.kv_heads + kv_head;
    var d = lid % parts;
    // Four channels an iteration: their loads are independent, so all four are in flight at once
    // (a loop of one dependent load after another left the GPU waiting on each).
    for (; d + 3u * parts < params.head_dim; d += 4u * parts) {
      let qs = vec4<f32>(q_tile[d], q_tile[d + parts], q_tile[d + 2u * parts], q_tile[d + 3u * parts]);
      let ks = vec4<f32>(cache_value(true, e, d), cache_value(true, e, d + parts), cache_value(true, e, d + 2u * parts), cache_value(true, e, d + 3u * parts));
      score += dot(qs, ks);
    }
    for (; d < params.head_dim; d += parts) {
      score += q_tile[d] * cache_value(true, e, d);
    }
  }
  partial_dots[lid] = score;
  workgroupBarrier();
  if (lid < CHUNK) {
    var s = 0.0;
    for (var p = 0u; p < parts; p++) {
      s += partial_dots[lid * parts + p];
    }
    weights[lid] = select(-3.0e38, s * params.scale, first + lid < keys);
  }
  workgroupBarrier();
  var largest = -3.0e38;
  for (var i = 0u; i < CHUNK; i++) {
    largest = max(largest, weights[i]);
  }
  workgroupBarrier();
  if (lid < CHUNK) {
    weights[lid] = select(0.0, exp(weights[lid] - largest), first + lid < keys);
  }
  workgroupBarrier();
  let count = min(CHUNK, keys - first);
  var sum = 0.0;
  var acc0 = 0.0;
  var acc1 = 0.0;
  var i = 0u;
  // Four keys an iteration, for the same reason as the channels above.
  for (; i + 4u <= count; i += 4u) {
    let e = (first + i) * params.kv_heads + kv_head;
    let w = vec4<f32>(weights[i], weights[i + 1u], weights[i + 2u], weights[i + 3u]);
    sum += (w.x + w.y) + (w.z + w.w);
    if (lid < params.head_dim) { acc0 += dot(w, four_values(e, lid)); }
    if (lid + THREADS < params.head_dim) { acc1 += dot(w, four_values(e, lid + THREADS)); }
  }
  for (; i < count; i++) {
    let e = (first + i) * params.kv_heads + kv_head;
    let w = weights[i];
    sum += w;
    if (lid < params.head_dim) { acc0 += w * cache_value(false, e, lid); }
    if (lid + THREADS < params.head_dim) { acc1 += w * cache_value(false, e, lid + THREADS); }
  }
  let base = share_base(head, chunk);
  if (lid == 0u) {
    shares_out[base] = largest;
    shares_out[base + 1u] = sum;
  }
  if (lid < params.head_dim) { shares_out[base + 2u + lid] = acc0; }
  if (lid + THREADS < params.head_dim) { shares_out[base + 2u + lid + THREADS] = acc1; }
}

@compute @workgroup_size(THREADS)
fn attend_combine(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wid.x;
  if (head >= params.heads) {
    return;
  }
  let used = (combine_position[0] + CHUNK) / CHUNK;
  // Four chunks an iteration in both loops, so that their loads are in flight together.
  var largest = -3.0e38;
  var c = 0u;
  for (; c + 4u <= used; c += 4u) {
    let m = vec4<f32>(shares[share_base(head, c)], shares[share_base(head, c + 1u)], shares[share_base(head, c + 2u)], shares[share_base(head, c + 3u)]);
    largest = max(largest, max(max(m.x, m.y), max(m.z, m.w)));
  }
  for (; c < used; c++) {
    largest = max(largest, shares[share_base(head, c)]);
  }
  var total = 0.0;
  var acc0 = 0.0;
  var acc1 = 0.0;
  c = 0u;
  for (; c + 4u <= used; c += 4u) {
    let b = vec4<u32>(share_base(head, c), share_base(head, c + 1u), share_base(head, c + 2u), share_base(head, c + 3u));
    let f = exp(vec4<f32>(shares[b.x], shares[b.y], shares[b.z], shares[b.w]) - vec4<f32>(largest));
    total += dot(vec4<f32>(shares[b.x + 1u], shares[b.y + 1u], shares[b.z + 1u], shares[b.w + 1u]), f);
    if (lid < params.head_dim) {
      let d = 2u + lid;
      acc0 += dot(vec4<f32>(shares[b.x + d], shares[b.y + d], shares[b.z + d], shares[b.w + d]), f);
    }
    if (lid + THREADS < params.head_dim) {
      let d = 2u + lid + THREADS;
      acc1 += dot(vec4<f32>(shares[b.x + d], shares[b.y + d], shares[b.z + d], shares[b.w + d]), f);
    }
  }
  for (; c < used; c++) {
    let base = share_base(head, c);
    let f = exp(shares[base] - largest);
    total += shares[base + 1u] * f;
    if (lid < params.head_dim) { acc0 += shares[base + 2u + lid] * f; }
    if (lid + THREADS < params.head_dim) { acc1 += shares[base + 2u + lid + THREADS] * f; }
  }
  let out_base = head * params.head_dim;
  if (lid < params.head_dim) { out[out_base + lid] = acc0 / total; }
  if (lid + THREADS < params.head_dim) { out[out_base + lid + THREADS] = acc1 / total; }
}
