// Decode's matrix-vector product with 16-bit weights, y[n] = sum_k x[k] * W[n][k] (+ bias[n]),
// W [N][K] as f16 bits two to a u32 (matmul.wgsl's layout) read as vec4<u32>, 8 weights a load,
// for K a multiple of 8 (matmul.wgsl's matvec serves any even K). A workgroup computes ROWS = 4
// rows (one lane of a vec4 a row); its THREADS invocations split K between them, invocation t
// taking units t, t + THREADS, ... (8 inputs each) of every row, so neighbours read neighbouring
// 16 bytes and each x value is read once for the four rows. src/engine/ops/matvec.ts puts the
// workgroup reduction (reduce_subgroup.wgsl or reduce_shared.wgsl) before this file; the sizes
// come as override constants from the TS constants that size the dispatch.

override THREADS: u32 = 128u;
override ROWS: u32 = 4u;

struct Params {
  n: u32,
  k: u32,
  has_bias: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

fn row_dot(p: vec4<u32>, xa: vec4<f32>, xb: vec4<f32>) -> f32 {
  return dot(xa, vec4<f32>(unpack2x16float(p.x), unpack2x16float(p.y))) +
    dot(xb, vec4<f32>(unpack2x16float(p.z), unpack2x16float(p.w)));
}

fn store_rows(row0: u32, total: vec4<f32>) {
  for (var r = 0u; r < ROWS && row0 + r < params.n; r++) {
    var value = total[r];
    if (params.has_bias != 0u) {
      value += bias[row0 + r];
    }
    y[row0 + r] = value;
  }
}

// Rows past N repeat the last row and are not written.
@compute @workgroup_size(THREADS)
fn matvec_f16(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row0 = (wid.x + wid.y * nwg.x) * ROWS;
  if (row0 >= params.n) {
    return;
  }
  let units = params.k / 8u;
  let rows = min(vec4<u32>(row0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.n - 1u)) * units;
  var acc = vec4<f32>(0.0);
  for (var u = lid; u < units; u += THREADS) {
    let xa = x[2u * u];
    let xb = x[2u * u + 1u];
    acc += vec4<f32>(
      row_dot(w[rows.x + u], xa, xb),
      row_dot(w[rows.y + u], xa, xb),
      row_dot(w[rows.z + u], xa, xb),
      row_dot(w[rows.w + u], xa, xb),
    );
  }
  let total = workgroup_sum(lid, acc);
  if (lid == 0u) {
    store_rows(row0, total);
  }
}
