// Log-softmax over the vocabulary, one workgroup a row of logits.
//  row_nll: writes lse[row] and nll[row] = lse - logit[target] (the perplexity path reads 8 bytes a row).
//  log_softmax: rewrites the row as log-probabilities (for KL divergence and choice scoring).

struct Params {
  rows: u32,
  width: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> result: array<f32>;

// THREADS is an override constant set from the TS constant beside the dispatch.
override THREADS: u32;
var<workgroup> reduce: array<f32, THREADS>;

fn row_logsumexp(row: u32, lid: u32) -> f32 {
  let base = row * params.width;
  var hi = -3.0e38;
  for (var i = lid; i < params.width; i += THREADS) {
    hi = max(hi, logits[base + i]);
  }
  reduce[lid] = hi;
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { reduce[lid] = max(reduce[lid], reduce[lid + stride]); }
    workgroupBarrier();
  }
  let row_max = reduce[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var i = lid; i < params.width; i += THREADS) {
    sum += exp(logits[base + i] - row_max);
  }
  reduce[lid] = sum;
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { reduce[lid] += reduce[lid + stride]; }
    workgroupBarrier();
  }
  let lse = row_max + log(reduce[0]);
  workgroupBarrier();
  return lse;
}

@compute @workgroup_size(THREADS)
fn row_nll(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x;
  if (row >= params.rows) { return; }
  let lse = row_logsumexp(row, lid.x);
  if (lid.x == 0u) {
    result[2u * row] = lse;
    result[2u * row + 1u] = lse - logits[row * params.width + targets[row]];
  }
}

@compute @workgroup_size(THREADS)
fn log_softmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x;
  if (row >= params.rows) { return; }
  let lse = row_logsumexp(row, lid.x);
  let base = row * params.width;
  for (var i = lid.x; i < params.width; i += THREADS) {
    logits[base + i] = logits[base + i] - lse;
  }
}
