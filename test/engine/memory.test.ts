import { describe, expect, it } from 'vitest';
import { destroyModel, uploadModel } from '../../src/engine/model';
import { InferenceSession } from '../../src/engine/session';
import { BUILTIN_PRESETS, kvBytesPerToken, weightBytes } from '../../src/quant/presets';
import { freshSeed, rng, testGpu } from '../helpers/gpu';
import { syntheticConfig, syntheticTensors, tensorSource } from './synthetic';

// Widths every built-in preset's groups divide; one model with Qwen2-style biases and a tied
// head, one Llama-style with its own head, so every term of the prediction is exercised.
const CONFIGS = [
  syntheticConfig({ hiddenSize: 128, intermediateSize: 256, numHeads: 4, numKvHeads: 2, headDim: 32 }),
  syntheticConfig({ hiddenSize: 128, intermediateSize: 256, numHeads: 4, numKvHeads: 2, headDim: 32, attentionBias: true, tieWordEmbeddings: true, modelType: 'qwen2' }),
];

describe('the bytes a preset predicts are the bytes the GPU allocates', () => {
  for (const config of CONFIGS) {
    it(`every built-in preset, ${config.modelType} (${config.attentionBias ? 'biases, tied head' : 'no biases, own head'}): weights and KV cache`, async () => {
      const gpu = await testGpu();
      const seed = freshSeed();
      const source = tensorSource(syntheticTensors(config, rng(seed)));
      // The context's one placeholder buffer exists before anything is measured.
      void gpu.placeholder;
      const contextLength = 37;
      for (const preset of BUILTIN_PRESETS) {
        const before = gpu.bytesAllocated;
        const model = await uploadModel(gpu, config, source, preset);
        expect(gpu.bytesAllocated - before, `${preset.name}: weights`).toBe(weightBytes(config, preset));
        expect(model.weightBytes, `${preset.name}: the model reports the prediction`).toBe(weightBytes(config, preset));
        const beforeSession = gpu.bytesAllocated;
        const session = new InferenceSession(gpu, model, { contextLength, maxBatch: 8 });
        const cache = gpu.bytesAllocated - beforeSession - session.scratchBytes;
        expect(cache, `${preset.name}: KV cache`).toBe(contextLength * kvBytesPerToken(config, preset));
        expect(session.kvBytes, `${preset.name}: the session reports the prediction`).toBe(cache);
        session.dispose();
        destroyModel(gpu, model);
        expect(gpu.bytesAllocated, `${preset.name}: everything freed`).toBe(before);
      }
    });
  }
});
