enable subgroups;

// workgroup_sum for the matvec kernels where the adapter offers subgroups: subgroupAdd within
// each subgroup, its first lane's sum to workgroup memory, then every subgroup adds those up.
// It assumes nothing of how invocations map to subgroups or of their size (counted with
// subgroupAdd(1)); one barrier. Every invocation gets the total.

var<workgroup> partial: array<vec4<f32>, THREADS>;

fn workgroup_sum(lid: u32, value: vec4<f32>) -> vec4<f32> {
  let sum = subgroupAdd(value);
  let lane = subgroupExclusiveAdd(1u);
  let size = subgroupAdd(1u);
  partial[lid] = select(vec4<f32>(0.0), sum, lane == 0u);
  workgroupBarrier();
  // Every subgroup adds the slots up (a few reads each), so none leaves uniform control flow.
  var s = vec4<f32>(0.0);
  for (var i = 0u; i < THREADS; i += size) {
    if (i + lane < THREADS) {
      s += partial[i + lane];
    }
  }
  return subgroupAdd(s);
}
