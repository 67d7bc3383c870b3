// Per-token fake quantization of activations for the W·A presets: each row of x [M][K] is
// quantized over its whole width with the asymmetric formula of the weights (zero clamp
// included; act_rtn.wgsl, appended, holds it) and dequantized again into `out`, which the
// matmul then reads: out = (code - zero) * scale.
// matmul_q.wgsl's integer-dot matvec quantizes x with the same formula inside its own workgroups.
// round is WGSL's, halves to even as torch.round. GPU division is not always correctly
// rounded, so a value within an ulp or so of a rounding tie may land on the other side of it
// than in the CPU reference (src/quant/rtn.ts); everywhere else the results agree.

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
var<workgroup> row_quant: ActQuant;

// Finds the row's scale and zero point into row_quant; every invocation calls it.
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
    row_quant = act_quant_of(mn, mx, params.bits);
  }
  workgroupBarrier();
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
    let q = row_quant;
    out[base + i] = (act_code_of(x[base + i], q) - q.zero) * q.scale;
  }
}
