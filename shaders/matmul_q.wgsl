// y[m][n] = sum_k x[m][k] * W'[n][k] (+ bias[n]) with W packed as quantize.wgsl lays it out
// (groups of `group` input channels, `bits`-bit codes in one bitstream a group, f16 scales, u8
// zeros). Weights are dequantized in registers as they are read, w' = (code - zero) * scale,
// and accumulated in f32; no dequantized copy of W exists anywhere. K and the group are
// multiples of 8, so the runs of 8 consecutive codes both kernels read never cross a group.
// The format (bits, group, symmetry) comes as uniforms: its branches are uniform, so they
// cost next to nothing, and one pipeline of each kernel serves every format.
// src/engine/linear.ts puts one line before this file, the definition of
// dot4u8(a, b), the sum of the products of the four byte pairs of a and b, as either the
// dot4U8Packed builtin (where the WGSL language feature packed_4x8_integer_dot_product exists)
// or dot4u8_portable below; and after it packed_weights.wgsl (the bindings and dequant_run),
// matmul_common.wgsl (helpers shared with matmul.wgsl), act_rtn.wgsl and f16.wgsl.

fn run_dot(g: u32, i0: u32, x0: vec4<f32>, x1: vec4<f32>) -> f32 {
  let run = dequant_run(g, i0);
  return run.scale * (dot(x0, run.lo) + dot(x1, run.hi));
}

// MV_ROWS rows of W a workgroup, so each x value is read once for all of them; invocation t
// takes runs t, t + 64, ... of each row, so neighbours read neighbouring words. The scale
// multiplies each run's dot product once. Rows past N repeat the last row and are not written.
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
  let runs = params.k / 8u;
  let groups_per_row = params.k / params.group;
  let runs_per_group = params.group / 8u;
  var first: array<u32, MV_ROWS>;
  for (var r = 0u; r < MV_ROWS; r++) {
    first[r] = min(row0 + r, params.n - 1u) * groups_per_row;
  }
  // This invocation's run, as group j of the row and run u of the group.
  var j = lid / runs_per_group;
  var u = lid % runs_per_group;
  var acc = vec4<f32>(0.0);
  for (var r = lid; r < runs; r += MV_THREADS) {
    let x0 = x[2u * r];
    let x1 = x[2u * r + 1u];
    let i0 = u * 8u;
    acc += vec4<f32>(
      run_dot(first[0] + j, i0, x0, x1),
      run_dot(first[1] + j, i0, x0, x1),
      run_dot(first[2] + j, i0, x0, x1),
      run_dot(first[3] + j, i0, x0, x1),
    );
    j += params.step_groups;
    u += params.step_runs;
    if (u >= runs_per_group) {
      u -= runs_per_group;
      j += 1u;
    }
  }
  let total = reduce_rows(lid, acc);
  if (lid < MV_ROWS && row0 + lid < params.n) {
    y[row0 + lid] = finish(row0 + lid, total[lid]);
  }
}

fn dot4u8_portable(a: u32, b: u32) -> u32 {
  let p = (vec4<u32>(a) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(0xffu);
  let q = (vec4<u32>(b) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(0xffu);
  return p.x * q.x + p.y * q.y + p.z * q.z + p.w * q.w;
}

const ONES = 0x01010101u;

// The activation codes of one run: in order (x0..x3, x4..x7) and, for 4-bit weights, whose
// nibbles unpack to the bytes of codes 0, 2, 4, 6 and 1, 3, 5, 7, in that order too.
struct XRun {
  lo: u32,
  hi: u32,
  even: u32,
  odd: u32,
  sum: i32,
}

// matvec_dot4 quantizes x itself, per token over the whole row with act_rtn.wgsl's formula (as
// act_quant.wgsl's fake_quantize does), instead of reading codes a dispatch of their own wrote: a
// decode step has one dispatch less a linear layer, and on a fast GPU a dispatch costs more than
// re-quantizing x in every workgroup. The scale and zero come from the row's min and max, which
// are exact whatever order they are reduced in: the codes are that kernel's codes.
var<workgroup> act_range: array<vec2<f32>, MV_THREADS>;
var<private> act: ActQuant;

// Every invocation sets act; one barrier.
fn act_quantization(lid: u32) {
  var lo = x[0].x;
  var hi = lo;
  for (var i = lid; i < params.k / 4u; i += MV_THREADS) {
    let v = x[i];
    lo = min(lo, min(min(v.x, v.y), min(v.z, v.w)));
    hi = max(hi, max(max(v.x, v.y), max(v.z, v.w)));
  }
  act_range[lid] = vec2<f32>(lo, hi);
  workgroupBarrier();
  var mn = act_range[0].x;
  var mx = act_range[0].y;
  for (var i = 1u; i < MV_THREADS; i++) {
    mn = min(mn, act_range[i].x);
    mx = max(mx, act_range[i].y);
  }
  act = act_quant_of(mn, mx, params.act_bits);
}

// Four consecutive activations as codes, a byte each.
fn act_word(v: vec4<f32>) -> u32 {
  let c = vec4<u32>(vec4<f32>(act_code_of(v.x, act), act_code_of(v.y, act), act_code_of(v.z, act), act_code_of(v.w, act)));
  return c.x | (c.y << 8u) | (c.z << 16u) | (c.w << 24u);
}

fn x_run(r: u32) -> XRun {
  let lo = act_word(x[2u * r]);
  let hi = act_word(x[2u * r + 1u]);
  let even = (lo & 0xffu) | ((lo >> 8u) & 0xff00u) | ((hi << 16u) & 0xff0000u) | ((hi << 8u) & 0xff000000u);
  let odd = ((lo >> 8u) & 0xffu) | ((lo >> 16u) & 0xff00u) | ((hi << 8u) & 0xff0000u) | (hi & 0xff000000u);
  return XRun(lo, hi, even, odd, i32(dot4u8(lo, ONES) + dot4u8(hi, ONES)));
}

// scale_w * sum over the run of (qx - zx) * (qw - zw), with the integer part exact:
// sum qx qw - zw sum qx - zx sum qw + 8 zx zw.
fn run_dot_int(g: u32, i0: u32, xr: XRun, zx: i32) -> f32 {
  var dot: u32;
  var wsum: u32;
  if (params.bits == 8u) {
    let at = g * params.words_per_group + i0 / 4u;
    let w0 = qweight[at];
    let w1 = qweight[at + 1u];
    dot = dot4u8(w0, xr.lo) + dot4u8(w1, xr.hi);
    wsum = dot4u8(w0, ONES) + dot4u8(w1, ONES);
  } else {
    let w = qweight[g * params.words_per_group + i0 / 8u];
    let even = w & 0x0f0f0f0fu;
    let odd = (w >> 4u) & 0x0f0f0f0fu;
    dot = dot4u8(even, xr.even) + dot4u8(odd, xr.odd);
    wsum = dot4u8(even, ONES) + dot4u8(odd, ONES);
  }
  var zw = i32(1u << (params.bits - 1u));
  if (params.symmetric == 0u) {
    zw = i32((zeros[g >> 2u] >> ((g & 3u) * 8u)) & 0xffu);
  }
  let scale = f16_value((scales[g >> 1u] >> ((g & 1u) * 16u)) & 0xffffu);
  return scale * f32(i32(dot) - zw * xr.sum - zx * i32(wsum) + 8 * zx * zw);
}

// matvec for 8-bit (or 4-bit) activation codes of x and 8- or 4-bit weights: four byte products
// a step, in integers, then one scale of the weights' group a run and the activations' at the end.
@compute @workgroup_size(MV_THREADS)
fn matvec_dot4(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row0 = (wid.x + wid.y * nwg.x) * MV_ROWS;
  if (row0 >= params.n) {
    return;
  }
  let runs = params.k / 8u;
  let groups_per_row = params.k / params.group;
  let runs_per_group = params.group / 8u;
  var first: array<u32, MV_ROWS>;
  for (var r = 0u; r < MV_ROWS; r++) {
    first[r] = min(row0 + r, params.n - 1u) * groups_per_row;
  }
  act_quantization(lid);
  let x_scale = act.scale;
  let x_zero = i32(act.zero);
  var j = lid / runs_per_group;
  var u = lid % runs_per_group;
  var acc = vec4<f32>(0.0);
  for (var r = lid; r < runs; r += MV_THREADS) {
    let xr = x_run(r);
    let i0 = u * 8u;
    acc += vec4<f32>(
      run_dot_int(first[0] + j, i0, xr, x_zero),
      run_dot_int(first[1] + j, i0, xr, x_zero),
      run_dot_int(first[2] + j, i0, xr, x_zero),
      run_dot_int(first[3] + j, i0, xr, x_zero),
    );
    j += params.step_groups;
    u += params.step_runs;
    if (u >= runs_per_group) {
      u -= runs_per_group;
      j += 1u;
    }
  }
  let total = reduce_rows(lid, acc);
  if (lid < MV_ROWS && row0 + lid < params.n) {
    y[row0 + lid] = finish(row0 + lid, x_scale * total[lid]);
  }
}

// A 64x64 tile of y a workgroup, K in steps of TILE_K (32); each of the 256 invocations keeps a
// 4x4 block of outputs (rows ty + 16i, columns tx + 16j). The two tiles, stored k-major, take 16 KiB.
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
  let groups_per_row = params.k / params.group;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);

  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    // x: 64 rows x 8 vec4, two an invocation; W: 64 rows x 4 runs of 8, one run an invocation.
    for (var q = lid; q < TILE * TILE_K / 4u; q += 256u) {
      let r = q / (TILE_K / 4u);
      let c = (q % (TILE_K / 4u)) * 4u;
      var xv = vec4<f32>(0.0);
      if (m0 + r < params.m && k0 + c < params.k) {
        xv = x[((m0 + r) * params.k + k0 + c) / 4u];
      }
      xs[c * TILE + r] = xv.x;
      xs[(c + 1u) * TILE + r] = xv.y;
      xs[(c + 2u) * TILE + r] = xv.z;
      xs[(c + 3u) * TILE + r] = xv.w;
    }
    let r = lid / 4u;
    let e0 = (lid % 4u) * 8u;
    var lo = vec4<f32>(0.0);
    var hi = vec4<f32>(0.0);
    if (n0 + r < params.n && k0 + e0 < params.k) {
      let j = (k0 + e0) / params.group;
      let run = dequant_run((n0 + r) * groups_per_row + j, k0 + e0 - j * params.group);
      lo = run.lo * run.scale;
      hi = run.hi * run.scale;
    }
    for (var e = 0u; e < 4u; e++) {
      ws[(e0 + e) * TILE + r] = lo[e];
      ws[(e0 + e + 4u) * TILE + r] = hi[e];
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
// storage, dequantizing one run of 8 weights of each of its 4 rows of W per step, with no
// workgroup memory and no barriers (see matmul.wgsl's matmul_direct for why).
@compute @workgroup_size(64)
fn matmul_direct(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let blocks_n = (params.n + 3u) / 4u;
  let block = gid.x + gid.y * nwg.x * 64u;
  if (block >= blocks_n * ((params.m + 3u) / 4u)) {
    return;
  }
  let n0 = (block % blocks_n) * 4u;
  let m0 = (block / blocks_n) * 4u;
  let groups_per_row = params.k / params.group;
  let runs_per_group = params.group / 8u;
  let quads = params.k / 4u;
  var xrow: array<u32, 4>;
  var wgroup: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) {
    xrow[i] = min(m0 + i, params.m - 1u) * quads;
    wgroup[i] = min(n0 + i, params.n - 1u) * groups_per_row;
  }
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var j = 0u;
  var u = 0u;
  for (var r = 0u; r < params.k / 8u; r++) {
    let r0 = dequant_run(wgroup[0] + j, u * 8u);
    let r1 = dequant_run(wgroup[1] + j, u * 8u);
    let r2 = dequant_run(wgroup[2] + j, u * 8u);
    let r3 = dequant_run(wgroup[3] + j, u * 8u);
    let s = vec4<f32>(r0.scale, r1.scale, r2.scale, r3.scale);
    acc0 += s * run_products(x[xrow[0] + 2u * r], x[xrow[0] + 2u * r + 1u], r0, r1, r2, r3);
    acc1 += s * run_products(x[xrow[1] + 2u * r], x[xrow[1] + 2u * r + 1u], r0, r1, r2, r3);
    acc2 += s * run_products(x[xrow[2] + 2u * r], x[xrow[2] + 2u * r + 1u], r0, r1, r2, r3);
    acc3 += s * run_products(x[xrow[3] + 2u * r], x[xrow[3] + 2u * r + 1u], r0, r1, r2, r3);
    u += 1u;
    if (u == runs_per_group) {
      u = 0u;
      j += 1u;
    }
  }
  store_block(m0, n0, acc0);
  store_block(m0 + 1u, n0, acc1);
  store_block(m0 + 2u, n0, acc2);
  store_block(m0 + 3u, n0, acc3);
}

// The unscaled dot products of one run of x (x0, x1) with one run of each of four rows.
fn run_products(x0: vec4<f32>, x1: vec4<f32>, r0: Run, r1: Run, r2: Run, r3: Run) -> vec4<f32> {
  return vec4<f32>(
    dot(x0, r0.lo) + dot(x1, r0.hi),
    dot(x0, r1.lo) + dot(x1, r1.hi),
    dot(x0, r2.lo) + dot(x1, r2.hi),
    dot(x0, r3.lo) + dot(x1, r3.hi),
  );
}
