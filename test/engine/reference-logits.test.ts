import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtInModelDir } from '../../src/cli/source';
import { destroyModel, uploadModel } from '../../src/engine/model';
import { InferenceSession } from '../../src/engine/session';
import { loadModel } from '../../src/model/load';
import { nodeModelFiles } from '../../src/model/nodeFiles';
import { parsePreset } from '../../src/quant/presets';
import { testGpu } from '../helpers/gpu';

interface Fixture {
  vocab_size: number;
  cases: {
    text: string;
    ids: number[];
    positions: { top: [number, number][]; logsumexp: number; sum: number; l2: number }[];
  }[];
}

/** Each built-in model with the logits transformers gave for it (train/reference_logits.py). */
const MODELS = [
  { id: 'quantlab-tiny', fixture: '../fixtures/reference-logits.json' },
  { id: 'quantlab-mini', fixture: '../fixtures/quantlab-mini/reference-logits.json' },
].map(({ id, fixture }) => ({
  id,
  dir: builtInModelDir(id),
  fixture: JSON.parse(readFileSync(new URL(fixture, import.meta.url), 'utf8')) as Fixture,
}));

/** The worst of: top-20 logits, logsumexp, L2 norm (relative) and the sum (relative to the row's scale). */
export function logitError(ours: Float32Array, ref: Fixture['cases'][number]['positions'][number]): number {
  const scale = Math.max(...ref.top.map(([, v]) => Math.abs(v)));
  let worst = Math.max(...ref.top.map(([id, v]) => Math.abs(ours[id] - v) / scale));
  let max = -Infinity;
  let sum = 0;
  let sq = 0;
  for (const v of ours) {
    max = Math.max(max, v);
    sum += v;
    sq += v * v;
  }
  let exps = 0;
  for (const v of ours) exps += Math.exp(v - max);
  const lse = max + Math.log(exps);
  worst = Math.max(worst, Math.abs(lse - ref.logsumexp) / Math.abs(ref.logsumexp));
  worst = Math.max(worst, Math.abs(Math.sqrt(sq) - ref.l2) / ref.l2);
  worst = Math.max(worst, Math.abs(sum - ref.sum) / (ref.l2 * Math.sqrt(ours.length)));
  return worst;
}

describe.each(MODELS)('$id on WebGPU against PyTorch (transformers, float32)', ({ dir, fixture }) => {
  it('has the model on disk', () => {
    expect(existsSync(`${dir}/config.json`)).toBe(true);
  });

  it('tokenizes the fixture texts to the same ids as Python tokenizers', async () => {
    const model = await loadModel(await nodeModelFiles(dir));
    for (const c of fixture.cases) expect(model.tokenizer.encode(c.text, { addSpecialTokens: false })).toEqual(c.ids);
  });

  it('gives every position the reference logits within 1e-3 relative, in f32 and with a 16-bit KV cache', async () => {
    const gpu = await testGpu();
    const model = await loadModel(await nodeModelFiles(dir));
    expect(model.config.vocabSize).toBe(fixture.vocab_size);
    const gpuModel = await uploadModel(gpu, model.config, model.weights, parsePreset('fp16'));
    for (const plainKvBits of [32, 16] as const) {
      let worst = 0;
      for (const c of fixture.cases) {
        const session = new InferenceSession(gpu, gpuModel, { contextLength: c.ids.length, maxBatch: c.ids.length, plainKvBits });
        session.forward(c.ids, 0);
        const logits = await session.readLogits();
        c.positions.forEach((ref, p) => {
          const err = logitError(logits.subarray(p * fixture.vocab_size, (p + 1) * fixture.vocab_size), ref);
          worst = Math.max(worst, err);
          expect(err, `KV ${plainKvBits}-bit, text of ${c.ids.length} tokens, position ${p}`).toBeLessThan(1e-3);
        });
        session.dispose();
      }
      console.log(`max relative logit error against PyTorch with a ${plainKvBits}-bit KV cache: ${worst.toExponential(2)}`);
    }
    destroyModel(gpu, gpuModel);
  }, 900_000);
});
