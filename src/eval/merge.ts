/**
 * Joins the records of a sweep's shards (each shard ran every n-th cell) into one sweep. Refuses
 * records of different models and two records of the same cell; records of shards that drew
 * their own sweep ids are given the first one's.
 */
import { parseRecord, type ResultRecord } from '../results/record';

export class MergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

/** What makes a cell: the preset and the task with everything that changes its numbers. */
export function cellIdentity(r: ResultRecord): string {
  const t = r.task;
  const settings = Object.entries(t.settings).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([r.preset.name, t.name, t.version, t.dataset.sha256 ?? t.dataset.name, t.limit, t.shots, t.seed, t.chat_template, settings]);
}

/** Records from JSON lines; `source` names the file in messages. Blank lines are skipped. */
export function parseJsonl(text: string, source: string): ResultRecord[] {
  const out: ResultRecord[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new MergeError(`${source}, line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    const parsed = parseRecord(value);
    if (!parsed.ok) throw new MergeError(`${source}, line ${i + 1}: not a result record: ${parsed.problems.join('; ')}`);
    out.push(parsed.record);
  });
  return out;
}

export function mergeShards(shards: readonly { source: string; records: readonly ResultRecord[] }[]): ResultRecord[] {
  const all = shards.flatMap((s) => s.records.map((record) => ({ source: s.source, record })));
  if (all.length === 0) throw new MergeError('no records to merge');
  const first = all[0];
  const modelOf = (r: ResultRecord) => `${r.model.name} (sha256 ${r.model.sha256 ?? 'unknown'})`;
  const cells = new Map<string, string>();
  for (const { source, record } of all) {
    if (record.model.sha256 !== first.record.model.sha256 || record.model.name !== first.record.model.name) {
      throw new MergeError(`${source} holds ${modelOf(record)}, ${first.source} holds ${modelOf(first.record)}: a sweep is one model`);
    }
    const id = cellIdentity(record);
    const seen = cells.get(id);
    if (seen !== undefined) {
      throw new MergeError(`${record.preset.name} / ${record.task.name} is in ${seen} and in ${source}: the same cell twice (shards overlap, or a file was given twice)`);
    }
    cells.set(id, source);
  }
  return all.map(({ record }) => ({ ...record, sweep: first.record.sweep }));
}
