// Greedy decoding's choice on the GPU: token[0] = the first index of the largest logit of row
// `row` (as torch.argmax and a strict > scan pick it), so a decode step reads back one word
// instead of the vocabulary's logits. One workgroup; THREADS is an override constant set from
// the TS constant beside the dispatch (src/engine/ops/score.ts).

override THREADS: u32;

struct Params {
  row: u32,
  width: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> token: array<u32>;

var<workgroup> best_value: array<f32, THREADS>;
var<workgroup> best_index: array<u32, THREADS>;

@compute @workgroup_size(THREADS)
fn argmax(@builtin(local_invocation_id) lid3: vec3<u32>) {
  let lid = lid3.x;
  let base = params.row * params.width;
  var value = -3.4e38;
  var index = params.width;
  // Each invocation scans its indices in increasing order and keeps the first of its largest.
  for (var i = lid; i < params.width; i += THREADS) {
    let v = logits[base + i];
    if (index == params.width || v > value) {
      value = v;
      index = i;
    }
  }
  best_value[lid] = value;
  best_index[lid] = index;
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      let v = best_value[lid + stride];
      let i = best_index[lid + stride];
      let empty = best_index[lid] == params.width;
      if (i < params.width && (empty || v > best_value[lid] || (v == best_value[lid] && i < best_index[lid]))) {
        best_value[lid] = v;
        best_index[lid] = i;
      }
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    token[0] = best_index[0];
  }
}
