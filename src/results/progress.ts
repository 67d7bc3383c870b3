/**
 * The progress of runs in flight: the loss of each window scored so far, written after every
 * window, so a reload or a crash costs at most one window and Resume continues from there.
 * Database `quantlab-progress`, store `runs` (as QuantLab 0.1 wrote it with idb-keyval), keyed by
 * what a run measures. A write that fails throws a StorageError: the caller must say that the
 * checkpoint was not kept, never drop it silently.
 *
 * This is the perplexity runner's checkpoint. Sweep checkpoints of the evaluation harness
 * (src/eval) keep their own shape; this store can hold them under other keys if they move here.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { z } from 'zod';
import { approximateBytes, storageFailure } from './storage';

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

interface ProgressSchema extends DBSchema {
  runs: { key: string; value: unknown };
}

const PROGRESS_DB = 'quantlab-progress';
const CHECKPOINT_ADVICE = 'If the page closes now, the run starts again from its last saved window. Free space by deleting old results in History.';

let opened: Promise<IDBPDatabase<ProgressSchema>> | null = null;

/** Closes the connection (the next call opens it again): in tests. */
export async function closeProgress(): Promise<void> {
  const db = opened;
  opened = null;
  if (db) (await db.catch(() => null))?.close();
}

function database(): Promise<IDBPDatabase<ProgressSchema>> {
  opened ??= openDB<ProgressSchema>(PROGRESS_DB, 1, {
    upgrade(d) {
      d.createObjectStore('runs');
    },
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
      opened = null;
    },
    terminated() {
      opened = null;
    },
  }).catch(async (e: unknown) => {
    opened = null;
    throw await storageFailure(e, 'opening the store of unfinished runs', null, 'Runs cannot be resumed after a reload.');
  });
  return opened;
}

/** A run is resumable by what it measures: the same windows of the same text under the same model and preset. */
export function progressKey(p: Pick<RunProgress, 'model' | 'preset' | 'dataset' | 'nCtx'>): string {
  return JSON.stringify([p.model, p.preset, p.dataset, p.nCtx]);
}

/** Writes the checkpoint; throws StorageError (storage full, say) when it could not be kept. */
export async function saveProgress(p: RunProgress): Promise<void> {
  const db = await database();
  try {
    await db.put('runs', p, p.key);
  } catch (e) {
    throw await storageFailure(e, 'saving the progress of this run', approximateBytes(p), CHECKPOINT_ADVICE);
  }
}

/** The unfinished runs, most recently updated first; entries no schema reads are left out. */
export async function loadProgress(): Promise<RunProgress[]> {
  const db = await database();
  let stored: unknown[];
  try {
    stored = await db.getAll('runs');
  } catch (e) {
    throw await storageFailure(e, 'reading the unfinished runs', null, 'Runs cannot be resumed after a reload.');
  }
  const runs = stored.flatMap((value) => {
    const parsed = RunProgressSchema.safeParse(value);
    return parsed.success ? [parsed.data] : [];
  });
  return runs.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

export async function deleteProgress(key: string): Promise<void> {
  const db = await database();
  try {
    await db.delete('runs', key);
  } catch (e) {
    throw await storageFailure(e, 'removing a finished run from the unfinished ones', null, 'Reload the page and try again.');
  }
}
