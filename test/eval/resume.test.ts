/**
 * Resume: a cell interrupted mid-way (cancelled, as a reload or crash would stop it) goes on from
 * its checkpoint, gives the numbers of an uninterrupted run, and counts no item twice.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR } from '../../src/cli/source';
import { checkpointStore } from '../../src/eval/checkpoint';
import { KldReferenceStore } from '../../src/eval/kldReference';
import { CancelledError } from '../../src/eval/perplexity';
import { memoryStore } from '../../src/eval/stores/binary';
import { folderStore } from '../../src/eval/stores/node';
import { runSweep, type SweepHooks, type SweepProgress, type SweepSpec } from '../../src/eval/sweep';
import { loadModel, type LoadedModel } from '../../src/model/load';
import { modelSha256 } from '../../src/model/hash';
import { nodeModelFiles } from '../../src/model/nodeFiles';
import type { ResultRecord } from '../../src/results/record';
import { testGpu } from '../helpers/gpu';
import { embeddedSource } from './embedded';

let model: LoadedModel;
let hash: string;

beforeAll(async () => {
  model = await loadModel(await nodeModelFiles(DEFAULT_MODEL_DIR));
  hash = await modelSha256(model.files);
});

const SPEC: SweepSpec = {
  id: 'resume-test',
  presets: ['kv4'],
  tasks: [
    { task: 'quantlab_continuation', limit: 2 },
    { task: 'kl-divergence', limit: 2, settings: { n_ctx: 32 } },
  ],
};

describe('an interrupted sweep resumes from its checkpoints', () => {
  it('gives the uninterrupted numbers and scores every item once', async () => {
    const gpu = await testGpu();
    const inputs = { model, modelSha256: hash, rows: async (task: string) => embeddedSource(task) };
    const references = new KldReferenceStore(memoryStore());
    const run = async (hooks: SweepHooks) => runSweep(gpu, SPEC, inputs, { references, batchItems: 1, ...hooks });

    const whole = await run({ checkpoints: checkpointStore(memoryStore()) });
    const byTask = (records: ResultRecord[], task: string) => records.find((r) => r.task.name === task)!;

    const checkpoints = checkpointStore(folderStore(mkdtempSync(join(tmpdir(), 'quantlab-resume-'))));
    const stopAt = (task: string, done: number) => {
      const controller = new AbortController();
      const seen: number[] = [];
      const onProgress = (p: SweepProgress) => {
        if (p.current.stage !== 'cell' || p.current.cell.entry.name !== task) return;
        seen.push(p.current.progress.done);
        if (p.current.progress.done === done) controller.abort();
      };
      return { signal: controller.signal, onProgress, seen };
    };
    const records: ResultRecord[] = [];
    const first = stopAt('quantlab_continuation', 1);
    await expect(run({ checkpoints, signal: first.signal, onProgress: first.onProgress })).rejects.toThrow(CancelledError);
    expect((await checkpoints.list()).map((c) => c.done)).toEqual([1]);

    const second = stopAt('kl-divergence', 1);
    const continuation: number[] = [];
    await expect(
      run({
        checkpoints,
        signal: second.signal,
        onRecord: (r) => void records.push(r),
        onProgress: (p) => {
          second.onProgress(p);
          if (p.current.stage === 'cell' && p.current.cell.entry.name === 'quantlab_continuation') continuation.push(p.current.progress.done);
        },
      }),
    ).rejects.toThrow(CancelledError);
    // The continuation cell went on from item 1 (its first report is 1), ran item 2 alone, and finished.
    expect(continuation).toEqual([1, 2]);
    expect(records.map((r) => r.task.name)).toEqual(['quantlab_continuation']);
    expect((await checkpoints.list()).map((c) => c.done)).toEqual([1]);

    const third = stopAt('kl-divergence', -1);
    await run({ checkpoints, onRecord: (r) => void records.push(r), onProgress: third.onProgress });
    expect(third.seen).toEqual([1, 2]);
    expect(await checkpoints.list()).toEqual([]);

    const c = byTask(records, 'quantlab_continuation');
    expect(c.items).toEqual(byTask(whole, 'quantlab_continuation').items);
    expect(c.metrics).toEqual(byTask(whole, 'quantlab_continuation').metrics);
    expect(c.items!.acc).toHaveLength(2);
    // This run scored one item: 2 - 1 resumed.
    expect(c.timing.items_per_second * c.timing.score_seconds).toBeCloseTo(1, 6);
    const k = byTask(records, 'kl-divergence');
    expect(k.metrics).toEqual(byTask(whole, 'kl-divergence').metrics);
    expect(k.metrics.tokens).toBe(2 * 15);
    expect(k.items!.window_kld).toHaveLength(2);
  }, 1_200_000);
});
