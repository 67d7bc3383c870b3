/**
 * Sweeps in flight, kept in IndexedDB (database `quantlab-sweeps`) from the moment they start
 * until their last record is stored: what was asked (model, presets, tasks) and which cells are
 * finished. After a reload or a crash the page lists them, and Resume runs the cells left; the
 * cell that was running continues from its checkpoint (src/eval/checkpoint.ts, in the worker).
 */
import { createStore, del, get, keys, set } from 'idb-keyval';
import { z } from 'zod';
import { approximateBytes, storageFailure } from '../results/storage';

const TaskRequestSchema = z.object({
  task: z.string().max(64),
  limit: z.number().int().positive().nullable().optional(),
  shots: z.number().int().nonnegative().optional(),
  seed: z.number().int().nonnegative().optional(),
  chatTemplate: z.boolean().optional(),
  settings: z.record(z.string(), z.number()).optional(),
});

export const SweepPlanSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** The model as the page names it, and where it came from, so Resume can open it again. */
  model: z.string().max(200),
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('builtin'), id: z.string().max(100) }),
    z.object({ kind: z.literal('hub'), id: z.string().max(500) }),
    // Files on the user's disk cannot be reopened without the user picking them again.
    z.object({ kind: z.literal('local') }),
  ]),
  presets: z.array(z.string().max(200)).min(1).max(200),
  tasks: z.array(TaskRequestSchema).min(1).max(64),
  /** Finished cells, by cellName(preset, task). */
  done: z.array(z.string().max(300)),
  startedAt: z.string(),
  updatedAt: z.string(),
});

export type SweepPlan = z.infer<typeof SweepPlanSchema>;

const store = createStore('quantlab-sweeps', 'plans');
const ADVICE = 'If the page closes before the sweep ends, it cannot be resumed. Free space by deleting old results in History.';

/** Stores the plan; throws a StorageError (storage full, say) that the caller shows. */
export async function savePlan(plan: SweepPlan): Promise<void> {
  const value = { ...plan, updatedAt: new Date().toISOString() };
  try {
    await set(plan.id, value, store);
  } catch (e) {
    throw await storageFailure(e, 'saving the progress of this sweep', approximateBytes(value), ADVICE);
  }
}

/** Unfinished sweeps, newest first; entries no schema reads are left out. */
export async function loadPlans(): Promise<SweepPlan[]> {
  const found = await Promise.all((await keys(store)).map((k) => get(k, store)));
  const plans = found.flatMap((v) => {
    const parsed = SweepPlanSchema.safeParse(v);
    return parsed.success ? [parsed.data] : [];
  });
  return plans.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

export async function deletePlan(id: string): Promise<void> {
  await del(id, store);
}
