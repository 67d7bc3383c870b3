// Greedy decoding's choice on the GPU: the first index of the largest logit of row `row` (as
// torch.argmax and a strict > scan pick it), so a decode step reads back one word instead of the
// vocabulary's logits. argmax writes it to token[0]; argmax_chain appends it to the list
// token[1..] (token[0] counting them) and makes it the next step's input (ids[0], position[0] + 1),
// so greedy steps follow one another on the GPU with no read-back between them. One workgroup;
// THREADS is an override constant set from the TS constant beside the dispatch (src/engine/ops/score.ts).

override THREADS: u32;

struct Params {
  row: u32,
  width: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> token: array<u32>;
// argmax_chain's next input.
@group(0) @binding(3) var<storage, read_write> ids: array<u32>;
@group(0) @binding(4) var<storage, read_write> position: array<u32>;

var<workgroup> best_value: array<f32, THREADS>;
var<workgroup> best_index: array<u32, THREADS>;

// The row's first largest index, in best_index[0] for every invocation after the last barrier.
fn largest(lid: u32) {
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
}

@compute @workgroup_size(THREADS)
fn argmax(@builtin(local_invocation_index) lid: u32) {
  largest(lid);
  if (lid == 0u) {
    token[0] = best_index[0];
  }
}

@compute @workgroup_size(THREADS)
fn argmax_chain(@builtin(local_invocation_index) lid: u32) {
  largest(lid);
  if (lid == 0u) {
    let best = best_index[0];
    let count = token[0];
    token[1u + count] = best;
    token[0] = count + 1u;
    ids[0] = best;
    position[0] += 1u;
  }
}
