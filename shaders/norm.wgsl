// RMSNorm over rows: y = x / sqrt(mean(x^2) + eps) * weight, as Llama computes it in f32.

struct Params {
  rows: u32,
  width: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

const WG: u32 = 256u;
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn rms_norm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x;
  if (row >= params.rows) { return; }
  let base = row * params.width;
  var sum = 0.0;
  for (var i = lid.x; i < params.width; i += WG) {
    let v = x[base + i];
    sum += v * v;
  }
  partial[lid.x] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) {
      partial[lid.x] += partial[lid.x + stride];
    }
    workgroupBarrier();
  }
  let inv = inverseSqrt(partial[0] / f32(params.width) + params.eps);
  for (var i = lid.x; i < params.width; i += WG) {
    y[base + i] = x[base + i] * inv * weight[i];
  }
}

// For CPU adapters (SwiftShader): one invocation a row, no workgroup reduction or barriers.
@compute @workgroup_size(64)
fn rms_norm_direct(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.x;
  if (row >= params.rows) { return; }
  let base = row * params.width;
  var sum = 0.0;
  for (var i = 0u; i < params.width; i++) {
    let v = x[base + i];
    sum += v * v;
  }
  let inv = inverseSqrt(sum / f32(params.width) + params.eps);
  for (var i = 0u; i < params.width; i++) {
    y[base + i] = x[base + i] * inv * weight[i];
  }
}
