import type { ResultRecord } from '../../../results/record';
import type { MetricInfo } from '../../results/metrics';
import { cellOf, type Column, type Row } from '../../results/view';

/** One plotted point, carrying the record it shows so the tooltip can say exactly what was measured. */
export interface Point {
  x: number;
  y: number;
  /** Standard error of y, in y's unit. */
  err?: number;
  preset: string;
  record: ResultRecord;
  metric: MetricInfo;
  /** A second record the point combines (the speed measurement beside the quality one). */
  other?: { record: ResultRecord; metric: MetricInfo };
}

/** The row's value of `column` in the unit the axis shows (accuracy in %), with its error bar. */
export function yOf(row: Row, column: Column): { y: number; err?: number; record: ResultRecord } | null {
  const cell = cellOf(row, column);
  if (!cell) return null;
  const scale = column.metric.scale;
  return { y: cell.value * scale, err: cell.stderr === undefined ? undefined : cell.stderr * scale, record: cell.record };
}

export const megabytes = (bytes: number) => bytes / 1e6;

/** Tick labels with three significant digits at most: 17.8, 0.0123, 2000. */
export function tick(v: number): string {
  return String(Number(v.toPrecision(3)));
}
