enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;
// The matrix loads take offsets that differ from subgroup to subgroup: uniform within each
// subgroup, which is all the feature needs, but not within the workgroup, which is all WGSL's
// analysis can prove.
diagnostic(off, chromium_experimental.subgroup_matrix_uniformity);

// Prefill's product y[m][n] = sum_k x[m][k] * W'[n][k] (+ bias[n]) on subgroup matrices (Dawn's
// chromium_experimental_subgroup_matrix; tensor cores on NVIDIA), with f16 operands and f32
// accumulation, as a 16-bit PyTorch model multiplies: x is rounded to f16, and W' is the f16
// weight, as stored for 16-bit layers (params.bits = 16, qweight holding f16 pairs) or, for
// packed ones, w' = f16((code - zero) * scale), the fake-quantized 16-bit weight. The products
// and sums are f32. src/engine/ops/subgroupMatrix.ts picks this kernel only where the adapter
// offers shader-f16, this feature with an f16 -> f32 16x16x16 shape and subgroups of 32, and f16
// arithmetic is turned on (the speed bench; evaluation keeps the f32 kernels).
//
// A workgroup computes a 64x64 tile of y with its four subgroups of 32, each a 32x32 quarter as
// 2x2 result matrices of 16x16. K advances BK = 32 a step. The step's x and W' tiles go to
// workgroup memory as f16 ([row][k], so a left matrix loads row-major and a right one, K x N,
// column-major from the same [n][k] layout); each invocation reads its share of the next step
// from storage into registers before the subgroups multiply, so those reads wait while the
// tensor cores work. Results pass through a 16x16 f32 block of workgroup memory a subgroup, so
// rows and columns past M and N are never written and the bias is added as matmul_common.wgsl's
// finish does. The staging is written out for these sizes: 4 vec4 of x and 2 runs of W' an
// invocation a step.
// src/engine/ops/subgroupMatrix.ts appends packed_weights.wgsl (bindings, dequant_run),
// matmul_common.wgsl (finish) and f16.wgsl (f16_value).

const BM = 64u;
const BN = 64u;
const BK = 32u;
// The subgroup-matrix shape (M = N = K).
const SM = 16u;
const SG_THREADS = 128u;

var<workgroup> x_tile: array<f16, BM * BK>;
var<workgroup> w_tile: array<f16, BN * BK>;
var<workgroup> out_blocks: array<f32, 4u * SM * SM>;

// One invocation's share of a step: x vec4 q = lid + 128 i (row q / 8, columns (q % 8) * 4) and
// W' run q = lid + 128 i (row q / 4, columns (q % 4) * 8), as f16.
struct Staged {
  x0: vec4<f16>,
  x1: vec4<f16>,
  x2: vec4<f16>,
  x3: vec4<f16>,
  w0: vec4<f16>,
  w1: vec4<f16>,
  w2: vec4<f16>,
  w3: vec4<f16>,
}

// x vec4 q of the step at k0; zeros past M and K.
fn x_part(q: u32, m0: u32, k0: u32) -> vec4<f16> {
  let r = q / (BK / 4u);
  let c = (q % (BK / 4u)) * 4u;
  if (m0 + r < params.m && k0 + c < params.k) {
    return vec4<f16>(x[((m0 + r) * params.k + k0 + c) / 4u]);
  }
  return vec4<f16>(0.0);
}

// W' run q of the step at k0, its first four weights then its last four; zeros past N and K.
fn w_run(q: u32, n0: u32, k0: u32) -> array<vec4<f16>, 2> {
  let r = q / (BK / 8u);
  let e0 = (q % (BK / 8u)) * 8u;
  if (n0 + r >= params.n || k0 + e0 >= params.k) {
    return array<vec4<f16>, 2>(vec4<f16>(0.0), vec4<f16>(0.0));
  }
  if (params.bits == 16u) {
    let at = ((n0 + r) * params.k + k0 + e0) / 2u;
    return array<vec4<f16>, 2>(
      vec4<f16>(bitcast<vec2<f16>>(qweight[at]), bitcast<vec2<f16>>(qweight[at + 1u])),
      vec4<f16>(bitcast<vec2<f16>>(qweight[at + 2u]), bitcast<vec2<f16>>(qweight[at + 3u])),
    );
  }
  let j = (k0 + e0) / params.group;
  let run = dequant_run((n0 + r) * (params.k / params.group) + j, k0 + e0 - j * params.group);
  return array<vec4<f16>, 2>(vec4<f16>(run.lo * run.scale), vec4<f16>(run.hi * run.scale));
}

fn stage(lid: u32, m0: u32, n0: u32, k0: u32) -> Staged {
  let a = w_run(lid, n0, k0);
  let b = w_run(lid + SG_THREADS, n0, k0);
  return Staged(
    x_part(lid, m0, k0),
    x_part(lid + SG_THREADS, m0, k0),
    x_part(lid + 2u * SG_THREADS, m0, k0),
    x_part(lid + 3u * SG_THREADS, m0, k0),
    a[0], a[1], b[0], b[1],
  );
}

fn put_x(q: u32, v: vec4<f16>) {
  let at = (q / (BK / 4u)) * BK + (q % (BK / 4u)) * 4u;
  x_tile[at] = v.x;
  x_tile[at + 1u] = v.y;
  x_tile[at + 2u] = v.z;
  x_tile[at + 3u] = v.w;
}

fn put_w(q: u32, lo: vec4<f16>, hi: vec4<f16>) {
  let at = (q / (BK / 8u)) * BK + (q % (BK / 8u)) * 8u;
  w_tile[at] = lo.x;
  w_tile[at + 1u] = lo.y;
  w_tile[at + 2u] = lo.z;
  w_tile[at + 3u] = lo.w;
  w_tile[at + 4u] = hi.x;
  w_tile[at + 5u] = hi.y;
  w_tile[at + 6u] = hi.z;
  w_tile[at + 7u] = hi.w;
}

fn put_staged(lid: u32, s: Staged) {
  put_x(lid, s.x0);
  put_x(lid + SG_THREADS, s.x1);
  put_x(lid + 2u * SG_THREADS, s.x2);
  put_x(lid + 3u * SG_THREADS, s.x3);
  put_w(lid, s.w0, s.w1);
  put_w(lid + SG_THREADS, s.w2, s.w3);
}

// Writes one 16x16 result block at rows m, columns n of y through this subgroup's staging block.
fn store_result(sg: u32, lane: u32, block: subgroup_matrix_result<f32, SM, SM>, m: u32, n: u32) {
  subgroupMatrixStore<row_major>(&out_blocks, sg * SM * SM, block, SM);
  workgroupBarrier();
  for (var i = lane; i < SM * SM; i += 32u) {
    let row = m + i / SM;
    let col = n + i % SM;
    if (row < params.m && col < params.n) {
      y[row * params.n + col] = finish(col, out_blocks[sg * SM * SM + i]);
    }
  }
  workgroupBarrier();
}

@compute @workgroup_size(SG_THREADS)
fn matmul_sgmat(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_id) sg: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let tiles_n = (params.n + BN - 1u) / BN;
  let tile = wid.x + wid.y * nwg.x;
  if (tile >= tiles_n * ((params.m + BM - 1u) / BM)) {
    return;
  }
  let m0 = (tile / tiles_n) * BM;
  let n0 = (tile % tiles_n) * BN;
  // This subgroup's 32x32 quarter of the tile.
  let qm = (sg / 2u) * 32u;
  let qn = (sg % 2u) * 32u;
  var c00 = subgroup_matrix_result<f32, SM, SM>();
  var c01 = subgroup_matrix_result<f32, SM, SM>();
  var c10 = subgroup_matrix_result<f32, SM, SM>();
  var c11 = subgroup_matrix_result<f32, SM, SM>();

  var next = stage(lid, m0, n0, 0u);
  for (var k0 = 0u; k0 < params.k; k0 += BK) {
    put_staged(lid, next);
    workgroupBarrier();
    if (k0 + BK < params.k) {
      next = stage(lid, m0, n0, k0 + BK);
    }
    for (var kk = 0u; kk < BK; kk += SM) {
      let a0 = subgroupMatrixLoad<subgroup_matrix_left<f16, SM, SM>, row_major>(&x_tile, qm * BK + kk, BK);
      let a1 = subgroupMatrixLoad<subgroup_matrix_left<f16, SM, SM>, row_major>(&x_tile, (qm + SM) * BK + kk, BK);
      let b0 = subgroupMatrixLoad<subgroup_matrix_right<f16, SM, SM>, col_major>(&w_tile, qn * BK + kk, BK);
      let b1 = subgroupMatrixLoad<subgroup_matrix_right<f16, SM, SM>, col_major>(&w_tile, (qn + SM) * BK + kk, BK);
      c00 = subgroupMatrixMultiplyAccumulate(a0, b0, c00);
      c01 = subgroupMatrixMultiplyAccumulate(a0, b1, c01);
      c10 = subgroupMatrixMultiplyAccumulate(a1, b0, c10);
      c11 = subgroupMatrixMultiplyAccumulate(a1, b1, c11);
    }
    workgroupBarrier();
  }

  store_result(sg, lane, c00, m0 + qm, n0 + qn);
  store_result(sg, lane, c01, m0 + qm, n0 + qn + SM);
  store_result(sg, lane, c10, m0 + qm + SM, n0 + qn);
  store_result(sg, lane, c11, m0 + qm + SM, n0 + qn + SM);
}
