// workgroup_sum for the matvec kernels where the adapter offers no subgroups: the THREADS
// invocations' vec4s summed through workgroup memory in two levels (THREADS -> 16 -> 1), two
// barriers whatever THREADS (a power of two, at least 16). Every invocation gets the total.

var<workgroup> partial: array<vec4<f32>, THREADS>;

fn workgroup_sum(lid: u32, value: vec4<f32>) -> vec4<f32> {
  partial[lid] = value;
  workgroupBarrier();
  if (lid < 16u) {
    var s = partial[lid];
    for (var i = lid + 16u; i < THREADS; i += 16u) {
      s += partial[i];
    }
    partial[lid] = s;
  }
  workgroupBarrier();
  var total = vec4<f32>(0.0);
  for (var i = 0u; i < 16u; i++) {
    total += partial[i];
  }
  return total;
}
