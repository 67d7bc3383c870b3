import { describe, expect, it } from 'vitest';
import { encodeSwiglu } from '../../src/engine/ops/elementwise';
import { swigluReference } from '../../src/engine/reference/elementwise';
import { freshSeed, randomArray, relativeError, rng, testGpu } from '../helpers/gpu';

describe('elementwise kernels', () => {
  for (const [tokens, width] of [[1, 1], [3, 257], [2, 35_001]]) {
    it(`swiglu over the stacked gate/up projection matches the CPU on ${tokens} x ${width} floats`, async () => {
      const gpu = await testGpu();
      const seed = freshSeed();
      const next = rng(seed);
      const gate = randomArray(tokens * width, next, 4);
      const up = randomArray(tokens * width, next, 4);
      const stacked = new Float32Array(2 * tokens * width);
      for (let t = 0; t < tokens; t++) {
        stacked.set(gate.subarray(t * width, (t + 1) * width), 2 * t * width);
        stacked.set(up.subarray(t * width, (t + 1) * width), (2 * t + 1) * width);
      }
      const gateUp = gpu.upload('gate and up', stacked);
      const out = gpu.createBuffer('out', tokens * width * 4);
      gpu.run(encodeSwiglu(gpu, gateUp, out, tokens, width));
      expect(relativeError(await gpu.readF32(out, tokens * width), swigluReference(gate, up)), `seed ${seed}`).toBeLessThan(1e-5);
      for (const buf of [gateUp, out]) gpu.destroy(buf);
    });
  }
});
