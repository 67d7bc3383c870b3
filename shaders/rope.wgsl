// Rotary position embedding, Llama's "rotate half" layout: channel i pairs with i + head_dim/2.
// cos and sin come from a table built on the CPU (see src/engine/rope.ts) so the angles match
// PyTorch's f32 angles exactly, whatever the GPU's trigonometry does far from zero.

struct Params {
  tokens: u32,
  heads: u32,
  head_dim: u32,
  start_pos: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> table: array<vec2<f32>>;

@compute @workgroup_size(64)
fn rope(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let half_dim = params.head_dim / 2u;
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= params.tokens * params.heads * half_dim) { return; }
  let c = i % half_dim;
  let head_row = i / half_dim;
  let m = head_row / params.heads;
  let cs = table[(params.start_pos + m) * half_dim + c];
  let a_index = head_row * params.head_dim + c;
  let a = x[a_index];
  let b = x[a_index + half_dim];
  x[a_index] = a * cs.x - b * cs.y;
  x[a_index + half_dim] = b * cs.x + a * cs.y;
}
