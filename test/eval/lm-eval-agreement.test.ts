/**
 * QuantLab against lm-evaluation-harness itself (test/fixtures/lm-eval/, its per-item output on
 * quantlab-tiny): rows read from the authors' original files through the data importers, as
 * `quantlab eval --data TASK=FILE` reads them. For every item of every fixture, QuantLab builds the
 * harness's request strings and tokens exactly (cheap: no GPU). On the GPU (fp16 preset,
 * SwiftShader) each request's log-likelihood is within 1e-3 of the harness's, its greedy flag the
 * same, and the item's metrics (acc, acc_norm, mc2's mass, lambada's acc) agree item by item. By
 * default (CI) the GPU scores the first item of each task, MMLU of one subject (its four fixtures
 * take the same path, about 700 tokens an item); LM_EVAL_ITEMS=N scores the first N items of every
 * fixture (LM_EVAL_ITEMS=100: all of them).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFiles, openRowSource } from '../../src/data';
import { nodeDataFile } from '../../src/data/nodeFiles';
import { openFileStore } from '../../src/data/nodeStore';
import { DEFAULT_MODEL_DIR } from '../../src/cli/source';
import { destroyModel, uploadModel, type GpuModel } from '../../src/engine/model';
import { InferenceSession } from '../../src/engine/session';
import { batchTokens, ITEM_PLAIN_KV_BITS } from '../../src/eval/cells';
import { encodeRequest, LoglikelihoodScorer, type EncodedRequest, type LoglikelihoodRequest, type LoglikelihoodResult } from '../../src/eval/loglikelihood';
import { modelTokens, type ModelTokens } from '../../src/eval/modelTokens';
import { taskEntry } from '../../src/eval/tasks/registry';
import type { ItemScores, MultipleChoiceTask, LoglikelihoodTask } from '../../src/eval/tasks/types';
import type { GpuContext } from '../../src/gpu/context';
import { loadModel, type LoadedModel } from '../../src/model/load';
import { nodeModelFiles } from '../../src/model/nodeFiles';
import { parsePreset } from '../../src/quant/presets';
import { testGpu } from '../helpers/gpu';

const FIXTURES = new URL('../fixtures/lm-eval/', import.meta.url).pathname;
const DATASETS = new URL('../../../shared/datasets/', import.meta.url).pathname;
const TOLERANCE = 1e-3;

function itemsOnGpu(): number | null {
  const given = process.env.LM_EVAL_ITEMS;
  if (given === undefined || given === '') return null;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new Error(`LM_EVAL_ITEMS=${given} is not a whole number from 1 to 100`);
  return n;
}
const ITEMS_GIVEN = itemsOnGpu();
const GPU_ITEMS = ITEMS_GIVEN ?? 1;

interface FixtureRequest {
  context?: string;
  continuation: string;
  loglikelihood: number;
  is_greedy: boolean;
  context_tokens: number;
  continuation_ids: number[];
}

interface FixtureItem {
  doc_id: number;
  target: string;
  context?: string;
  requests: FixtureRequest[];
  acc: number;
  acc_norm?: number;
  /** lambada_openai: the item's log-likelihood. */
  perplexity?: number;
}

interface Fixture {
  task: string;
  num_fewshot: number;
  context_prefix: string;
  items: FixtureItem[];
}

/** What each fixture's task is in QuantLab, and the original files its rows are imported from. */
interface Case {
  file: string;
  task: string;
  dataset: string;
  files: string[];
  /** MMLU: the subject whose rows the fixture holds. */
  subject?: string;
}

const MMLU_SUBJECTS = ['abstract_algebra', 'global_facts', 'high_school_geography', 'marketing'];
const CASES: Case[] = [
  { file: 'piqa.json', task: 'piqa', dataset: 'piqa', files: ['piqa/valid.jsonl', 'piqa/valid-labels.lst'] },
  { file: 'arc_easy.json', task: 'arc_easy', dataset: 'arc_easy', files: ['arc-easy/ARC-Easy-Test.jsonl'] },
  { file: 'winogrande.json', task: 'winogrande', dataset: 'winogrande', files: ['winogrande/dev.jsonl'] },
  { file: 'boolq.json', task: 'boolq', dataset: 'boolq', files: ['boolq/dev.jsonl'] },
  { file: 'truthfulqa_mc1.json', task: 'truthfulqa_mc1', dataset: 'truthfulqa_mc1', files: ['truthfulqa/mc_task.json'] },
  { file: 'truthfulqa_mc2.json', task: 'truthfulqa_mc2', dataset: 'truthfulqa_mc2', files: ['truthfulqa/mc_task.json'] },
  { file: 'lambada_openai.json', task: 'lambada_openai', dataset: 'lambada_openai', files: ['lambada/lambada_test.jsonl'] },
  ...MMLU_SUBJECTS.map((s) => ({
    file: `mmlu_${s}.5shot.json`,
    task: 'mmlu',
    dataset: 'mmlu',
    files: MMLU_SUBJECTS.flatMap((t) => [`mmlu/test/${t}_test.csv`, `mmlu/dev/${t}_dev.csv`]),
    subject: s,
  })),
];

const GPU_CASES = ITEMS_GIVEN === null ? CASES.filter((c) => c.subject === undefined || c.subject === MMLU_SUBJECTS[0]) : CASES;

const readFixture = (file: string): Fixture => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));

/** One item as QuantLab builds it: its requests, and how its results become the harness's per-item metrics. */
interface Built {
  requests: LoglikelihoodRequest[];
  score(results: LoglikelihoodResult[]): ItemScores;
}

let model: LoadedModel;
let tokens: ModelTokens;
const built = new Map<string, Built[]>();
const cacheDir = mkdtempSync(join(tmpdir(), 'quantlab-lm-eval-'));

async function allRows(source: { chunks(start?: number): AsyncIterable<unknown[]> }): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const chunk of source.chunks()) out.push(...chunk);
  return out;
}

beforeAll(async () => {
  model = await loadModel(await nodeModelFiles(DEFAULT_MODEL_DIR));
  tokens = await modelTokens(model);
  const store = await openFileStore(cacheDir);
  const imported = new Set<string>();
  for (const c of CASES) {
    const fixture = readFixture(c.file);
    const entry = taskEntry(c.task);
    const stored = c.dataset === 'truthfulqa_mc2' ? 'truthfulqa_mc1' : c.dataset;
    if (!imported.has(stored)) {
      await importFiles(store, c.dataset, await Promise.all(c.files.map((f) => nodeDataFile(join(DATASETS, f)))));
      imported.add(stored);
    }
    let rows = await allRows(await openRowSource(store, c.dataset));
    const fewshot = entry.shots.fewshotSplit ? await allRows(await openRowSource(store, c.dataset, { split: entry.shots.fewshotSplit })) : [];
    if (c.subject) rows = rows.filter((r) => (r as { subject: string }).subject === c.subject);
    const prompt = { shots: fixture.num_fewshot, chat: null };
    const task = entry.itemTask as MultipleChoiceTask | LoglikelihoodTask;
    built.set(
      c.file,
      fixture.items.map((fi) => {
        const row = rows[fi.doc_id] as never;
        if (task.kind === 'loglikelihood') {
          const { request } = task.item(row, prompt);
          return { requests: [request], score: ([r]) => ({ acc: r.isGreedy ? 1 : 0, perplexity: r.logprob }) };
        }
        const item = task.item(row, prompt, fewshot as never);
        return { requests: item.requests, score: (results) => task.score(row, item, results) };
      }),
    );
  }
}, 300_000);

afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const encode = (r: LoglikelihoodRequest): EncodedRequest =>
  encodeRequest(model.tokenizer, r, { prefixTokenId: tokens.prefixTokenId, bosText: tokens.bosText });

/**
 * The harness's per-item metrics that QuantLab's task computes too: those that are 0 or 1 (acc,
 * acc_norm) agree exactly; mc2's mass and lambada's log-likelihood (its per-item `perplexity`)
 * are sums of log-probabilities, so they agree within the tolerance.
 */
function harnessScores(fixture: Fixture, item: FixtureItem): { exact: ItemScores; close: ItemScores } {
  if (fixture.task === 'truthfulqa_mc2') return { exact: {}, close: { acc: item.acc } };
  const exact: ItemScores = { acc: item.acc };
  if (item.acc_norm !== undefined) exact.acc_norm = item.acc_norm;
  return { exact, close: item.perplexity === undefined ? {} : { perplexity: item.perplexity } };
}

it('every fixture of test/fixtures/lm-eval has its case here', () => {
  expect(readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort()).toEqual(CASES.map((c) => c.file).sort());
});

describe.each(CASES)("lm-eval's requests for $file", (c) => {
  it('are the strings and tokens QuantLab builds, for all 100 items', () => {
    const fixture = readFixture(c.file);
    const items = built.get(c.file)!;
    expect(items).toHaveLength(100);
    fixture.items.forEach((fi, i) => {
      const ours = items[i].requests;
      expect(ours.length, `item ${i}: requests`).toBe(fi.requests.length);
      fi.requests.forEach((fr, j) => {
        const where = `${c.file} item ${i} (doc ${fi.doc_id}) request ${j}`;
        expect(ours[j].context, `${where}: context`).toBe(fixture.context_prefix + (fr.context ?? fi.context));
        expect(ours[j].continuation, `${where}: continuation`).toBe(fr.continuation);
        const enc = encode(ours[j]);
        expect(enc.context.length, `${where}: context tokens`).toBe(fr.context_tokens);
        expect(enc.continuation, `${where}: continuation ids`).toEqual(fr.continuation_ids);
      });
    });
  });
});

describe(`quantlab-tiny fp16 on the GPU against lm-eval (the first ${GPU_ITEMS} item(s) of ${GPU_CASES.length} fixtures)`, () => {
  let gpu: GpuContext;
  let gpuModel: GpuModel;
  let session: InferenceSession;
  let scorer: LoglikelihoodScorer;

  beforeAll(async () => {
    gpu = await testGpu();
    gpuModel = await uploadModel(gpu, model.config, model.weights, parsePreset('fp16'));
    // As the sweep's item cells open it: lm-eval's max_length was 1024, the model's context.
    const context = model.config.maxPositions;
    session = new InferenceSession(gpu, gpuModel, { contextLength: context, maxBatch: batchTokens(gpu, model.config.vocabSize, context), plainKvBits: ITEM_PLAIN_KV_BITS });
    scorer = new LoglikelihoodScorer(session);
    return () => {
      scorer.dispose();
      session.dispose();
      destroyModel(gpu, gpuModel);
    };
  }, 300_000);

  it.each(GPU_CASES)('$file: log-likelihoods within 1e-3, greedy flags and metrics the same, item by item', async (c) => {
    const fixture = readFixture(c.file);
    const items = built.get(c.file)!.slice(0, GPU_ITEMS);
    const results = await scorer.score(items.map((it) => it.requests.map(encode)));
    results.forEach((rs, i) => {
      const fi = fixture.items[i];
      rs.forEach((r, j) => {
        const fr = fi.requests[j];
        const where = `${c.file} item ${i} (doc ${fi.doc_id}) request ${j}`;
        expect(Math.abs(r.logprob - fr.loglikelihood), `${where}: ${r.logprob} vs lm-eval's ${fr.loglikelihood}`).toBeLessThan(TOLERANCE);
        expect(r.isGreedy, `${where}: greedy`).toBe(fr.is_greedy);
      });
      const ours = items[i].score(rs);
      const theirs = harnessScores(fixture, fi);
      for (const [k, v] of Object.entries(theirs.exact)) expect(ours[k], `${c.file} item ${i}: ${k}`).toBe(v);
      for (const [k, v] of Object.entries(theirs.close)) expect(Math.abs(ours[k] - v), `${c.file} item ${i}: ${k} ${ours[k]} vs lm-eval's ${v}`).toBeLessThan(TOLERANCE);
    });
  }, 600_000);
});
