/**
 * Log-likelihood requests on the default model: lm-eval's tokenization of a request, and the
 * scorer (prefix reuse, chunked forwards, one read-back) against the plain way of scoring: one
 * forward of the whole input, log-softmax read back, the continuation's rows summed on the CPU.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR } from '../../src/cli/source';
import { destroyModel, uploadModel, type GpuModel } from '../../src/engine/model';
import { InferenceSession } from '../../src/engine/session';
import { encodeRequest, LoglikelihoodScorer, modelInput, type EncodedRequest } from '../../src/eval/loglikelihood';
import { piqa } from '../../src/eval/tasks/multipleChoice';
import { loadModel, type LoadedModel } from '../../src/model/load';
import { nodeModelFiles } from '../../src/model/nodeFiles';
import { parsePreset } from '../../src/quant/presets';
import type { GpuContext } from '../../src/gpu/context';
import { testGpu } from '../helpers/gpu';
import { piqaRows } from './rows';

let model: LoadedModel;
let gpu: GpuContext;
let gpuModel: GpuModel;
const EOS = 0;

beforeAll(async () => {
  model = await loadModel(await nodeModelFiles(DEFAULT_MODEL_DIR));
  gpu = await testGpu();
  gpuModel = await uploadModel(gpu, model.config, model.weights, parsePreset('fp16'));
  return () => destroyModel(gpu, gpuModel);
});

const encode = (context: string, continuation: string) => encodeRequest(model.tokenizer, { context, continuation }, { prefixTokenId: EOS, bosText: null });

describe("lm-eval's tokenization of a request", () => {
  it('continuation tokens are tokens(context + continuation) after tokens(context)', () => {
    const r = encode('Question: Which animal barks?\nAnswer:', ' a dog and its friends');
    const whole = model.tokenizer.encode('Question: Which animal barks?\nAnswer: a dog and its friends');
    expect(r.context).toEqual(model.tokenizer.encode('Question: Which animal barks?\nAnswer:'));
    expect(r.context.concat(r.continuation)).toEqual(whole);
    expect(r.continuation.length).toBeGreaterThan(2);
    // The leading space belongs to the continuation's first token, as the byte-level BPE merges it.
    expect(model.tokenizer.decode(r.continuation.slice(0, 1)).startsWith(' ')).toBe(true);
  });

  it("a context's trailing spaces move to the front of the continuation", () => {
    expect(encode('The cat sat on the ', 'mat')).toEqual(encode('The cat sat on the', ' mat'));
  });

  it('an empty context is the prefix token (the EOS of a tokenizer without BOS)', () => {
    const r = encode('', ' hello world');
    expect(r.context).toEqual([EOS]);
    expect(r.continuation).toEqual(model.tokenizer.encode(' hello world', { addSpecialTokens: false }));
  });

  it('the model input is left-truncated to max_length + 1 tokens, minus the last', () => {
    const r: EncodedRequest = { context: [1, 2, 3, 4, 5, 6], continuation: [7, 8] };
    expect(modelInput(r, 5)).toEqual({ input: [3, 4, 5, 6, 7], firstScored: 3 });
    expect(modelInput(r, 100)).toEqual({ input: [1, 2, 3, 4, 5, 6, 7], firstScored: 5 });
    expect(() => modelInput({ context: [1], continuation: [] }, 10)).toThrow(/no tokens/);
  });
});

/** The plain way: the whole input at once, log-probabilities read back, summed on the CPU. */
async function plainScore(session: InferenceSession, r: EncodedRequest) {
  const { input, firstScored } = modelInput(r, session.options.contextLength);
  session.forward(input, 0);
  const lp = await session.readLogProbs();
  const V = model.config.vocabSize;
  let logprob = 0;
  let greedy = true;
  r.continuation.forEach((t, j) => {
    const row = lp.subarray((firstScored + j) * V, (firstScored + j + 1) * V);
    logprob += row[t];
    let best = 0;
    for (let i = 1; i < V; i++) if (row[i] > row[best]) best = i;
    greedy &&= best === t;
  });
  return { logprob, isGreedy: greedy };
}

describe('the log-likelihood scorer on quantlab-tiny (fp16)', () => {
  it('gives the plain scores with and without prefix reuse, in one forward or many, and reuse runs fewer tokens', async () => {
    const groups: EncodedRequest[][] = [
      ...piqaRows(1).map((row) => piqa.item(row, { shots: 0, chat: null }, []).requests.map((q) => encode(q.context, q.continuation))),
      // Choices sharing their first token, and a greedy one: the word the model itself continues with.
      [encode('A dictionary is a book of', ' words'), encode('A dictionary is a book of', ' words and their meanings'), encode('A dictionary is a book of', ' the')],
    ];
    const plainSession = new InferenceSession(gpu, gpuModel, { contextLength: 256, maxBatch: 256 });
    const expected: { logprob: number; isGreedy: boolean }[][] = [];
    for (const g of groups) {
      const row = [];
      for (const r of g) row.push(await plainScore(plainSession, r));
      expected.push(row);
    }
    plainSession.dispose();
    const greedyOne = expected[1].some((e) => e.isGreedy);

    const runs: Record<string, number> = {};
    for (const [name, maxBatch, reuse] of [['reuse', 256, true], ['no reuse', 256, false], ['reuse, 8-token forwards', 8, true]] as const) {
      const session = new InferenceSession(gpu, gpuModel, { contextLength: 256, maxBatch });
      const scorer = new LoglikelihoodScorer(session, { prefixReuse: reuse });
      const got = await scorer.score(groups);
      runs[name] = scorer.tokensRun;
      scorer.dispose();
      session.dispose();
      got.forEach((g, i) =>
        g.forEach((r, j) => {
          expect(Math.abs(r.logprob - expected[i][j].logprob), `${name}, item ${i}, choice ${j}`).toBeLessThan(2e-4);
          expect(r.isGreedy, `${name}, item ${i}, choice ${j}`).toBe(expected[i][j].isGreedy);
          expect(r.tokens).toBe(groups[i][j].continuation.length);
        }),
      );
    }
    expect(greedyOne, 'one choice of the last item is the greedy continuation').toBe(true);
    expect(runs.reuse).toBeLessThan(runs['no reuse']);
    expect(runs['reuse, 8-token forwards']).toBe(runs.reuse);
  }, 600_000);
});
