// The device's bandwidth ceilings, timed once a bench run over buffers far larger than the L2.
// read_sum: every invocation streams 16-byte words of a large buffer, a grid-stride loop apart,
// and adds them (wrapping u32 sums, so nothing is optimised away); one word a workgroup is
// written. copy_words: the same loop writes each word to a second buffer, the copy a kernel can
// do (the copy command, copyBufferToBuffer, ran at a fifth of it through Dawn on the H200).

override THREADS: u32 = 256u;

struct Params {
  vecs: u32,
  // Invocations in the whole grid: the stride of the loop.
  stride: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> data: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> sums: array<u32>;
// copy_words's destination (no entry point uses both it and sums).
@group(0) @binding(2) var<storage, read_write> copy_target: array<vec4<u32>>;

var<workgroup> partial: array<u32, THREADS>;

@compute @workgroup_size(THREADS)
fn read_sum(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  var acc = vec4<u32>(0u);
  for (var i = gid.x; i < params.vecs; i += params.stride) {
    acc += data[i];
  }
  partial[lid] = acc.x + acc.y + acc.z + acc.w;
  workgroupBarrier();
  if (lid == 0u) {
    var s = 0u;
    for (var i = 0u; i < THREADS; i++) {
      s += partial[i];
    }
    sums[wid.x] = s;
  }
}

@compute @workgroup_size(THREADS)
fn copy_words(@builtin(global_invocation_id) gid: vec3<u32>) {
  for (var i = gid.x; i < params.vecs; i += params.stride) {
    copy_target[i] = data[i];
  }
}
