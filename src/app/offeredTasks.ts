import { DATASETS } from '../data';
import { TASKS, type TaskEntry } from '../eval/tasks/registry';

/** The tasks the lab can run now: the text tasks, the lab's own datasets, and every task whose dataset is stored here. */
export function offeredTasks(stored: readonly string[]): TaskEntry[] {
  const have = new Set(stored);
  return TASKS.filter((t) => t.schema === 'text' || t.embedded !== null || have.has(DATASETS[t.dataset]?.storedAs ?? t.dataset));
}
