/**
 * Records out of the lab, the same functions for the page's exports and the CLI: JSON (the records
 * as stored, per-item scores included; one document, or one record a line), and CSV (one row a
 * record, a column a field or metric) for spreadsheets and pandas.
 */
import type { ResultRecord } from './record';

export const HISTORY_FORMAT = 'quantlab-history';

/** The history as one JSON document: the records as stored, under a small header that says what the file is. */
export function historyJson(records: readonly ResultRecord[], exportedAt = new Date()): string {
  return JSON.stringify({ format: HISTORY_FORMAT, exportedAt: exportedAt.toISOString(), records }, null, 2);
}

/** One record a line, as `quantlab eval --json` prints and `quantlab merge` reads and writes. */
export function recordsJsonl(records: readonly ResultRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

type Cell = string | number | boolean | null | undefined;

/**
 * A spreadsheet runs a cell that starts with = + - @ (and, in some, a tab or carriage return) as a
 * formula, so a model called `=HYPERLINK("http://evil", "open")` would become a live link. Text
 * cells that start so get a leading apostrophe, which spreadsheets show as text and hide; numbers
 * are written as numbers (a negative one is not text and stays as it is).
 */
function guardFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** RFC 4180: a field with a comma, a quote or a line break goes in quotes, its quotes doubled. */
function csvField(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  if (typeof cell === 'boolean') return cell ? 'true' : 'false';
  const text = guardFormula(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Columns every record has, in the order a reader looks for them: what was run first, then where. */
const LEADING: [string, (r: ResultRecord) => Cell][] = [
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
  ['model', (r) => r.model.name],
  ['model_sha256', (r) => r.model.sha256],
  ['parameters', (r) => r.model.parameters],
  ['architecture', (r) => r.model.architecture],
];

const TRAILING: [string, (r: ResultRecord) => Cell][] = [
  ['weights_bytes', (r) => r.memory.weights_bytes],
  ['kv_cache_bytes', (r) => r.memory.kv_cache_bytes],
  ['scratch_bytes', (r) => r.memory.scratch_bytes],
  ['upload_seconds', (r) => r.timing.upload_seconds],
  ['score_seconds', (r) => r.timing.score_seconds],
  ['items_per_second', (r) => r.timing.items_per_second],
  ['tokens_per_second', (r) => r.timing.tokens_per_second],
  ['device', (r) => r.device.description],
  ['device_vendor', (r) => r.device.vendor],
  ['device_architecture', (r) => r.device.architecture],
  ['quantlab_version', (r) => r.quantlab.version],
  ['created_at', (r) => r.createdAt],
  ['sweep', (r) => r.sweep],
  ['id', (r) => r.id],
];

/**
 * The records as CSV (RFC 4180, CRLF line ends): the fields above, then one column per task
 * setting (`setting:n_ctx`) and per metric (under lm-eval's names: acc, acc_stderr, perplexity),
 * each in the order first met; a record without that setting or metric leaves it empty.
 */
export function recordsCsv(records: readonly ResultRecord[]): string {
  const settings = [...new Set(records.flatMap((r) => Object.keys(r.task.settings)))];
  const metrics = [...new Set(records.flatMap((r) => Object.keys(r.metrics)))];
  const header = [...LEADING.map(([name]) => name), ...settings.map((s) => `setting:${s}`), ...metrics, ...TRAILING.map(([name]) => name)];
  const rows = records.map((r) => [
    ...LEADING.map(([, get]) => get(r)),
    // Own keys only: a metric called "constructor" elsewhere must not read Object's prototype here.
    ...settings.map((s) => (Object.hasOwn(r.task.settings, s) ? r.task.settings[s] : null)),
    ...metrics.map((m) => (Object.hasOwn(r.metrics, m) ? r.metrics[m] : null)),
    ...TRAILING.map(([, get]) => get(r)),
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
