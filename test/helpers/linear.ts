import type { LinearWeight } from '../../src/engine/linear';
import type { GpuContext } from '../../src/gpu/context';
import { packedSizes } from '../../src/quant/layout';
import { dequantizePacked } from '../../src/quant/rtn';

/** The weights a quantized linear layer holds on the GPU, read back and dequantized on the CPU from the packed layout. */
export async function dequantizedWeights(gpu: GpuContext, w: LinearWeight): Promise<Float32Array> {
  const shape = { rows: w.rows, cols: w.cols, bits: w.bits, group: w.group, symmetric: w.symmetric };
  const sizes = packedSizes(shape);
  const packed = {
    words: await gpu.readU32(w.data, sizes.qBytes / 4),
    scales: await gpu.readU32(w.scales!, sizes.scaleBytes / 4),
    zeros: w.zeros ? await gpu.readU32(w.zeros, sizes.zeroBytes / 4) : null,
  };
  return dequantizePacked(packed, shape);
}
