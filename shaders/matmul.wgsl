// y[m][n] = sum_k x[m][k] * W[n][k] (+ bias[n]) with 16-bit weights: f16 bits two to a u32
// along each row of W [N][K] (K even), read with unpack2x16float so no shader-f16 is needed.
// x and y are f32, accumulation is f32. matvec serves decode (M = 1), matmul prefill (M > 1).
// src/engine/linear.ts appends matmul_common.wgsl, the helpers this file shares with matmul_q.wgsl.

struct Params {
  m: u32,
  n: u32,
  k: u32,
  has_bias: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// MV_ROWS rows of W a workgroup, so each x value is read once for all of them; the invocations
// stride over the rows' words (coalesced). Rows past N repeat the last row and are not written.
@compute @workgroup_size(MV_THREADS)
fn matvec(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row0 = (wid.x + wid.y * nwg.x) * MV_ROWS;
  if (row0 >= params.n) {
    return;
  }
  let pairs = params.k / 2u;
  var base: array<u32, MV_ROWS>;
  for (var r = 0u; r < MV_ROWS; r++) {
    base[r] = min(row0 + r, params.n - 1u) * pairs;
  }
  var acc = vec4<f32>(0.0);
  for (var p = lid; p < pairs; p += MV_THREADS) {
    let xv = x[p];
    acc += vec4<f32>(
      dot(xv, unpack2x16float(w[base[0] + p])),
      dot(xv, unpack2x16float(w[base[1] + p])),
      dot(xv, unpack2x16float(w[base[2] + p])),
      dot(xv, unpack2x16float(w[base[3] + p])),
    );
  }
  let total = reduce_rows(lid, acc);
  if (lid < MV_ROWS && row0 + lid < params.n) {
    y[row0 + lid] = finish(row0 + lid, total[lid]);
  }
}

// A 64x64 tile of y a workgroup, K in steps of TILE_K (32); each of the 256 invocations loads four
// pairs of x and four of W a step, and keeps a 4x4 block of outputs (rows ty + 16i, columns tx +
// 16j). The two tiles, stored k-major, take 16 KiB.
@compute @workgroup_size(256)
fn matmul(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let tiles_n = (params.n + TILE - 1u) / TILE;
  let tile = wid.x + wid.y * nwg.x;
  if (tile >= tiles_n * ((params.m + TILE - 1u) / TILE)) {
    return;
  }
  let m0 = (tile / tiles_n) * TILE;
  let n0 = (tile % tiles_n) * TILE;
  let tx = lid % 16u;
  let ty = lid / 16u;
  let half_k = params.k / 2u;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);

  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    // Pair p of the step's 64 x 16 pairs: row r of the tile, columns c and c + 1.
    for (var p = lid; p < TILE * TILE_K / 2u; p += 256u) {
      let r = p / (TILE_K / 2u);
      let c = (p % (TILE_K / 2u)) * 2u;
      let inside_k = k0 + c < params.k;
      var xv = vec2<f32>(0.0);
      if (m0 + r < params.m && inside_k) {
        xv = x[(m0 + r) * half_k + (k0 + c) / 2u];
      }
      var wv = vec2<f32>(0.0);
      if (n0 + r < params.n && inside_k) {
        wv = unpack2x16float(w[(n0 + r) * half_k + (k0 + c) / 2u]);
      }
      xs[c * TILE + r] = xv.x;
      xs[(c + 1u) * TILE + r] = xv.y;
      ws[c * TILE + r] = wv.x;
      ws[(c + 1u) * TILE + r] = wv.y;
    }
    workgroupBarrier();
    let block = tile_products(tx, ty);
    acc0 += block.r0;
    acc1 += block.r1;
    acc2 += block.r2;
    acc3 += block.r3;
    workgroupBarrier();
  }

  store4(m0 + ty, n0 + tx, acc0);
  store4(m0 + ty + 16u, n0 + tx, acc1);
  store4(m0 + ty + 32u, n0 + tx, acc2);
  store4(m0 + ty + 48u, n0 + tx, acc3);
}

// For CPU adapters (SwiftShader): each invocation computes a 4x4 block of y straight from
// storage, with no workgroup memory and no barriers, which a CPU pays for in fiber switches
// while its caches already give the reuse a tile would. Rows past M or N repeat the last row
// and are not written.
@compute @workgroup_size(64)
fn matmul_direct(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let blocks_n = (params.n + 3u) / 4u;
  let block = gid.x + gid.y * nwg.x * 64u;
  if (block >= blocks_n * ((params.m + 3u) / 4u)) {
    return;
  }
  let n0 = (block % blocks_n) * 4u;
  let m0 = (block / blocks_n) * 4u;
  let half_k = params.k / 2u;
  var xrow: array<u32, 4>;
  var wrow: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) {
    xrow[i] = min(m0 + i, params.m - 1u) * half_k;
    wrow[i] = min(n0 + i, params.n - 1u) * half_k;
  }
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var p = 0u; p < half_k; p++) {
    let w0 = unpack2x16float(w[wrow[0] + p]);
    let w1 = unpack2x16float(w[wrow[1] + p]);
    let w2 = unpack2x16float(w[wrow[2] + p]);
    let w3 = unpack2x16float(w[wrow[3] + p]);
    let x0 = x[xrow[0] + p];
    let x1 = x[xrow[1] + p];
    let x2 = x[xrow[2] + p];
    let x3 = x[xrow[3] + p];
    acc0 += vec4<f32>(dot(x0, w0), dot(x0, w1), dot(x0, w2), dot(x0, w3));
    acc1 += vec4<f32>(dot(x1, w0), dot(x1, w1), dot(x1, w2), dot(x1, w3));
    acc2 += vec4<f32>(dot(x2, w0), dot(x2, w1), dot(x2, w2), dot(x2, w3));
    acc3 += vec4<f32>(dot(x3, w0), dot(x3, w1), dot(x3, w2), dot(x3, w3));
  }
  store_block(m0, n0, acc0);
  store_block(m0 + 1u, n0, acc1);
  store_block(m0 + 2u, n0, acc2);
  store_block(m0 + 3u, n0, acc3);
}
