// Shared by matmul.wgsl and matmul_q.wgsl: src/engine/linear.ts appends this file to each.
// It relies on what both declare alike: params (m, n, has_bias), bias and y.

fn finish(row: u32, value: f32) -> f32 {
  if (params.has_bias != 0u) {
    return value + bias[row];
  }
  return value;
}

const MV_THREADS = 64u;
const MV_ROWS = 4u;
var<workgroup> partial: array<vec4<f32>, MV_THREADS>;

// Sums the invocations' vec4s (one lane a row) in two levels, 64 -> 8 -> 1: two barriers,
// which on some drivers (SwiftShader) cost far more than the additions they save.
fn reduce_rows(lid: u32, acc: vec4<f32>) -> vec4<f32> {
  partial[lid] = acc;
  workgroupBarrier();
  if (lid < 8u) {
    var s = partial[lid * 8u];
    for (var i = 1u; i < 8u; i++) {
      s += partial[lid * 8u + i];
    }
    partial[lid * 8u] = s;
  }
  workgroupBarrier();
  var total = vec4<f32>(0.0);
  for (var i = 0u; i < 8u; i++) {
    total += partial[i * 8u];
  }
  return total;
}

const TILE = 64u;
// K a step: 32, so that a step's two barriers are shared by 32 products an output, not 8.
const TILE_K = 32u;
var<workgroup> xs: array<f32, TILE * TILE_K>;
var<workgroup> ws: array<f32, TILE * TILE_K>;

fn store4(m: u32, n: u32, v: vec4<f32>) {
  if (m >= params.m) {
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    let col = n + 16u * j;
    if (col < params.n) {
      y[m * params.n + col] = finish(col, v[j]);
    }
  }
}

// Four rows of y by four columns, one invocation's share of a tile.
struct Block {
  r0: vec4<f32>,
  r1: vec4<f32>,
  r2: vec4<f32>,
  r3: vec4<f32>,
}

// The products of the loaded x and W tiles for rows ty + 16i and columns tx + 16j.
fn tile_products(tx: u32, ty: u32) -> Block {
  var block: Block;
  for (var kk = 0u; kk < TILE_K; kk++) {
    let a = vec4<f32>(xs[kk * TILE + ty], xs[kk * TILE + ty + 16u], xs[kk * TILE + ty + 32u], xs[kk * TILE + ty + 48u]);
    let b = vec4<f32>(ws[kk * TILE + tx], ws[kk * TILE + tx + 16u], ws[kk * TILE + tx + 32u], ws[kk * TILE + tx + 48u]);
    block.r0 += a.x * b;
    block.r1 += a.y * b;
    block.r2 += a.z * b;
    block.r3 += a.w * b;
  }
  return block;
}

fn store_block(m: u32, n0: u32, v: vec4<f32>) {
  if (m >= params.m) {
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    if (n0 + j < params.n) {
      y[m * params.n + n0 + j] = finish(n0 + j, v[j]);
    }
  }
}
