/**
 * Records out of the lab: JSON (one record a line, or an array) and CSV (one row a record, one
 * column a metric), the same functions for the page's export button and the CLI. Per-item arrays
 * stay in JSON only: a CSV row holds the cell's numbers.
 */
import type { ResultRecord } from '../results/record';

/** One record a line, as `quantlab eval --json` prints and `quantlab merge` reads. */
export function toJsonl(records: readonly ResultRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

export function toJson(records: readonly ResultRecord[]): string {
  return `${JSON.stringify(records, null, 2)}\n`;
}

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const FIXED: readonly [string, (r: ResultRecord) => unknown][] = [
  ['sweep', (r) => r.sweep],
  ['id', (r) => r.id],
  ['created_at', (r) => r.createdAt],
  ['quantlab_version', (r) => r.quantlab.version],
  ['model', (r) => r.model.name],
  ['model_sha256', (r) => r.model.sha256],
  ['parameters', (r) => r.model.parameters],
  ['preset', (r) => r.preset.name],
  ['bits_per_weight', (r) => r.preset.bits_per_weight],
  ['task', (r) => r.task.name],
  ['task_version', (r) => r.task.version],
  ['dataset', (r) => r.task.dataset.name],
  ['dataset_sha256', (r) => r.task.dataset.sha256],
  ['dataset_rows', (r) => r.task.dataset.rows],
  ['limit', (r) => r.task.limit],
  ['shots', (r) => r.task.shots],
  ['seed', (r) => r.task.seed],
  ['chat_template', (r) => r.task.chat_template],
  ['settings', (r) => Object.entries(r.task.settings).map(([k, v]) => `${k}=${v}`).join(' ')],
];

const TAIL: readonly [string, (r: ResultRecord) => unknown][] = [
  ['weights_bytes', (r) => r.memory.weights_bytes],
  ['kv_cache_bytes', (r) => r.memory.kv_cache_bytes],
  ['scratch_bytes', (r) => r.memory.scratch_bytes],
  ['upload_seconds', (r) => r.timing.upload_seconds],
  ['score_seconds', (r) => r.timing.score_seconds],
  ['items_per_second', (r) => r.timing.items_per_second],
  ['tokens_per_second', (r) => r.timing.tokens_per_second],
  ['device', (r) => r.device.description],
];

/** CSV (RFC 4180, a header row): the record's identity, one column per metric any record has (in first-seen order), memory, timing, device. */
export function toCsv(records: readonly ResultRecord[]): string {
  const metrics: string[] = [];
  for (const r of records) for (const m of Object.keys(r.metrics)) if (!metrics.includes(m)) metrics.push(m);
  const header = [...FIXED.map(([n]) => n), ...metrics, ...TAIL.map(([n]) => n)];
  const rows = records.map((r) => [...FIXED.map(([, f]) => f(r)), ...metrics.map((m) => r.metrics[m]), ...TAIL.map(([, f]) => f(r))]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
