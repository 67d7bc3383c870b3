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
