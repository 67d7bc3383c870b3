/**
 * The statistics the harnesses report, written as they compute them: lm-evaluation-harness's
 * mean and standard error (sample standard deviation over sqrt(n)), its pooled standard error of
 * a group weighted by size (MMLU), and llama.cpp's percentiles (linear between ranks).
 */

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : NaN;
}

/** Sample standard deviation (n - 1 in the denominator), as lm-eval's sample_stddev. */
export function sampleStddev(xs: ArrayLike<number>): number {
  if (xs.length < 2) return 0;
  const mu = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - mu) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** lm-eval's mean_stderr: sample standard deviation / sqrt(n); 0 for fewer than two items. */
export function meanStderr(xs: ArrayLike<number>): number {
  return xs.length < 2 ? 0 : sampleStddev(xs) / Math.sqrt(xs.length);
}

/** lm-eval's pooled_sample_stderr: a group's standard error from its subtasks' standard errors and sizes. */
export function pooledStderr(stderrs: readonly number[], sizes: readonly number[]): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total - sizes.length <= 0) return 0;
  let pooled = 0;
  for (let i = 0; i < sizes.length; i++) pooled += (sizes[i] - 1) * stderrs[i] ** 2 * sizes[i];
  return Math.sqrt(pooled / (total - sizes.length) / total);
}

/** Index of the first largest value, as numpy.argmax. */
export function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** llama-perplexity's percentile of sorted values: linear between the ranks around fraction * (n - 1). */
export function percentileSorted(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return NaN;
  if (fraction <= 0) return sorted[0];
  if (fraction >= 1) return sorted[sorted.length - 1];
  const p = fraction * (sorted.length - 1);
  const i = Math.floor(p);
  const f = p - i;
  return (1 - f) * sorted[i] + f * sorted[Math.min(i + 1, sorted.length - 1)];
}

/** Median of sorted values: the mean of the middle two for an even count. */
export function medianSorted(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 === 0 ? 0.5 * (sorted[n / 2] + sorted[n / 2 - 1]) : sorted[(n - 1) / 2];
}
