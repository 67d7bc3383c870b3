// Token embedding lookup: rows of an f16 table (two values a u32) into f32 activations.

struct Params {
  tokens: u32,
  hidden: u32,
}

// THREADS is an override constant set from the TS constant beside the dispatch (src/engine/ops/layers.ts).
override THREADS: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<storage, read> ids: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// One workgroup a token; each invocation converts pairs of channels.
@compute @workgroup_size(THREADS)
fn embed(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m = wid.x;
  if (m >= params.tokens) { return; }
  let half_row = params.hidden / 2u;
  let row_word = ids[m] * half_row;
  for (var j = lid.x; j < half_row; j += THREADS) {
    let pair = unpack2x16float(table[row_word + j]);
    out[m * params.hidden + 2u * j] = pair.x;
    out[m * params.hidden + 2u * j + 1u] = pair.y;
  }
}
