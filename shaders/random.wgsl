// Random 16-bit weights made on the GPU (the bench's synthetic models and kernel matrices, so
// gigabytes never pass through JavaScript): value i is uniform in [-scale, scale), from the PCG
// hash of (seed + i), rounded to f16 and stored two to a u32 as matmul.wgsl reads them.

override THREADS: u32 = 256u;

struct Params {
  pairs: u32,
  seed: u32,
  scale: f32,
  // Pairs of one dispatch row (grid x * THREADS), for grids that spread over y.
  row_pairs: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;

// PCG's output permutation of one LCG step (Jarzynski and Olano, "Hash Functions for GPU Rendering").
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn uniform_value(i: u32) -> f32 {
  return (f32(pcg(params.seed + i) >> 8u) * (2.0 / 16777216.0) - 1.0) * params.scale;
}

@compute @workgroup_size(THREADS)
fn fill_f16(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = gid.x + gid.y * params.row_pairs;
  if (p >= params.pairs) {
    return;
  }
  out[p] = pack2x16float(vec2<f32>(uniform_value(2u * p), uniform_value(2u * p + 1u)));
}
