// Per-token round-to-nearest of activations, the one formula act_quant.wgsl (fake quantization)
// and matmul_q.wgsl (the integer-dot matvec) share, from a row's min and max:
//   scale = max(max - min, 1e-5) / (2^bits - 1)    (kept in f32: it is never stored)
//   zero = clamp(-round(min / scale), 0, 2^bits - 1)
//   code = clamp(round(x / scale) + zero, 0, 2^bits - 1)
// src/engine/linear.ts appends this file to both modules.

// float32(1e-5), written as bits so no compiler can round the literal another way.
const ACT_SCALE_FLOOR_BITS = 0x3727c5acu;

struct ActQuant {
  scale: f32,
  zero: f32,
  max_code: f32,
}

fn act_quant_of(mn: f32, mx: f32, bits: u32) -> ActQuant {
  let max_code = f32((1u << bits) - 1u);
  let scale = max(mx - mn, bitcast<f32>(ACT_SCALE_FLOOR_BITS)) / max_code;
  return ActQuant(scale, clamp(-round(mn / scale), 0.0, max_code), max_code);
}

fn act_code_of(v: f32, q: ActQuant) -> f32 {
  return clamp(round(v / q.scale) + q.zero, 0.0, q.max_code);
}
