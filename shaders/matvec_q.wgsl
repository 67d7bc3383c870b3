// Decode's quantized matrix-vector product, y[n] = sum_k x[k] * W'[n][k] (+ bias[n]), for packed
// formats whose groups fill whole 16-byte words (quantize.wgsl's layout, read here as
// vec4<u32>): 2-, 4- and 8-bit codes with groups of a multiple of 64, 32 and 16 inputs, and
// 3-bit codes with groups of a multiple of 128. Every other format takes matmul_q.wgsl's matvec.
//
// A workgroup computes 4 rows (one lane of a vec4 a row). Its THREADS invocations split the
// rows' K between them (the split-K of tall-skinny shapes is a large THREADS): invocation t
// takes units t, t + THREADS, ... of every row, a unit being one vec4<u32> of each row (three
// for 3-bit codes), so neighbouring invocations read neighbouring 16 bytes. A unit lies in one
// group: its scale and zero are read once.
//
// The code is straight-line on purpose: on the H200 (bench/results/h200-matvec-ablation-*.jsonl,
// from a script since removed) loops bounded by override constants, a vector indexed by a runtime
// value or a function-scope array made the kernel 2-4x slower. A unit is taken a piece of 8 codes at a time, as two halves of 4 codes
// whose x values arrive as one vec4 each, loaded once for the four rows. Codes become floats
// without a conversion instruction: OR-ing a code at bit s < 23 - BITS into the mantissa of
// 2^23 gives exactly 2^23 + code * 2^s, so one subtraction and an x pre-scaled by 2^-s finish
// the product (the x vec4 is scaled once a piece for all four rows). The zero is taken out once
// a unit: sum x (q - z) = sum x q - z sum x.
// src/engine/ops/matvec.ts puts the workgroup reduction (reduce_subgroup.wgsl where the adapter
// offers subgroups, reduce_shared.wgsl otherwise) before this file and f16.wgsl after it; the
// format and THREADS come as override constants from the TS constants that size the dispatch.

override BITS: u32 = 4u;
override GROUP: u32 = 128u;
override SYMMETRIC: bool = false;
override THREADS: u32 = 128u;

// Inputs a unit covers: one 16-byte word of a row (three for 3-bit codes: runs of 8 codes tile 96 bits).
override UNIT_CODES: u32 = select(128u / BITS, 128u, BITS == 3u);
override MASK: u32 = (1u << BITS) - 1u;

const MAGIC = 0x4b000000u;
const MAGIC_VALUE = 8388608.0;

struct Params {
  n: u32,
  k: u32,
  has_bias: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> qweight: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> scales: array<u32>;
@group(0) @binding(4) var<storage, read> zeros: array<u32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

// Where the 4 codes of a half sit: at bits 0, BITS, 2 BITS, 3 BITS of the half (2, 3, 4 bits),
// or at bits 0 and 8 of the half and of the half >> 16 (8 bits: a code must end below bit 23).
fn code_bits() -> vec4<u32> {
  return select(vec4<u32>(0u, BITS, 2u * BITS, 3u * BITS), vec4<u32>(0u, 8u, 0u, 8u), BITS == 8u);
}

// The scale 2^-s of each code's position, applied to x instead of to the code.
fn position_scale() -> vec4<f32> {
  return bitcast<vec4<f32>>((vec4<u32>(127u) - code_bits()) << vec4<u32>(23u));
}

// dot(codes of `half`, xs), xs already scaled by position_scale().
fn half_dot(half: u32, xs: vec4<f32>) -> f32 {
  let spread = select(vec4<u32>(half), vec4<u32>(half, half, half >> 16u, half >> 16u), BITS == 8u);
  let codes = bitcast<vec4<f32>>((spread & (vec4<u32>(MASK) << code_bits())) | vec4<u32>(MAGIC)) - vec4<f32>(MAGIC_VALUE);
  return dot(codes, xs);
}

// One piece of 8 codes for each of the four rows: halves lo[r] and hi[r], x values xa then xb.
fn piece_dot(lo: vec4<u32>, hi: vec4<u32>, xa: vec4<f32>, xb: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(
    half_dot(lo.x, xa) + half_dot(hi.x, xb),
    half_dot(lo.y, xa) + half_dot(hi.y, xb),
    half_dot(lo.z, xa) + half_dot(hi.z, xb),
    half_dot(lo.w, xa) + half_dot(hi.w, xb),
  );
}

// The products and the x sum of one unit, accumulated piece by piece.
struct UnitSums {
  dots: vec4<f32>,
  xs: vec4<f32>,
}

fn add_piece(acc: ptr<function, UnitSums>, lo: vec4<u32>, hi: vec4<u32>, xv: u32) {
  let xa = x[xv];
  let xb = x[xv + 1u];
  (*acc).xs += xa + xb;
  let scale = position_scale();
  (*acc).dots += piece_dot(lo, hi, xa * scale, xb * scale);
}

// The four 24-bit runs of 8 codes in three consecutive words (a, b, c) of each row, halves at 12 bits.
fn add_triple(acc: ptr<function, UnitSums>, a: vec4<u32>, b: vec4<u32>, c: vec4<u32>, xv: u32) {
  let t0 = a;
  let t1 = (a >> vec4<u32>(24u)) | (b << vec4<u32>(8u));
  let t2 = (b >> vec4<u32>(16u)) | (c << vec4<u32>(16u));
  let t3 = c >> vec4<u32>(8u);
  add_piece(acc, t0, t0 >> vec4<u32>(12u), xv);
  add_piece(acc, t1, t1 >> vec4<u32>(12u), xv + 2u);
  add_piece(acc, t2, t2 >> vec4<u32>(12u), xv + 4u);
  add_piece(acc, t3, t3 >> vec4<u32>(12u), xv + 6u);
}

// The four rows' 16-byte words w0..w3 as the four words' columns: column j holds word j of each row.
struct Columns {
  c0: vec4<u32>,
  c1: vec4<u32>,
  c2: vec4<u32>,
  c3: vec4<u32>,
}

fn columns(w0: vec4<u32>, w1: vec4<u32>, w2: vec4<u32>, w3: vec4<u32>) -> Columns {
  return Columns(
    vec4<u32>(w0.x, w1.x, w2.x, w3.x),
    vec4<u32>(w0.y, w1.y, w2.y, w3.y),
    vec4<u32>(w0.z, w1.z, w2.z, w3.z),
    vec4<u32>(w0.w, w1.w, w2.w, w3.w),
  );
}

// One 16-byte word of each row holding 2-, 4- or 8-bit codes, as columns; xv is the unit's first x vec4.
fn add_word_unit(acc: ptr<function, UnitSums>, w: Columns, xv: u32) {
  let c0 = w.c0;
  let c1 = w.c1;
  let c2 = w.c2;
  let c3 = w.c3;
  if (BITS == 8u) {
    add_piece(acc, c0, c1, xv);
    add_piece(acc, c2, c3, xv + 2u);
  } else if (BITS == 4u) {
    let s = vec4<u32>(16u);
    add_piece(acc, c0, c0 >> s, xv);
    add_piece(acc, c1, c1 >> s, xv + 2u);
    add_piece(acc, c2, c2 >> s, xv + 4u);
    add_piece(acc, c3, c3 >> s, xv + 6u);
  } else {
    let s8 = vec4<u32>(8u);
    let s16 = vec4<u32>(16u);
    let s24 = vec4<u32>(24u);
    add_piece(acc, c0, c0 >> s8, xv);
    add_piece(acc, c0 >> s16, c0 >> s24, xv + 2u);
    add_piece(acc, c1, c1 >> s8, xv + 4u);
    add_piece(acc, c1 >> s16, c1 >> s24, xv + 6u);
    add_piece(acc, c2, c2 >> s8, xv + 8u);
    add_piece(acc, c2 >> s16, c2 >> s24, xv + 10u);
    add_piece(acc, c3, c3 >> s8, xv + 12u);
    add_piece(acc, c3 >> s16, c3 >> s24, xv + 14u);
  }
}

// The unit of the four rows whose unit starts at 16-byte word v of qweight.
fn unit_sums(v: vec4<u32>, xv: u32) -> UnitSums {
  var acc = UnitSums(vec4<f32>(0.0), vec4<f32>(0.0));
  let r0 = qweight[v.x];
  let r1 = qweight[v.y];
  let r2 = qweight[v.z];
  let r3 = qweight[v.w];
  if (BITS != 3u) {
    add_word_unit(&acc, columns(r0, r1, r2, r3), xv);
    return acc;
  }
  let s0 = qweight[v.x + 1u];
  let s1 = qweight[v.y + 1u];
  let s2 = qweight[v.z + 1u];
  let s3 = qweight[v.w + 1u];
  let t0 = qweight[v.x + 2u];
  let t1 = qweight[v.y + 2u];
  let t2 = qweight[v.z + 2u];
  let t3 = qweight[v.w + 2u];
  let r = columns(r0, r1, r2, r3);
  let s = columns(s0, s1, s2, s3);
  let t = columns(t0, t1, t2, t3);
  add_triple(&acc, r.c0, r.c1, r.c2, xv);
  add_triple(&acc, r.c3, s.c0, s.c1, xv + 8u);
  add_triple(&acc, s.c2, s.c3, t.c0, xv + 16u);
  add_triple(&acc, t.c1, t.c2, t.c3, xv + 24u);
  return acc;
}

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

fn store_rows(row0: u32, total: vec4<f32>) {
  for (var r = 0u; r < 4u && row0 + r < params.n; r++) {
    var value = total[r];
    if (params.has_bias != 0u) {
      value += bias[row0 + r];
    }
    y[row0 + r] = value;
  }
}

// Rows past N repeat the last row and are not written.
@compute @workgroup_size(THREADS)
fn matvec_q(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row0 = (wid.x + wid.y * nwg.x) * 4u;
  if (row0 >= params.n) {
    return;
  }
  let units = params.k / UNIT_CODES;
  let unit_vecs = select(1u, 3u, BITS == 3u);
  let rows = min(vec4<u32>(row0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.n - 1u));
  let row_vecs = rows * (units * unit_vecs);
  let row_groups = rows * (params.k / GROUP);
  var acc = vec4<f32>(0.0);
  for (var u = lid; u < units; u += THREADS) {
    let g = row_groups + vec4<u32>((u * UNIT_CODES) / GROUP);
    let sums = unit_sums(row_vecs + vec4<u32>(u * unit_vecs), u * (UNIT_CODES / 4u));
    let z = vec4<f32>(zero_of(g.x), zero_of(g.y), zero_of(g.z), zero_of(g.w));
    let s = vec4<f32>(scale_of(g.x), scale_of(g.y), scale_of(g.z), scale_of(g.w));
    acc += s * (sums.dots - z * dot(sums.xs, vec4<f32>(1.0)));
  }
  let total = workgroup_sum(lid, acc);
  if (lid == 0u) {
    store_rows(row0, total);
  }
}
