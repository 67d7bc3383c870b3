import { describe, expect, it } from 'vitest';
import { encodeAdd, encodeSwiglu } from '../../src/engine/ops/elementwise';
import { addReference, swigluReference } from '../../src/engine/reference/elementwise';
import { freshSeed, randomArray, relativeError, rng, testGpu } from '../helpers/gpu';

describe('elementwise kernels', () => {
  for (const n of [1, 257, 70_001]) {
    it(`add and swiglu match the CPU on ${n} floats`, async () => {
      const gpu = await testGpu();
      const seed = freshSeed();
      const next = rng(seed);
      const a = randomArray(n, next, 4);
      const b = randomArray(n, next, 4);
      const sum = gpu.upload('a', a);
      const gate = gpu.upload('gate', a);
      const other = gpu.upload('b', b);
      gpu.run((pass) => {
        encodeAdd(gpu, pass, sum, other, n);
        encodeSwiglu(gpu, pass, gate, other, n);
      });
      expect(relativeError(await gpu.readF32(sum, n), addReference(a, b)), `seed ${seed}`).toBeLessThan(1e-6);
      expect(relativeError(await gpu.readF32(gate, n), swigluReference(a, b)), `seed ${seed}`).toBeLessThan(1e-5);
      for (const buf of [sum, gate, other]) gpu.destroy(buf);
    });
  }
});
