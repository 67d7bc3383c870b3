/**
 * What the page keeps between visits, in IndexedDB (idb-keyval):
 * - every finished result record, written the moment its run ends;
 * - the progress of the run in flight (the NLL of each window scored so far),
 *   written after every window, so a reload or a crash costs at most one window.
 * Stored data is read back through zod schemas: an entry written by an older
 * version, or damaged, is skipped rather than breaking the page.
 */
import { createStore, del, set, values, type UseStore } from 'idb-keyval';
import { z } from 'zod';
import { parseRecord, type ResultRecord } from './record';

/** One database per store: idb-keyval opens each database with exactly one object store. */
let resultsStore: UseStore | null = null;
let progressStore: UseStore | null = null;
const results = () => (resultsStore ??= createStore('quantlab-results', 'records'));
const progress = () => (progressStore ??= createStore('quantlab-progress', 'runs'));

export async function saveResult(record: ResultRecord): Promise<void> {
  await set(record.id, record, results());
}

/** All valid stored records, newest first, and how many stored entries were unreadable. */
export async function loadResults(): Promise<{ records: ResultRecord[]; skipped: number }> {
  const stored = await values<unknown>(results());
  const records: ResultRecord[] = [];
  for (const value of stored) {
    const parsed = parseRecord(value);
    if (parsed.ok) records.push(parsed.record);
  }
  records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return { records, skipped: stored.length - records.length };
}

export async function deleteResult(id: string): Promise<void> {
  await del(id, results());
}

/** Where the model of an interrupted run came from, so Resume can open it again. */
export const ModelSourceRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('default') }),
  z.object({ kind: z.literal('hub'), id: z.string().max(500) }),
  // Files on the user's disk cannot be reopened without the user picking them again.
  z.object({ kind: z.literal('local') }),
]);
export type ModelSourceRef = z.infer<typeof ModelSourceRefSchema>;

export const RunProgressSchema = z.object({
  key: z.string(),
  model: z.string(),
  source: ModelSourceRefSchema,
  preset: z.string(),
  dataset: z.string(),
  nCtx: z.number().int().positive(),
  /** The windows limit the run was started with; null means all windows. */
  limit: z.number().int().positive().nullable(),
  windowsTotal: z.number().int().positive(),
  /** The fields runPerplexity's `resume` takes. */
  window_nll: z.array(z.number()),
  bytes_scored: z.number().nonnegative(),
  updatedAt: z.string(),
});
export type RunProgress = z.infer<typeof RunProgressSchema>;

/** A run is resumable by what it measures: the same windows of the same text under the same model and preset. */
export function progressKey(p: Pick<RunProgress, 'model' | 'preset' | 'dataset' | 'nCtx'>): string {
  return JSON.stringify([p.model, p.preset, p.dataset, p.nCtx]);
}

export async function saveProgress(p: RunProgress): Promise<void> {
  await set(p.key, p, progress());
}

export async function loadProgress(): Promise<RunProgress[]> {
  const stored = await values<unknown>(progress());
  const runs = stored.flatMap((value) => {
    const parsed = RunProgressSchema.safeParse(value);
    return parsed.success ? [parsed.data] : [];
  });
  return runs.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

export async function deleteProgress(key: string): Promise<void> {
  await del(key, progress());
}

/** The history as one JSON document: the records as stored, under a small header that says what the file is. */
export function historyJson(records: readonly ResultRecord[], exportedAt = new Date()): string {
  return JSON.stringify({ format: 'quantlab-history', exportedAt: exportedAt.toISOString(), records }, null, 2);
}
