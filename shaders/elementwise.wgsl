// Element-wise kernels over f32 rows: residual add and the SwiGLU gate.

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> acc: array<f32>;
@group(0) @binding(2) var<storage, read> other: array<f32>;

@compute @workgroup_size(256)
fn add_inplace(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  acc[i] = acc[i] + other[i];
}

// acc holds the gate projection on entry and silu(gate) * up on exit.
@compute @workgroup_size(256)
fn swiglu_inplace(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let g = acc[i];
  acc[i] = g / (1.0 + exp(-g)) * other[i];
}
