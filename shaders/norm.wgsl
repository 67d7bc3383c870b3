// RMSNorm over rows: y = x / sqrt(mean(x^2) + eps) * weight, as Llama computes it in f32.
// The add_ entry points first add the residual branch into the stream, x += r (the sum that
// an element-wise add kernel would write), then normalize the new x: one dispatch, not two.
// Workgroup sizes are override constants set from the TS constants that size the dispatch
// (src/engine/ops/layers.ts).

override THREADS: u32;
override DIRECT_THREADS: u32;

struct Params {
  rows: u32,
  width: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> r: array<f32>;

var<workgroup> partial: array<f32, THREADS>;

// x[at] (+ r[at], written back into x with `add`).
fn stream_value(at: u32, add: bool) -> f32 {
  var v = x[at];
  if (add) {
    v = v + r[at];
    x[at] = v;
  }
  return v;
}

fn norm_row(row: u32, lid: u32, add: bool) {
  let base = row * params.width;
  let t = THREADS;
  var sum = 0.0;
  var i = lid;
  // Four values an iteration: their loads are independent, so all four are in flight at once
  // (a decode step's wide rows made a loop of one load after another a norm's whole cost).
  for (; i + 3u * t < params.width; i += 4u * t) {
    let v = vec4<f32>(stream_value(base + i, add), stream_value(base + i + t, add), stream_value(base + i + 2u * t, add), stream_value(base + i + 3u * t, add));
    sum += dot(v, v);
  }
  for (; i < params.width; i += t) {
    let v = stream_value(base + i, add);
    sum += v * v;
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  let inv = inverseSqrt(partial[0] / f32(params.width) + params.eps);
  // Each invocation reads back only the x values it wrote itself above, four at a time again.
  for (i = lid; i + 3u * t < params.width; i += 4u * t) {
    let v = vec4<f32>(x[base + i], x[base + i + t], x[base + i + 2u * t], x[base + i + 3u * t]);
    let g = vec4<f32>(weight[i], weight[i + t], weight[i + 2u * t], weight[i + 3u * t]);
    let out = v * inv * g;
    y[base + i] = out.x;
    y[base + i + t] = out.y;
    y[base + i + 2u * t] = out.z;
    y[base + i + 3u * t] = out.w;
  }
  for (; i < params.width; i += t) {
    y[base + i] = x[base + i] * inv * weight[i];
  }
}

@compute @workgroup_size(THREADS)
fn rms_norm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  if (wid.x >= params.rows) { return; }
  norm_row(wid.x, lid.x, false);
}

@compute @workgroup_size(THREADS)
fn add_rms_norm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  if (wid.x >= params.rows) { return; }
  norm_row(wid.x, lid.x, true);
}

// For CPU adapters (SwiftShader): one invocation a row, no workgroup reduction or barriers.
fn norm_row_direct(row: u32, add: bool) {
  let base = row * params.width;
  var sum = 0.0;
  for (var i = 0u; i < params.width; i++) {
    var v = x[base + i];
    if (add) {
      v = v + r[base + i];
      x[base + i] = v;
    }
    sum += v * v;
  }
  let inv = inverseSqrt(sum / f32(params.width) + params.eps);
  for (var i = 0u; i < params.width; i++) {
    y[base + i] = x[base + i] * inv * weight[i];
  }
}

@compute @workgroup_size(DIRECT_THREADS)
fn rms_norm_direct(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= params.rows) { return; }
  norm_row_direct(gid.x, false);
}

@compute @workgroup_size(DIRECT_THREADS)
fn add_rms_norm_direct(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= params.rows) { return; }
  norm_row_direct(gid.x, true);
}
