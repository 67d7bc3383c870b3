import { describe, expect, it } from 'vitest';
import { destroyModel, uploadModel } from '../../src/engine/model';
import { InferenceSession } from '../../src/engine/session';
import { evaluatePerplexity, NonFiniteOutputError } from '../../src/eval/perplexity';
import { expectedTensors, parseConfig } from '../../src/model/hfConfig';
import { loadModel, ModelError } from '../../src/model/load';
import type { Preset } from '../../src/quant/preset';
import { freshSeed, rng, testGpu } from '../helpers/gpu';
import { llamaConfigJson, memFiles, patternBytes, safetensors, tinyTokenizerJson } from '../model/synthetic';
import { syntheticConfig, syntheticTensors, tensorSource } from './synthetic';

const FP16: Preset = {
  name: 'fp16',
  weights: { bits: 16, group: 0, symmetric: false, method: 'rtn' },
  activations: null,
  kv: null,
  lmHead: false,
};
const W4G32: Preset = { ...FP16, name: 'w4g32', weights: { bits: 4, group: 32, symmetric: false, method: 'rtn' } };

/** Puts `values` at `count` distinct random places of a tensor. */
function plant(tensor: Float32Array, count: number, values: number[], next: () => number): void {
  const places = new Set<number>();
  while (places.size < count) places.add(Math.floor(next() * tensor.length));
  let i = 0;
  for (const p of places) tensor[p] = values[i++ % values.length];
}

describe('weights that hold NaN or infinity', () => {
  for (const preset of [FP16, W4G32]) {
    it(`are refused as they are uploaded (${preset.name}), naming the tensor and the count, with nothing left on the GPU`, async () => {
      const gpu = await testGpu();
      const seed = freshSeed();
      const next = rng(seed);
      const config = syntheticConfig({ attentionBias: true });
      const tensors = syntheticTensors(config, next);
      plant(tensors.get('model.layers.1.mlp.up_proj.weight')!, 12, [NaN, Infinity, -Infinity], next);
      plant(tensors.get('model.layers.0.self_attn.k_proj.bias')!, 1, [NaN], next);
      plant(tensors.get('model.norm.weight')!, 2, [Infinity], next);
      const before = gpu.bytesAllocated;
      const refusal = await uploadModel(gpu, config, tensorSource(tensors), preset).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refusal, `seed ${seed}`).toBeInstanceOf(ModelError);
      expect((refusal as Error).message).toBe(
        'model.layers.0.self_attn.k_proj.bias holds 1 value that is not a finite number (NaN or infinity): the file is damaged; ' +
          '2 more tensors hold such values (model.layers.1.mlp.up_proj.weight, model.norm.weight).',
      );
      expect(gpu.bytesAllocated, 'every buffer of the refused model is freed').toBe(before);
    });
  }

  it('names the count first found and says a BF16 file may overflow 16 bits', async () => {
    const gpu = await testGpu();
    const configJson = llamaConfigJson();
    const specs = expectedTensors(parseConfig(configJson)).map(([name, shape], i) => {
      const data = patternBytes(shape.reduce((a, b) => a * b, 1) * 2, i + 3);
      // BF16 0x47c3 is 99,840, beyond f16's 65,504; 0x7fc0 is a BF16 NaN.
      if (name === 'model.layers.1.self_attn.o_proj.weight') for (const at of [10, 200, 202]) data.set([0xc3, 0x47], at);
      if (name === 'model.layers.1.mlp.down_proj.weight') data.set([0xc0, 0x7f], 0);
      return { name, dtype: 'BF16', shape, data };
    });
    const files = new Map<string, Uint8Array | string>([
      ['config.json', JSON.stringify(configJson)],
      ['tokenizer.json', JSON.stringify(tinyTokenizerJson(true))],
      ['model.safetensors', safetensors(specs)],
    ]);
    const model = await loadModel(memFiles(files));
    await expect(uploadModel(gpu, model.config, model.weights, FP16)).rejects.toThrow(
      'model.layers.1.self_attn.o_proj.weight holds 3 values that are not finite numbers (NaN or infinity): ' +
        'the file is damaged, or its BF16 values pass the 65,504 that 16-bit floats hold; ' +
        '1 more tensor holds such values (model.layers.1.mlp.down_proj.weight).',
    );
  });

  it('stop a perplexity run when the forward pass overflows, naming the window', async () => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    const config = syntheticConfig({ numLayers: 1, attentionBias: true });
    const tensors = syntheticTensors(config, next);
    // Finite weights whose forward pass overflows f32: a V bias near f32's largest value, then an
    // output projection of f16's largest; the residual becomes infinite and the final norm NaN.
    tensors.get('model.layers.0.self_attn.v_proj.bias')!.fill(3e38);
    tensors.get('model.layers.0.self_attn.o_proj.weight')!.fill(65504);
    const model = await uploadModel(gpu, config, tensorSource(tensors), FP16);
    const session = new InferenceSession(gpu, model, { contextLength: 32, maxBatch: 32 });
    try {
      const tokens = Array.from({ length: 64 }, () => Math.floor(next() * config.vocabSize));
      const run = evaluatePerplexity(session, () => 'x', tokens, { nCtx: 32 });
      await expect(run).rejects.toBeInstanceOf(NonFiniteOutputError);
      await expect(run).rejects.toThrow(/^scoring stopped in window 1 of 2: the negative log-likelihood of the token after position 16 came out (NaN|-?Infinity), not a finite number/);
    } finally {
      session.dispose();
      destroyModel(gpu, model);
    }
  });
});
