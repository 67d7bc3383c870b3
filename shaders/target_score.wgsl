// Scoring of given target tokens, one workgroup a row of logits, for log-likelihood requests:
// result[offset + 2r] = log p(target[r]) and result[offset + 2r + 1] = 1 when target[r] is the
// row's argmax (the first index of the largest logit, as torch.argmax picks it), else 0.
// Rows are those from first_row on, so the scored continuation of a longer forward call can be
// picked out; offset places the rows of many calls in one buffer, read back once.

struct Params {
  rows: u32,
  width: u32,
  first_row: u32,
  offset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> result: array<f32>;

// THREADS is an override constant set from the TS constant beside the dispatch.
override THREADS: u32;
var<workgroup> reduce_f: array<f32, THREADS>;
var<workgroup> reduce_u: array<u32, THREADS>;

@compute @workgroup_size(THREADS)
fn target_score(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
  let r = wid.x;
  if (r >= params.rows) { return; }
  let lid = lid3.x;
  let base = (params.first_row + r) * params.width;

  var hi = -3.0e38;
  for (var i = lid; i < params.width; i += THREADS) {
    hi = max(hi, logits[base + i]);
  }
  reduce_f[lid] = hi;
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { reduce_f[lid] = max(reduce_f[lid], reduce_f[lid + stride]); }
    workgroupBarrier();
  }
  let row_max = reduce_f[0];
  workgroupBarrier();

  var sum = 0.0;
  var first = params.width;
  for (var i = lid; i < params.width; i += THREADS) {
    let v = logits[base + i];
    sum += exp(v - row_max);
    if (v == row_max) { first = min(first, i); }
  }
  reduce_f[lid] = sum;
  reduce_u[lid] = first;
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      reduce_f[lid] += reduce_f[lid + stride];
      reduce_u[lid] = min(reduce_u[lid], reduce_u[lid + stride]);
    }
    workgroupBarrier();
  }

  if (lid == 0u) {
    let t = targets[r];
    let lse = row_max + log(reduce_f[0]);
    result[params.offset + 2u * r] = logits[base + t] - lse;
    result[params.offset + 2u * r + 1u] = select(0.0, 1.0, reduce_u[0] == t);
  }
}
