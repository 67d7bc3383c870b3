/**
 * Sizes of the packed weight layout that shaders/quantize.wgsl writes and
 * shaders/matmul_q.wgsl reads (the layout itself is described at the top of
 * quantize.wgsl). Presets, the CPU packer and the GPU linear layers all size
 * their buffers here, so the bytes reported are the bytes allocated.
 */

/** Input channels every quantization group must be a multiple of: the kernels read runs of 8 values that never cross a group. */
export const GROUP_MULTIPLE = 8;

export interface PackedShape {
  rows: number;
  cols: number;
  bits: number;
  /** Input channels per group, as packed: `cols` for per channel. */
  group: number;
  symmetric: boolean;
}

export interface PackedSizes {
  groupsPerRow: number;
  groups: number;
  wordsPerGroup: number;
  /** Bytes of the bitstream buffer. */
  qBytes: number;
  /** Bytes of the f16 scales, two to a u32. */
  scaleBytes: number;
  /** Bytes of the u8 zeros, four to a u32; 0 when symmetric. */
  zeroBytes: number;
  total: number;
}

export function wordsPerGroup(group: number, bits: number): number {
  return Math.ceil((group * bits) / 32);
}

export function packedSizes(shape: PackedShape): PackedSizes {
  const groupsPerRow = shape.cols / shape.group;
  const groups = shape.rows * groupsPerRow;
  const wpg = wordsPerGroup(shape.group, shape.bits);
  const qBytes = groups * wpg * 4;
  const scaleBytes = Math.ceil(groups / 2) * 4;
  const zeroBytes = shape.symmetric ? 0 : Math.ceil(groups / 4) * 4;
  return { groupsPerRow, groups, wordsPerGroup: wpg, qBytes, scaleBytes, zeroBytes, total: qBytes + scaleBytes + zeroBytes };
}

/** Bytes of a 16-bit matrix: f16 values two to a u32 along each row. */
export function f16Bytes(rows: number, cols: number): number {
  return rows * cols * 2;
}

/** How one layer's K or V cache is stored: 32 or 16 for plain floats, else packed codes (shaders/kv_cache.wgsl). */
export interface KvFormat {
  bits: 2 | 3 | 4 | 8 | 16 | 32;
  /** Channels per quantization group (ignored for plain formats). */
  group: number;
}

export interface KvShape {
  kvHeads: number;
  headDim: number;
}

/** Channels per KV quantization group: a group larger than head_dim means the whole head. */
export function kvGroupOf(format: KvFormat, shape: KvShape): number {
  return Math.min(format.group, shape.headDim);
}

/**
 * Bytes of cache a token takes for one of K or V of one layer, split between the codes and
 * their metadata (one u32 a group: the f16 scale and the zero point; none for plain floats).
 */
export function kvEntryBytes(format: KvFormat, shape: KvShape): { data: number; meta: number } {
  const values = shape.kvHeads * shape.headDim;
  if (format.bits >= 16) return { data: (values * format.bits) / 8, meta: 0 };
  const group = kvGroupOf(format, shape);
  const groups = values / group;
  return { data: groups * wordsPerGroup(group, format.bits) * 4, meta: groups * 4 };
}
