// The KV cache's reader (layouts in kv_cache.wgsl), appended to the attention kernels: they declare
// KV_BITS, KV_GROUP, params.head_dim and the k_cache, v_cache, k_scales and v_scales bindings.

fn words_per_group() -> u32 {
  return (KV_GROUP * KV_BITS + 31u) / 32u;
}

// Value d of entry e (= token * kv_heads + kv_head) of a cache.
fn cache_value(is_k: bool, e: u32, d: u32) -> f32 {
  if (KV_BITS == 32u) {
    let index = e * params.head_dim + d;
    if (is_k) { return bitcast<f32>(k_cache[index]); }
    return bitcast<f32>(v_cache[index]);
  }
  if (KV_BITS == 16u) {
    let index = e * params.head_dim + d;
    var word: u32;
    if (is_k) { word = k_cache[index / 2u]; } else { word = v_cache[index / 2u]; }
    let pair = unpack2x16float(word);
    return select(pair.x, pair.y, (index & 1u) == 1u);
  }
  let groups_per_head = params.head_dim / KV_GROUP;
  let group_index = e * groups_per_head + d / KV_GROUP;
  let bit = (d % KV_GROUP) * KV_BITS;
  let word_index = group_index * words_per_group() + bit / 32u;
  let offset = bit % 32u;
  var lo_word: u32;
  var hi_word = 0u;
  var m: u32;
  if (is_k) {
    lo_word = k_cache[word_index];
    if (offset + KV_BITS > 32u) { hi_word = k_cache[word_index + 1u]; }
    m = k_scales[group_index];
  } else {
    lo_word = v_cache[word_index];
    if (offset + KV_BITS > 32u) { hi_word = v_cache[word_index + 1u]; }
    m = v_scales[group_index];
  }
  var code = lo_word >> offset;
  if (offset + KV_BITS > 32u) {
    code |= hi_word << (32u - offset);
  }
  code &= 0xffffffffu >> (32u - KV_BITS);
  let scale = f16_value(m & 0xffffu);
  let zero = f32(m >> 16u);
  return (f32(code) - zero) * scale;
}
