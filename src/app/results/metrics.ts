/**
 * What the results views show of each task: its headline metric (lm-eval's and llama.cpp's names),
 * which way is better, its unit, and how to print it. A record keeps every metric; the table and
 * charts show one a task, the one the papers compare.
 */
import type { ResultRecord } from '../../results/record';

/** Metrics that plot on one axis together: every accuracy is a share of items, every KL divergence nats a token. */
export type MetricFamily = 'accuracy' | 'perplexity' | 'kld' | 'speed' | 'other';

export interface MetricInfo {
  key: string;
  /** The axis or column title, unit included. */
  label: string;
  family: MetricFamily;
  better: 'higher' | 'lower';
  /** Shown as value x scale (accuracy as %). */
  scale: number;
  unit: string;
  /** A relative change (perplexity, speed) or a difference in the shown unit (accuracy in points, KLD in nats). */
  delta: 'relative' | 'absolute';
}

const ACCURACY = (key: string, name: string): MetricInfo => ({ key, label: `${name} (%)`, family: 'accuracy', better: 'higher', scale: 100, unit: '%', delta: 'absolute' });

const FIXED: Record<string, MetricInfo> = {
  perplexity: { key: 'perplexity', label: 'perplexity', family: 'perplexity', better: 'lower', scale: 1, unit: '', delta: 'relative' },
  kld_mean: { key: 'kld_mean', label: 'mean KL divergence (nats/token)', family: 'kld', better: 'lower', scale: 1, unit: 'nats', delta: 'absolute' },
  decode_tokens_per_second: { key: 'decode_tokens_per_second', label: 'decode (tokens/s)', family: 'speed', better: 'higher', scale: 1, unit: 'tokens/s', delta: 'relative' },
  'exact_match,strict-match': ACCURACY('exact_match,strict-match', 'exact match'),
  'exact_match,flexible-extract': ACCURACY('exact_match,flexible-extract', 'exact match'),
  acc: ACCURACY('acc', 'accuracy'),
  acc_norm: ACCURACY('acc_norm', 'normalised accuracy'),
};

/** The metric a task is compared by, in the order tried: the first one a record holds wins. */
const HEADLINE: Record<string, string[]> = {
  perplexity: ['perplexity'],
  'kl-divergence': ['kld_mean'],
  speed: ['decode_tokens_per_second'],
  gsm8k: ['exact_match,strict-match', 'exact_match,flexible-extract'],
  gsm8k_cot: ['exact_match,strict-match', 'exact_match,flexible-extract'],
};
const DEFAULT_HEADLINE = ['acc', 'acc_norm', 'exact_match,strict-match', 'perplexity'];

export function metricInfo(key: string): MetricInfo {
  return FIXED[key] ?? { key, label: key, family: 'other', better: 'higher', scale: 1, unit: '', delta: 'absolute' };
}

/** The headline metric of a record's task, or null where the record holds none of the known ones. */
export function headlineMetric(r: ResultRecord): MetricInfo | null {
  const keys = HEADLINE[r.task.name] ?? DEFAULT_HEADLINE;
  const key = keys.find((k) => Object.hasOwn(r.metrics, k));
  return key ? metricInfo(key) : null;
}

/** lm-eval's name for a metric's standard error: acc_stderr, exact_match_stderr,strict-match. */
export function stderrKey(key: string): string {
  return key.includes(',') ? key.replace(',', '_stderr,') : `${key}_stderr`;
}

export function metricValue(r: ResultRecord, key: string): number | undefined {
  return Object.hasOwn(r.metrics, key) ? r.metrics[key] : undefined;
}

/** A metric as the page prints it, unit included: 41.3 %, 17.815, 0.0123 nats, 178 tokens/s. */
export function formatMetric(info: MetricInfo, value: number): string {
  const v = value * info.scale;
  if (info.family === 'accuracy') return `${v.toFixed(1)} %`;
  if (info.family === 'kld') return `${v.toPrecision(3)} nats`;
  if (info.family === 'speed') return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} tokens/s`;
  if (info.family === 'perplexity') return v >= 1000 ? v.toFixed(0) : v.toPrecision(5);
  return Number(v.toPrecision(4)).toString();
}

/** The change from the 16-bit value: "+2.3 %" of perplexity, "−1.5 points" of accuracy. */
export function formatDelta(info: MetricInfo, value: number, baseline: number): string {
  const sign = (x: number) => (x > 0 ? '+' : x < 0 ? '−' : '±');
  if (info.delta === 'relative') {
    if (baseline === 0) return '–';
    const pct = ((value - baseline) / Math.abs(baseline)) * 100;
    return `${sign(pct)}${Math.abs(pct).toFixed(1)} %`;
  }
  const d = (value - baseline) * info.scale;
  if (info.family === 'accuracy') return `${sign(d)}${Math.abs(d).toFixed(1)} points`;
  return `${sign(d)}${Number(Math.abs(d).toPrecision(3))}${info.unit ? ` ${info.unit}` : ''}`;
}

/** Whether `a` is better than `b` for this metric. */
export function isBetter(info: Pick<MetricInfo, 'better'>, a: number, b: number): boolean {
  return info.better === 'higher' ? a > b : a < b;
}
