/**
 * The records a results view shows, arranged for the table and the charts: series (one sweep, or
 * one model on one GPU), rows (a preset of a series) and columns (a task with its settings), the
 * 16-bit row each series compares against, and the best value of each column.
 */
import { parsePreset } from '../../quant/presets';
import type { ResultRecord } from '../../results/record';
import { cleanText } from '../../util/text';
import { headlineMetric, isBetter, metricValue, stderrKey, type MetricInfo } from './metrics';

/** Where records come from: this browser's history, or a link or file someone shared. */
export interface RecordSource {
  id: string;
  /** "shared link", "file results.json"; empty for this browser's own history. */
  label: string;
  records: readonly ResultRecord[];
  /** One series a sweep (picked sweeps) or one a model and GPU (the newest results, links). */
  bySweep: boolean;
}

export interface Series {
  key: string;
  /** Model, GPU and where it came from, for the legend. */
  label: string;
  model: string;
  parameters: number;
  device: string;
  origin: string;
}

export interface Column {
  key: string;
  task: string;
  /** The task, with its settings where two columns share the task's name. */
  label: string;
  metric: MetricInfo;
}

export interface Row {
  key: string;
  series: Series;
  preset: string;
  bits: number;
  weightsBytes: number;
  kvBytes: number;
  scratchBytes: number;
  /** The newest record of each column, by column key. */
  cells: Map<string, ResultRecord>;
}

export interface Cell {
  record: ResultRecord;
  value: number;
  stderr: number | undefined;
}

export interface ResultsModel {
  series: Series[];
  columns: Column[];
  rows: Row[];
}

/** Columns in the order the papers read them, whatever order the records came in: the text metrics, tasks by name, speed last. */
const FAMILY_ORDER = ['perplexity', 'kld', 'accuracy', 'other', 'speed'];

/** Two records fill the same column when they ran the same task on the same data with the same settings. */
function columnKey(r: ResultRecord): string {
  return JSON.stringify([r.task.name, r.task.version, r.task.dataset.name, r.task.limit, r.task.shots, r.task.chat_template, r.task.settings]);
}

function settingsText(r: ResultRecord): string {
  const parts = Object.entries(r.task.settings).map(([k, v]) => `${k} ${v}`);
  if (r.task.limit !== null) parts.push(`limit ${r.task.limit}`);
  if (r.task.shots) parts.push(`${r.task.shots}-shot`);
  return parts.join(', ');
}

function seriesOf(source: RecordSource, r: ResultRecord, multipleSources: boolean): Series {
  const key = JSON.stringify([source.id, source.bySweep ? r.sweep : [r.model.name, r.device.description]]);
  const from = source.label ? ` (${source.label})` : multipleSources ? ' (this browser)' : '';
  const when = source.bySweep ? `, ${r.createdAt.slice(0, 10)}` : '';
  // Labels go into legends and SVG text, where no <bdi> isolates them: control and bidi characters go here.
  const model = cleanText(r.model.name);
  const device = cleanText(r.device.description);
  return {
    key,
    label: `${model} on ${device || 'an unnamed GPU'}${when}${cleanText(from)}`,
    model,
    parameters: r.model.parameters,
    device,
    origin: source.label,
  };
}

/** The rows and columns of `sources`, newest record winning where two fill one cell. */
export function resultsModel(sources: readonly RecordSource[]): ResultsModel {
  const series = new Map<string, Series>();
  const columns = new Map<string, Column & { settings: string }>();
  const rows = new Map<string, Row>();
  const multiple = sources.length > 1;
  for (const source of sources) {
    for (const r of source.records) {
      const metric = headlineMetric(r);
      if (!metric) continue;
      const s = seriesOf(source, r, multiple);
      if (!series.has(s.key)) series.set(s.key, s);
      const ck = columnKey(r);
      if (!columns.has(ck)) columns.set(ck, { key: ck, task: cleanText(r.task.name), label: cleanText(r.task.name), metric, settings: settingsText(r) });
      const rk = JSON.stringify([s.key, r.preset.name]);
      let row = rows.get(rk);
      if (!row) {
        row = { key: rk, series: series.get(s.key)!, preset: r.preset.name, bits: r.preset.bits_per_weight, weightsBytes: 0, kvBytes: 0, scratchBytes: 0, cells: new Map() };
        rows.set(rk, row);
      }
      const before = row.cells.get(ck);
      if (!before || before.createdAt < r.createdAt) row.cells.set(ck, r);
      row.weightsBytes = Math.max(row.weightsBytes, r.memory.weights_bytes);
      row.kvBytes = Math.max(row.kvBytes, r.memory.kv_cache_bytes);
      row.scratchBytes = Math.max(row.scratchBytes, r.memory.scratch_bytes);
    }
  }
  // A task name that appears with two settings (two window lengths) names its settings.
  const byTask = new Map<string, number>();
  for (const c of columns.values()) byTask.set(c.task, (byTask.get(c.task) ?? 0) + 1);
  const cols = [...columns.values()]
    .map(({ settings, ...c }) => ({ ...c, label: (byTask.get(c.task) ?? 0) > 1 && settings ? `${c.task} (${settings})` : c.task }))
    .sort((a, b) => FAMILY_ORDER.indexOf(a.metric.family) - FAMILY_ORDER.indexOf(b.metric.family) || a.task.localeCompare(b.task));
  return { series: [...series.values()], columns: cols, rows: [...rows.values()] };
}

export function cellOf(row: Row, column: Column): Cell | null {
  const record = row.cells.get(column.key);
  if (!record) return null;
  const value = metricValue(record, column.metric.key);
  if (value === undefined) return null;
  return { record, value, stderr: metricValue(record, stderrKey(column.metric.key)) };
}

/**
 * Whether a preset quantizes the weights alone: such presets differ only in bits per weight, so
 * the charts join them with a line; activation and KV presets share their weights' bits and are
 * drawn as points beside it.
 */
export function weightsOnly(preset: string): boolean {
  try {
    const p = parsePreset(preset);
    return p.activations === null && p.kv === null;
  } catch {
    return false;
  }
}

/** A 16-bit preset: no part of it quantized. */
export function isSixteenBit(preset: string): boolean {
  return preset === 'fp16';
}

/** The row each row compares against: the 16-bit row of its series, else of its model in another series, else none. */
export function baselines(model: ResultsModel): Map<string, Row> {
  const out = new Map<string, Row>();
  const ownSeries = new Map<string, Row>();
  const ownModel = new Map<string, Row>();
  for (const row of model.rows) {
    if (!isSixteenBit(row.preset)) continue;
    if (!ownSeries.has(row.series.key)) ownSeries.set(row.series.key, row);
    if (!ownModel.has(row.series.model)) ownModel.set(row.series.model, row);
  }
  for (const row of model.rows) {
    const base = ownSeries.get(row.series.key) ?? ownModel.get(row.series.model);
    if (base) out.set(row.key, base);
  }
  return out;
}

/** Per column, the key of the row holding its best value (the first one, where several tie). */
export function bestRows(model: ResultsModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const column of model.columns) {
    let best: { row: string; value: number } | null = null;
    for (const row of model.rows) {
      const cell = cellOf(row, column);
      if (cell && (!best || isBetter(column.metric, cell.value, best.value))) best = { row: row.key, value: cell.value };
    }
    if (best) out.set(column.key, best.row);
  }
  return out;
}

/**
 * The records of `history` (newest first) a results page shows when nothing is picked: the newest
 * record of each preset and task of the newest record's model.
 */
export function newestComparison(history: readonly ResultRecord[]): ResultRecord[] {
  const model = history[0]?.model.name;
  const seen = new Set<string>();
  const out: ResultRecord[] = [];
  for (const r of history) {
    if (r.model.name !== model) continue;
    const key = JSON.stringify([r.preset.name, columnKey(r), r.device.description]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}
