// Per-token fake quantization of activations for the W·A presets: each row of x [M][K] is
// quantized over its whole width with the asymmetric formula of the weights (zero clamp
// included) and dequantized again into `out`, which the matmul then reads:
//   scale = max(max - min, 1e-5) / (2^bits - 1)    (kept in f32: it is never stored)
//   zero = clamp(-round(min / scale), 0, 2^bits - 1)
//   out = (clamp(round(x / scale) + zero, 0, 2^bits - 1) - zero) * scale
// matmul_q.wgsl's integer-dot matvec quantizes x the same way inside its own workgroups.
// round is WGSL's, halves to even as torch.round. GPU division is not always correctly
// rounded, so a value within an ulp or so of a rounding tie may land on the other side of it
// than in the CPU reference (src/quant/rtn.ts); everywhere else the results agree.

// float32(1e-5), written as bits so no compiler can round the literal another way.
const SCALE_FLOOR_BITS = 0x3727c5acu;
// THREADS is an override constant set from the TS constant beside the dispatch (src/engine/linear.ts).
override THREADS: u32;

struct Params {
  m: u32,
  k: u32,
  bits: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> row_min: array<f32, THREADS>;
var<workgroup> row_max: array<f32, THREADS>;
var<workgroup> row_scale: f32;
var<workgroup> row_zero: f32;

// Finds the row's scale and zero point into row_scale and row_zero; every invocation calls it.
fn row_quantization(base: u32, lid: u32) {
  var lo = x[base];
  var hi = lo;
  for (var i = lid; i < params.k; i += THREADS) {
    lo = min(lo, x[base + i]);
    hi = max(hi, x[base + i]);
  }
  row_min[lid] = lo;
  row_max[lid] = hi;
  // Few barriers: on some drivers (SwiftShader) each costs far more than the reads it saves.
  workgroupBarrier();
  if (lid == 0u) {
    var mn = row_min[0];
    var mx = row_max[0];
    for (var i = 1u; i < THREADS; i++) {
      mn = min(mn, row_min[i]);
      mx = max(mx, row_max[i]);
    }
    let qmax = f32((1u << params.bits) - 1u);
    let scale = max(mx - mn, bitcast<f32>(SCALE_FLOOR_BITS)) / qmax;
    row_scale = scale;
    row_zero = clamp(-round(mn / scale), 0.0, qmax);
  }
  workgroupBarrier();
}

fn code_of(v: f32) -> f32 {
  return clamp(round(v / row_scale) + row_zero, 0.0, f32((1u << params.bits) - 1u));
}

// One workgroup a row (token).
@compute @workgroup_size(THREADS)
fn fake_quantize(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.m) {
    return;
  }
  let base = row * params.k;
  row_quantization(base, lid);
  for (var i = lid; i < params.k; i += THREADS) {
    out[base + i] = (code_of(x[base + i]) - row_zero) * row_scale;
  }
}
