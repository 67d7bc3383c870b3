import { useState } from 'react';
import type { ResultRecord } from '../../results/record';
import { bitsPerWeight, count, megabytes } from '../format';
import { formatDelta, formatMetric, isBetter } from '../results/metrics';
import { baselines, bestRows, cellOf, type Column, type ResultsModel, type Row } from '../results/view';
import { Untrusted } from './Untrusted';

type SortKey = 'preset' | 'series' | 'bits' | 'weights' | 'kv' | string;
interface Sort {
  key: SortKey;
  descending: boolean;
}

const FIXED: { key: SortKey; label: string; value: (r: Row) => number; better: 'lower' }[] = [
  { key: 'bits', label: 'Bits per weight', value: (r) => r.bits, better: 'lower' },
  { key: 'weights', label: 'Weights', value: (r) => r.weightsBytes, better: 'lower' },
  { key: 'kv', label: 'KV cache', value: (r) => r.kvBytes, better: 'lower' },
];

function compare(model: ResultsModel, sort: Sort): (a: Row, b: Row) => number {
  const column = model.columns.find((c) => c.key === sort.key);
  const fixed = FIXED.find((f) => f.key === sort.key);
  const sign = sort.descending ? -1 : 1;
  return (a, b) => {
    if (sort.key === 'preset') return sign * a.preset.localeCompare(b.preset);
    if (sort.key === 'series') return sign * a.series.label.localeCompare(b.series.label);
    if (fixed) return sign * (fixed.value(a) - fixed.value(b));
    // Rows without the value go last whichever way the column is sorted.
    const va = column ? cellOf(a, column)?.value : undefined;
    const vb = column ? cellOf(b, column)?.value : undefined;
    if (va === undefined || vb === undefined) return (va === undefined ? 1 : 0) - (vb === undefined ? 1 : 0);
    return sign * (va - vb);
  };
}

/** The best of a fixed column (least bits, least memory), by row key. */
function fixedBest(rows: readonly Row[], value: (r: Row) => number): string | undefined {
  let best: Row | undefined;
  for (const r of rows) if (!best || isBetter({ better: 'lower' }, value(r), value(best))) best = r;
  return best?.key;
}

function SortButton({ label, column, sort, onSort }: { label: string; column: SortKey; sort: Sort; onSort: (s: Sort) => void }) {
  const active = sort.key === column;
  return (
    <button type="button" className="sort" onClick={() => onSort({ key: column, descending: active ? !sort.descending : false })}>
      {label}
      <span aria-hidden="true">{active ? (sort.descending ? ' ▼' : ' ▲') : ' ↕'}</span>
    </button>
  );
}

const ariaSort = (sort: Sort, key: SortKey) => (sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none');

function Best() {
  return (
    <span className="best-mark" title="best in this column">
      <span aria-hidden="true"> ★</span>
      <span className="sr-only"> (best in this column)</span>
    </span>
  );
}

/** What a perplexity cell adds under its value: bits per byte (comparable across tokenizers) and the tokens scored. */
function perplexityDetails(record: ResultRecord): string | null {
  const parts: string[] = [];
  if (Object.hasOwn(record.metrics, 'bits_per_byte')) parts.push(`${record.metrics.bits_per_byte.toFixed(4)} bits/byte`);
  if (Object.hasOwn(record.metrics, 'tokens')) parts.push(`${count(record.metrics.tokens)} tokens`);
  return parts.length ? parts.join(', ') : null;
}

function MetricCell({ row, column, base, best }: { row: Row; column: Column; base: Row | undefined; best: boolean }) {
  const cell = cellOf(row, column);
  if (!cell) return <td className="num">–</td>;
  const baseCell = base && base !== row ? cellOf(base, column) : null;
  const details = column.metric.family === 'perplexity' ? perplexityDetails(cell.record) : null;
  return (
    <td className={best ? 'num best' : 'num'} title={`exactly ${cell.value}${cell.stderr !== undefined ? ` ± ${cell.stderr}` : ''}`}>
      <span data-testid={`${column.task}-${row.preset}`} data-value={String(cell.value)}>
        {formatMetric(column.metric, cell.value)}
      </span>
      {cell.stderr !== undefined && <span className="stderr"> ± {formatMetric(column.metric, cell.stderr)}</span>}
      {best && <Best />}
      {details && <div className="delta">{details}</div>}
      {baseCell && <div className="delta">{formatDelta(column.metric, cell.value, baseCell.value)} vs 16-bit</div>}
      {base === row && <div className="delta">baseline</div>}
    </td>
  );
}

/**
 * One row a preset of a series (a sweep, or a model on a GPU), one column a task's headline
 * metric with its standard error and its change from the series' 16-bit row; the best of each
 * column starred. Every column sorts. Each metric value (data-testid `<task>-<preset>`) carries
 * its full-precision figure in data-value.
 */
export function ResultsTable({ model, caption }: { model: ResultsModel; caption?: string }) {
  const [sort, setSort] = useState<Sort>({ key: 'bits', descending: true });
  const bases = baselines(model);
  const best = bestRows(model);
  const rows = [...model.rows].sort((a, b) => compare(model, sort)(a, b) || a.series.label.localeCompare(b.series.label) || a.preset.localeCompare(b.preset));
  const multi = model.series.length > 1;
  const fixedBests = new Map(FIXED.map((f) => [f.key, fixedBest(model.rows, f.value)]));
  return (
    <div className="table-scroll" role="region" aria-labelledby="results-table-caption" tabIndex={0}>
      <table className="results" aria-label="Results">
        <caption id="results-table-caption">{caption ?? 'Results: one row a preset; click a column title to sort.'}</caption>
        <thead>
          <tr>
            <th scope="col" aria-sort={ariaSort(sort, 'preset')}>
              <SortButton label="Preset" column="preset" sort={sort} onSort={setSort} />
            </th>
            {multi && (
              <th scope="col" aria-sort={ariaSort(sort, 'series')}>
                <SortButton label="Model and GPU" column="series" sort={sort} onSort={setSort} />
              </th>
            )}
            {FIXED.map((f) => (
              <th key={f.key} scope="col" className="num" aria-sort={ariaSort(sort, f.key)}>
                <SortButton label={f.label} column={f.key} sort={sort} onSort={setSort} />
              </th>
            ))}
            {model.columns.map((c) => (
              <th key={c.key} scope="col" className="num" aria-sort={ariaSort(sort, c.key)}>
                <SortButton label={`${c.label}: ${c.metric.label}`} column={c.key} sort={sort} onSort={setSort} />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} data-testid={`result-${row.preset}`}>
              <th scope="row">
                <Untrusted text={row.preset} />
              </th>
              {multi && (
                <td>
                  <Untrusted text={row.series.label} />
                </td>
              )}
              <td className={fixedBests.get('bits') === row.key ? 'num best' : 'num'}>
                {bitsPerWeight(row.bits)}
                {fixedBests.get('bits') === row.key && <Best />}
              </td>
              <td className={fixedBests.get('weights') === row.key ? 'num best' : 'num'}>
                {megabytes(row.weightsBytes)}
                {fixedBests.get('weights') === row.key && <Best />}
              </td>
              <td className="num">{megabytes(row.kvBytes)}</td>
              {model.columns.map((c) => (
                <MetricCell key={c.key} row={row} column={c} base={bases.get(row.key)} best={best.get(c.key) === row.key} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint" id="results-table-note">
        Every number the charts below draw is in this table: ± is one standard error; deltas compare with the 16-bit (fp16) row of the same model; ★ marks the best of each column.
      </p>
    </div>
  );
}
