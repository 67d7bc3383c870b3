import { describe, expect, it } from 'vitest';
import { createF16Linear, destroyLinear, encodeLinear, quantizeLinear } from '../../src/engine/linear';
import { f16BitsToF32 } from '../../src/quant/f16';
import { packedSizes } from '../../src/quant/layout';
import { packQuantized, quantizeRtn } from '../../src/quant/rtn';
import { freshSeed, rng, testGpu } from '../helpers/gpu';
import { awkwardWeights } from '../quant/awkward';

function firstMismatch(a: Uint32Array, b: Uint32Array): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `word ${i}: GPU 0x${(a[i] ?? 0).toString(16)} vs CPU 0x${(b[i] ?? 0).toString(16)}`;
  }
  return 'none';
}

describe('GPU quantization (quantize.wgsl)', () => {
  for (const bits of [2, 3, 4, 8]) {
    for (const symmetric of [false, true]) {
      it(`packs ${bits}-bit ${symmetric ? 'symmetric' : 'asymmetric'} weights bit for bit as the CPU reference`, async () => {
        const gpu = await testGpu();
        const seed = freshSeed();
        const next = rng(seed);
        // Odd group counts leave half-used scale and zero words; 200 columns per channel leave
        // padding after 3-bit codes.
        for (const [rows, cols, group] of [[13, 384, 32], [13, 384, 64], [13, 384, 128], [9, 200, 0]]) {
          const label = `seed ${seed}: ${rows}x${cols} ${bits}-bit g${group || 'pc'} ${symmetric ? 'sym' : 'asym'}`;
          const f16 = awkwardWeights(rows, cols, group || cols, bits, symmetric, next);
          const cpu = packQuantized(quantizeRtn(Array.from(f16, f16BitsToF32), rows, cols, { bits, group, symmetric }));

          const source = createF16Linear(gpu, 'w', f16, rows, cols);
          const q = quantizeLinear(gpu, source, { bits: bits as 2 | 3 | 4 | 8, group, symmetric, method: 'rtn' });
          const words = await gpu.readU32(q.data, cpu.words.length);
          const scales = await gpu.readU32(q.scales!, cpu.scales.length);
          expect(firstMismatch(words, cpu.words), `${label}: codes`).toBe('none');
          expect(firstMismatch(scales, cpu.scales), `${label}: scales`).toBe('none');
          if (symmetric) {
            expect(q.zeros, label).toBeNull();
          } else {
            const zeros = await gpu.readU32(q.zeros!, cpu.zeros!.length);
            expect(firstMismatch(zeros, cpu.zeros!), `${label}: zeros`).toBe('none');
          }
          const sizes = packedSizes({ rows, cols, bits, group: group || cols, symmetric });
          const allocated = [sizes.qBytes, sizes.scaleBytes, sizes.zeroBytes].filter((b) => b > 0).map((b) => Math.max(16, b));
          expect(q.bytes, label).toBe(allocated.reduce((a, b) => a + b, 0));
          expect(q.group).toBe(group || cols);
          destroyLinear(gpu, source);
          destroyLinear(gpu, q);
        }
      });
    }
  }

  it('copies the bias and refuses what it cannot pack', async () => {
    const gpu = await testGpu();
    const bias = new Float32Array([1, -2, 3]);
    const source = createF16Linear(gpu, 'biased', new Uint16Array(3 * 16), 3, 16, bias);
    const q = quantizeLinear(gpu, source, { bits: 4, group: 8, symmetric: false, method: 'rtn' });
    destroyLinear(gpu, source);
    expect([...(await gpu.readF32(q.bias!, 3))]).toEqual([1, -2, 3]);
    expect(() => quantizeLinear(gpu, q, { bits: 4, group: 8, symmetric: false, method: 'rtn' })).toThrow(/already packed/);
    const wide = createF16Linear(gpu, 'wide', new Uint16Array(2 * 24), 2, 24);
    expect(() => quantizeLinear(gpu, wide, { bits: 4, group: 16, symmetric: false, method: 'rtn' })).toThrow(/does not divide the row width 24/);
    expect(() => quantizeLinear(gpu, wide, { bits: 4, group: 12, symmetric: false, method: 'rtn' })).toThrow(/multiple of 8/);
    expect(() => createF16Linear(gpu, 'odd', new Uint16Array(3), 1, 3)).toThrow(/must be even, not 3/);
    const small = gpu.createBuffer('small', 16);
    expect(() => gpu.run(encodeLinear(gpu, q, small, small, 1))).toThrow(/input holds 16 bytes, fewer than 1 x 16 floats/);
    gpu.destroy(small);
    destroyLinear(gpu, q);
    destroyLinear(gpu, wide);
  });
});
