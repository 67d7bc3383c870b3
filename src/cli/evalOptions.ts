/** Parsers of the eval command's values: each refuses a bad value naming the option's form. */
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a whole number above 0, got "${value}"`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number, 0 or more, got "${value}"`);
  return n;
}

export function presetList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** `--shard i/n`: this process runs the cells whose index modulo n is i (0-based, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX count). */
export function shard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new InvalidArgumentError(`expected i/n with 0 <= i < n (e.g. 0/4), got "${value}"`);
  return { index, count };
}

/** `--data task=FILE` (repeatable); a bare FILE stands for every text task (perplexity, kl-divergence, speed). */
export function dataFile(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq > 0 && !value.slice(0, eq).includes('/')) return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
  if (eq === 0 || value === '') throw new InvalidArgumentError(`expected TASK=FILE (e.g. piqa=valid.jsonl) or a text FILE, got "${value}"`);
  return { ...previous, '*text': value };
}
