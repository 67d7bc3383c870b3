// Counts the values of a tensor that are not finite numbers (NaN or +-infinity), so that a damaged
// checkpoint is refused as it is uploaded instead of scoring as NaN. One dispatch a tensor adds
// its count to the tensor's own slot of `counts`; the host reads every slot back once, when the
// upload ends. count_f16 reads f16 values two to a u32 (the layout of the 16-bit weights; the
// unused half of an odd count's last word is 0), count_f32 reads f32 values.
//
// Invocation i walks words i, i + stride, i + 2 stride, ... (neighbouring invocations read
// neighbouring words) and adds what it found with one atomic, only when it found any: no
// workgroup memory or barriers, so one kernel suits GPUs and CPU adapters alike.

struct Params {
  words: u32,
  // Invocations dispatched (workgroups * THREADS).
  stride: u32,
  slot: u32,
  // The tensor's first word in `data` (tensors stacked into one buffer).
  first: u32,
}

// THREADS is an override constant set from the TS constant that sizes the dispatch (src/engine/ops/finite.ts).
override THREADS: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> data: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>;

// A float is NaN or infinite when every bit of its exponent is set.
fn all_set(word: u32, mask: u32) -> u32 {
  return select(0u, 1u, (word & mask) == mask);
}

@compute @workgroup_size(THREADS)
fn count_f16(@builtin(global_invocation_id) gid: vec3<u32>) {
  var n = 0u;
  for (var i = gid.x; i < params.words; i += params.stride) {
    let word = data[params.first + i];
    n += all_set(word, 0x7c00u) + all_set(word, 0x7c000000u);
  }
  if (n > 0u) {
    atomicAdd(&counts[params.slot], n);
  }
}

@compute @workgroup_size(THREADS)
fn count_f32(@builtin(global_invocation_id) gid: vec3<u32>) {
  var n = 0u;
  for (var i = gid.x; i < params.words; i += params.stride) {
    n += all_set(data[params.first + i], 0x7f800000u);
  }
  if (n > 0u) {
    atomicAdd(&counts[params.slot], n);
  }
}
