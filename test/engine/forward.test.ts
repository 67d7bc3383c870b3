import { describe, expect, it } from 'vitest';
import { destroyModel, uploadModel } from '../../src/engine/model';
import { referenceForward } from '../../src/engine/reference/forward';
import { InferenceSession } from '../../src/engine/session';
import type { ModelConfig } from '../../src/model/config';
import type { Preset } from '../../src/quant/preset';
import { dequantize, fakeQuantizeActivations, quantizeRtn } from '../../src/quant/rtn';
import { freshSeed, relativeError, restoreDirectKernelsAfterEach, rng, testGpu } from '../helpers/gpu';
import { referenceWeights, syntheticConfig, syntheticTensors, tensorSource } from './synthetic';

function preset(kvBits: 2 | 3 | 4 | 8 | null): Preset {
  return {
    name: kvBits ? `kv${kvBits}` : 'fp16',
    weights: { bits: 16, group: 0, symmetric: false, method: 'rtn' },
    activations: null,
    kv: kvBits ? { bits: kvBits, group: 128 } : null,
    lmHead: false,
  };
}

/** Weights, activations and KV cache all quantized: every quantizer of a preset in one pass. */
const W3A8KV4: Preset = {
  name: 'w3g32a8+kv4',
  weights: { bits: 3, group: 32, symmetric: false, method: 'rtn' },
  activations: { bits: 8 },
  kv: { bits: 4, group: 128 },
  lmHead: false,
};

const CASES: { label: string; config: ModelConfig; kvBits: 2 | 3 | 4 | 8 | null; direct?: boolean }[] = [
  { label: 'Llama, untied head, 16-bit KV, GPU kernels', config: syntheticConfig(), kvBits: null, direct: false },
  { label: 'Llama, untied head, 16-bit KV, CPU-adapter kernels', config: syntheticConfig(), kvBits: null, direct: true },
  { label: 'Qwen2-style biases, tied head, 4-bit KV', config: syntheticConfig({ attentionBias: true, tieWordEmbeddings: true, modelType: 'qwen2' }), kvBits: 4 },
  { label: 'Llama 3 RoPE scaling, 3-bit KV', config: syntheticConfig({ ropeTheta: 500000, ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 } }), kvBits: 3 },
];

describe('whole forward pass on the GPU against the CPU reference', () => {
  restoreDirectKernelsAfterEach();

  for (const direct of [false, true]) {
    it(`${W3A8KV4.name}, ${direct ? 'CPU-adapter' : 'GPU'} kernels: quantized on the GPU, equal to the CPU's dequantized model`, async () => {
      const gpu = await testGpu();
      gpu.directKernels = direct;
      const seed = freshSeed();
      const next = rng(seed);
      const config = syntheticConfig();
      const tensors = syntheticTensors(config, next);
      const model = await uploadModel(gpu, config, tensorSource(tensors), W3A8KV4);
      const session = new InferenceSession(gpu, model, { contextLength: 24, maxBatch: 16 });
      const ids = Array.from({ length: 16 }, () => Math.floor(next() * config.vocabSize));
      session.forward(ids, 0);
      const logits = await session.readLogits();
      const weights = referenceWeights(config, tensors, (w, rows, cols) => dequantize(quantizeRtn(w, rows, cols, W3A8KV4.weights)));
      const expected = referenceForward(config, weights, ids, {
        kvBits: 4,
        kvGroup: 128,
        activation: (row) => fakeQuantizeActivations(row, 1, row.length, 8),
      });
      // An activation within 1e-7 of a rounding boundary may take the neighbouring 8-bit code on
      // either side (f32 sums here, f64 in the reference): one code is 1/255 of its row's range,
      // which moves a logit by up to a few 1e-3 of the largest. act_quant.test.ts checks the
      // quantizer itself exactly.
      expect(relativeError(logits, expected), `seed ${seed}`).toBeLessThan(5e-3);
      session.dispose();
      destroyModel(gpu, model);
    });
  }

  for (const { label, config, kvBits, direct } of CASES) {
    it(`${label}: prefill in chunks, then decode`, async () => {
      const gpu = await testGpu();
      gpu.directKernels = direct ?? gpu.info.isCpu;
      const seed = freshSeed();
      const next = rng(seed);
      const tensors = syntheticTensors(config, next);
      const model = await uploadModel(gpu, config, tensorSource(tensors), preset(kvBits));
      const session = new InferenceSession(gpu, model, { contextLength: 40, maxBatch: 9 });
      const ids = Array.from({ length: 23 }, () => Math.floor(next() * config.vocabSize));
      const logits = new Float32Array(ids.length * config.vocabSize);
      // 9 + 9 prefill tokens, then single-token decode steps: every path through the cache.
      const steps = [[0, 9], [9, 18], ...Array.from({ length: 5 }, (_, i) => [18 + i, 19 + i])];
      const argmax = (row: Float32Array) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);
      for (const [start, end] of steps) {
        session.forward(ids.slice(start, end), start);
        logits.set(await session.readLogits(), start * config.vocabSize);
        const last = logits.subarray((end - 1) * config.vocabSize, end * config.vocabSize);
        expect(await session.greedyToken(), `seed ${seed}: the GPU's greedy token after ${end} tokens`).toBe(argmax(last));
      }
      // A greedy decode step replays the recorded pass; rewriting the last position leaves the cache as it was.
      const lastRow = logits.subarray((ids.length - 1) * config.vocabSize);
      expect(await session.decodeGreedy(ids[ids.length - 1], ids.length - 1), `seed ${seed}: decodeGreedy`).toBe(argmax(lastRow));
      const expected = referenceForward(config, referenceWeights(config, tensors), ids, { kvBits: kvBits ?? 16, kvGroup: 128 });
      for (let t = 0; t < ids.length; t++) {
        const row = (a: Float32Array) => a.subarray(t * config.vocabSize, (t + 1) * config.vocabSize);
        expect(relativeError(row(logits), row(expected)), `seed ${seed}, position ${t}`).toBeLessThan(1e-3);
      }
      session.dispose();
      destroyModel(gpu, model);
    });
  }

  for (const [direct, inFlight] of [[false, 2], [false, 1], [true, 1], [true, 2]] as const) {
    it(`greedy chains give the ids of as many single greedy steps (${direct ? 'CPU-adapter' : 'GPU'} kernels, ${inFlight} chain${inFlight > 1 ? 's' : ''} in flight)`, async () => {
      const gpu = await testGpu();
      gpu.directKernels = direct;
      const seed = freshSeed();
      const next = rng(seed);
      const config = syntheticConfig();
      const model = await uploadModel(gpu, config, tensorSource(syntheticTensors(config, next)), preset(4));
      const session = new InferenceSession(gpu, model, { contextLength: 40, maxBatch: 9, chainsInFlight: inFlight });
      const prompt = Array.from({ length: 9 }, () => Math.floor(next() * config.vocabSize));
      session.forward(prompt, 0);
      const first = await session.greedyToken();
      const single: number[] = [];
      let token = first;
      for (let pos = 9; pos < 9 + 12; pos++) single.push((token = await session.decodeGreedy(token, pos)));
      // The same steps again from the same cache, in chains of 5, 5 and 2 (a chain leaves the next one its input).
      const chains: number[][] = [];
      for await (const chain of session.greedyChains(first, 9, 12, 5)) chains.push(chain);
      expect(chains.map((c) => c.length), `seed ${seed}`).toEqual([5, 5, 2]);
      expect(chains.flat(), `seed ${seed}`).toEqual(single);
      // Leaving after the first chain (a chain may still be in flight) leaves the session usable.
      for await (const chain of session.greedyChains(first, 9, 12, 5)) if (chain.length > 0) break;
      expect(await session.decodeGreedy(first, 9), `seed ${seed}: a step after an abandoned chain`).toBe(single[0]);
      const drain = async (position: number) => {
        for await (const chain of session.greedyChains(first, position, 6)) void chain;
      };
      await expect(drain(35), 'past the context').rejects.toThrow(/past the session's context of 40/);
      session.dispose();
      destroyModel(gpu, model);
    });
  }
});
