// The SwiGLU gate over the stacked gate/up projection: gate_up holds, per token, the gate's
// `width` values then the up projection's; out[t][j] = silu(gate[t][j]) * up[t][j].
// THREADS is an override constant set from the TS constant that sizes the dispatch.

override THREADS: u32;

struct Params {
  n: u32,
  width: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gate_up: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(THREADS)
fn swiglu(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * THREADS;
  if (i >= params.n) { return; }
  let t = i / params.width;
  let at = t * 2u * params.width + i % params.width;
  let g = gate_up[at];
  out[i] = g / (1.0 + exp(-g)) * gate_up[at + params.width];
}
