// The bindings and the weight decoder that matmul_q.wgsl (quantized products on f32 lanes) and
// matmul_sgmat.wgsl (products on subgroup matrices) share: the uniforms, x, W packed as
// quantize.wgsl lays it out (or f16 pairs for matmul_sgmat.wgsl's 16-bit weights), scales,
// zeros, bias and y, and dequant_run, which turns a run of 8 codes into (code - zero) and the
// group's scale. src/engine/linear.ts and src/engine/ops/subgroupMatrix.ts append it, with
// f16.wgsl for f16_value, to each.

struct Params {
  m: u32,
  n: u32,
  k: u32,
  has_bias: u32,
  bits: u32,
  group: u32,
  symmetric: u32,
  words_per_group: u32,
  // For matvec, whose invocations advance MV_THREADS runs at a time: the whole groups and
  // remaining runs of such a step, so that no division is needed inside the loop.
  step_groups: u32,
  step_runs: u32,
  // matvec_dot4: the bits of the activation codes it quantizes x to.
  act_bits: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> qweight: array<u32>;
@group(0) @binding(3) var<storage, read> scales: array<u32>;
@group(0) @binding(4) var<storage, read> zeros: array<u32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

// Eight consecutive weights of a group: w' = (lo | hi) * scale, lo and hi holding code - zero.
struct Run {
  lo: vec4<f32>,
  hi: vec4<f32>,
  scale: f32,
}

// The run of global group g starting at code i0 (a multiple of 8).
fn dequant_run(g: u32, i0: u32) -> Run {
  let bits = params.bits;
  let bit0 = i0 * bits;
  let at = g * params.words_per_group + (bit0 >> 5u);
  let shift = bit0 & 31u;
  // 8 codes span at most 64 bits: 2- and 4-bit runs stay in one word, 3-bit runs may reach the
  // next, 8-bit runs always fill two.
  let w0 = qweight[at];
  var w1 = 0u;
  if (bits == 8u || (bits == 3u && shift > 8u)) {
    w1 = qweight[at + 1u];
  }
  var lo = w0;
  if (shift != 0u) {
    lo = (w0 >> shift) | (w1 << (32u - shift));
  }
  // Codes 0-3 come from the low word; codes 4-7 follow them, except at 8 bits where they fill w1.
  let mask = vec4<u32>((1u << bits) - 1u);
  let shifts = vec4<u32>(0u, 1u, 2u, 3u) * bits;
  let codes_lo = (vec4<u32>(lo) >> shifts) & mask;
  var codes_hi: vec4<u32>;
  if (bits == 8u) {
    codes_hi = (vec4<u32>(w1) >> shifts) & mask;
  } else {
    codes_hi = (vec4<u32>(lo) >> (shifts + 4u * bits)) & mask;
  }
  var zero = f32(1u << (bits - 1u));
  if (params.symmetric == 0u) {
    zero = f32((zeros[g >> 2u] >> ((g & 3u) * 8u)) & 0xffu);
  }
  let scale = f16_value((scales[g >> 1u] >> ((g & 1u) * 16u)) & 0xffffu);
  return Run(vec4<f32>(codes_lo) - zero, vec4<f32>(codes_hi) - zero, scale);
}
