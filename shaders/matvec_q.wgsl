// Decode's quantized matrix-vector product, y[n] = sum_k x[k] * W'[n][k] (+ bias[n]), for packed
// formats whose groups fill whole 16-byte words (quantize.wgsl's layout, read here as
// vec4<u32>): 2-, 4- and 8-bit codes with groups of a multiple of 64, 32 and 16 inputs, and
// 3-bit codes with groups of a multiple of 128. Every other format takes matmul_q.wgsl's matvec.
//
// A workgroup computes ROWS = 4 rows (one lane of a vec4 a row). Its THREADS invocations split
// the rows' K between them (the split-K of tall-skinny shapes is a large THREADS): invocation t
// takes units t, t + THREADS, ... of every row, a unit being one vec4<u32> of each row (three
// for 3-bit codes), so neighbouring invocations read neighbouring 16 bytes and each x value is
// read once for the four rows. A unit lies in one group: its scale and zero are read once.
// Codes become floats without a conversion instruction: OR-ing a code (at bit s < 23 - BITS)
// into the mantissa of 2^23 gives exactly 2^23 + code * 2^s, so one subtraction and x * 2^-s
// finish the product. The zero is taken out once a unit: sum x (q - z) = sum x q - z sum x.
// src/engine/ops/matvec.ts puts the workgroup reduction (reduce_subgroup.wgsl where the adapter
// offers subgroups, reduce_shared.wgsl otherwise) before this file; the format and the sizes
// come as override constants from the TS constants that size the dispatch.

override BITS: u32 = 4u;
override GROUP: u32 = 128u;
override SYMMETRIC: bool = false;
override THREADS: u32 = 128u;
override ROWS: u32 = 4u;

// 16-byte words a row's unit takes, and the codes it holds.
override UNIT_VECS: u32 = select(1u, 3u, BITS == 3u);
override UNIT_CODES: u32 = UNIT_VECS * 128u / BITS;
// A piece is what one 32-bit lane decodes: a word (2, 4, 8 bits) or a run of 8 codes in 24
// bits (3 bits). It is read as two halves whose codes sit at bit 0, BITS, ... below bit 16.
override HALF_BITS: u32 = select(16u, 12u, BITS == 3u);
override HALF_CODES: u32 = HALF_BITS / BITS;
override MASK: u32 = (1u << BITS) - 1u;

const MAGIC = 0x4b000000u;
const MAGIC_VALUE = 8388608.0;

struct Params {
  n: u32,
  k: u32,
  has_bias: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> qweight: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> scales: array<u32>;
@group(0) @binding(4) var<storage, read> zeros: array<u32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

// f16_value (f16.wgsl, appended) keeps the subnormal scales of near-constant groups.
fn scale_of(g: u32) -> f32 {
  return f16_value((scales[g >> 1u] >> ((g & 1u) * 16u)) & 0xffffu);
}

fn zero_of(g: u32) -> f32 {
  if (SYMMETRIC) {
    return f32(1u << (BITS - 1u));
  }
  return f32((zeros[g >> 2u] >> ((g & 3u) * 8u)) & 0xffu);
}

// sum_i x[x0 + i] * code_i for the HALF_CODES codes at bits 0, BITS, ... of each row's lane.
fn half_dot(half: vec4<u32>, x0: u32) -> vec4<f32> {
  var d = vec4<f32>(0.0);
  for (var i = 0u; i < HALF_CODES; i++) {
    let s = i * BITS;
    let shifted = bitcast<vec4<f32>>((half & vec4<u32>(MASK << s)) | vec4<u32>(MAGIC)) - MAGIC_VALUE;
    d += (x[x0 + i] * bitcast<f32>((127u - s) << 23u)) * shifted;
  }
  return d;
}

fn piece_dot(piece: vec4<u32>, x0: u32) -> vec4<f32> {
  return half_dot(piece, x0) + half_dot(piece >> vec4<u32>(HALF_BITS), x0 + HALF_CODES);
}

// The four 3-bit runs of 8 codes in three consecutive words (96 bits) of each row.
fn triple_dot(a: vec4<u32>, b: vec4<u32>, c: vec4<u32>, x0: u32) -> vec4<f32> {
  return piece_dot(a, x0) +
    piece_dot((a >> vec4<u32>(24u)) | (b << vec4<u32>(8u)), x0 + 8u) +
    piece_dot((b >> vec4<u32>(16u)) | (c << vec4<u32>(16u)), x0 + 16u) +
    piece_dot(c >> vec4<u32>(8u), x0 + 24u);
}

// sum over the unit of x * code for the four rows, whose unit starts at 16-byte word v of qweight.
fn unit_dot(v: vec4<u32>, x0: u32) -> vec4<f32> {
  let r0 = qweight[v.x];
  let r1 = qweight[v.y];
  let r2 = qweight[v.z];
  let r3 = qweight[v.w];
  if (BITS != 3u) {
    let per_word = 32u / BITS;
    return piece_dot(vec4<u32>(r0.x, r1.x, r2.x, r3.x), x0) +
      piece_dot(vec4<u32>(r0.y, r1.y, r2.y, r3.y), x0 + per_word) +
      piece_dot(vec4<u32>(r0.z, r1.z, r2.z, r3.z), x0 + 2u * per_word) +
      piece_dot(vec4<u32>(r0.w, r1.w, r2.w, r3.w), x0 + 3u * per_word);
  }
  let s0 = qweight[v.x + 1u];
  let s1 = qweight[v.y + 1u];
  let s2 = qweight[v.z + 1u];
  let s3 = qweight[v.w + 1u];
  let t0 = qweight[v.x + 2u];
  let t1 = qweight[v.y + 2u];
  let t2 = qweight[v.z + 2u];
  let t3 = qweight[v.w + 2u];
  return triple_dot(vec4<u32>(r0.x, r1.x, r2.x, r3.x), vec4<u32>(r0.y, r1.y, r2.y, r3.y), vec4<u32>(r0.z, r1.z, r2.z, r3.z), x0) +
    triple_dot(vec4<u32>(r0.w, r1.w, r2.w, r3.w), vec4<u32>(s0.x, s1.x, s2.x, s3.x), vec4<u32>(s0.y, s1.y, s2.y, s3.y), x0 + 32u) +
    triple_dot(vec4<u32>(s0.z, s1.z, s2.z, s3.z), vec4<u32>(s0.w, s1.w, s2.w, s3.w), vec4<u32>(t0.x, t1.x, t2.x, t3.x), x0 + 64u) +
    triple_dot(vec4<u32>(t0.y, t1.y, t2.y, t3.y), vec4<u32>(t0.z, t1.z, t2.z, t3.z), vec4<u32>(t0.w, t1.w, t2.w, t3.w), x0 + 96u);
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

fn x_sum(x0: u32) -> f32 {
  var s = 0.0;
  for (var i = 0u; i < UNIT_CODES; i++) {
    s += x[x0 + i];
  }
  return s;
}

// Rows past N repeat the last row and are not written.
@compute @workgroup_size(THREADS)
fn matvec_q(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row0 = (wid.x + wid.y * nwg.x) * ROWS;
  if (row0 >= params.n) {
    return;
  }
  let units = params.k / UNIT_CODES;
  let rows = min(vec4<u32>(row0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.n - 1u));
  let row_vecs = rows * (units * UNIT_VECS);
  let row_groups = rows * (params.k / GROUP);
  var acc = vec4<f32>(0.0);
  for (var u = lid; u < units; u += THREADS) {
    let g = row_groups + vec4<u32>((u * UNIT_CODES) / GROUP);
    let x0 = u * UNIT_CODES;
    let d = unit_dot(row_vecs + vec4<u32>(u * UNIT_VECS), x0);
    let z = vec4<f32>(zero_of(g.x), zero_of(g.y), zero_of(g.z), zero_of(g.w));
    let s = vec4<f32>(scale_of(g.x), scale_of(g.y), scale_of(g.z), scale_of(g.w));
    acc += s * (d - z * x_sum(x0));
  }
  let total = workgroup_sum(lid, acc);
  if (lid == 0u) {
    store_rows(row0, total);
  }
}
