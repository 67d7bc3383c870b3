/** Greedy generation chains its steps on the GPU: the same tokens and text as one step a submission, whatever stops it. */
import { describe, expect, it } from 'vitest';
import { destroyModel, uploadModel } from '../../src/engine/model';
import { DECODE_CHAIN, InferenceSession } from '../../src/engine/session';
import { generateGreedy, type GenerationOptions } from '../../src/eval/generate';
import { parsePreset } from '../../src/quant/presets';
import { freshSeed, rng, testGpu } from '../helpers/gpu';
import { syntheticConfig, syntheticTensors, tensorSource } from '../engine/synthetic';

const decode = (ids: number[]) => ids.map((i) => String.fromCharCode(97 + (i % 26))).join('');

/** One greedy step a submission: the tokens generation must give (lm-eval's loop). */
async function stepByStep(session: InferenceSession, prompt: number[], options: GenerationOptions): Promise<number[]> {
  session.forward(prompt, 0);
  const out = [await session.greedyToken()];
  let pos = prompt.length;
  for (;;) {
    const last = out[out.length - 1];
    if (options.stopTokenIds.includes(last) || options.until.some((s) => decode(out).includes(s))) break;
    if (out.length >= options.maxTokens || pos >= session.options.contextLength) break;
    out.push(await session.decodeGreedy(last, pos++));
  }
  return out;
}

describe('greedy generation', () => {
  it.each([1, 2] as const)('stops at the token limit, a stop id, a stop string and the end of the context as single steps do (%i chains in flight)', async (chainsInFlight) => {
    const gpu = await testGpu();
    const seed = freshSeed();
    const next = rng(seed);
    const config = syntheticConfig();
    const model = await uploadModel(gpu, config, tensorSource(syntheticTensors(config, next)), parsePreset('fp16'));
    const contextLength = 48;
    const session = new InferenceSession(gpu, model, { contextLength, maxBatch: 8, chainsInFlight });
    const prompt = Array.from({ length: 6 }, () => Math.floor(next() * config.vocabSize));
    const free: GenerationOptions = { until: [], maxTokens: 2 * DECODE_CHAIN + 3, stopTokenIds: [] };
    const long = await stepByStep(session, prompt, free);
    const cases: [string, GenerationOptions][] = [
      ['the token limit, past two chains', free],
      ['a stop id inside a chain', { ...free, stopTokenIds: [long[DECODE_CHAIN + 4]] }],
      ['a stop string', { ...free, until: [decode(long.slice(5, 7))] }],
      // 42 tokens after the prompt's 6 fill the context to its last position, inside a chain.
      ['the end of the context', { ...free, maxTokens: contextLength - prompt.length }],
    ];
    for (const [label, options] of cases) {
      const expected = await stepByStep(session, prompt, options);
      const generation = await generateGreedy(session, decode, prompt, options);
      expect(generation.tokens, `seed ${seed}, ${label}: tokens`).toBe(expected.length);
      const kept = options.stopTokenIds.includes(expected[expected.length - 1]) ? expected.slice(0, -1) : expected;
      let text = decode(kept);
      for (const s of options.until) text = text.split(s)[0];
      expect(generation.text, `seed ${seed}, ${label}: text`).toBe(text);
    }
    session.dispose();
    destroyModel(gpu, model);
  });
});
