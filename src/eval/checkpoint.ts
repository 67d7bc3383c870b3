/**
 * Checkpoints of unfinished cells, so a sweep resumes after a reload or a crash from the last
 * finished chunk: per cell, the per-item scores so far (and, for perplexity and KL divergence,
 * the per-window or per-token values). A cell's key is everything that decides its numbers, so a
 * checkpoint is only ever continued by the same computation, and an item is never counted twice:
 * a checkpoint holds exactly the first `done` items, and the run goes on from item `done`.
 */
import { z } from 'zod';
import { jsonBytes, parseJsonBytes, type BinaryStore } from './stores/binary';

export const CHECKPOINT_VERSION = 1;

const CheckpointSchema = z.object({
  version: z.literal(CHECKPOINT_VERSION),
  key: z.string(),
  /** Items (or windows) finished. */
  done: z.number().int().nonnegative(),
  /** Per-item (or per-token) values, each array `done` long (per-token arrays: as many as the finished windows hold). */
  items: z.record(z.string(), z.array(z.number())),
  /** Running totals that are not per item (bytes scored, tokens run). */
  totals: z.record(z.string(), z.number()),
  updatedAt: z.string(),
});

export type Checkpoint = z.infer<typeof CheckpointSchema>;

export interface CheckpointStore {
  get(key: string): Promise<Checkpoint | null>;
  put(checkpoint: Omit<Checkpoint, 'version' | 'updatedAt'>): Promise<void>;
  delete(key: string): Promise<void>;
  list(): Promise<Checkpoint[]>;
}

const PREFIX = 'cell:';

/** Checkpoints kept in a BinaryStore (IndexedDB in the page, a folder in the CLI). An unreadable entry counts as none. */
export function checkpointStore(store: BinaryStore): CheckpointStore {
  const read = async (key: string) => {
    const bytes = await store.get(key);
    if (!bytes) return null;
    try {
      const parsed = CheckpointSchema.safeParse(parseJsonBytes(bytes));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  };
  return {
    get: (key) => read(PREFIX + key),
    async put(c) {
      await store.put(PREFIX + c.key, jsonBytes({ ...c, version: CHECKPOINT_VERSION, updatedAt: new Date().toISOString() }));
    },
    delete: (key) => store.delete(PREFIX + key),
    async list() {
      const found = await Promise.all((await store.keys(PREFIX)).map(read));
      return found.filter((c): c is Checkpoint => c !== null);
    },
  };
}
