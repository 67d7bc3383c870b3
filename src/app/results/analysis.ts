/**
 * The two questions the charts ask of a sweep, as plain functions: which presets no other beats
 * on both quality and speed (the Pareto front), and whether perplexity ranks presets as a task
 * does (Spearman's rank correlation).
 */

/** Ranks from 1, ties sharing the mean of the ranks they span (as scipy.stats.rankdata's 'average'). */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k][1]] = rank;
    i = j + 1;
  }
  return out;
}

/**
 * Spearman's rank correlation: Pearson's correlation of the ranks (as scipy.stats.spearmanr), so
 * ties count correctly. NaN for fewer than three pairs or where one side is constant.
 */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new Error(`spearman: ${xs.length} values against ${ys.length}`);
  if (xs.length < 3) return NaN;
  const rx = ranks(xs);
  const ry = ranks(ys);
  const mean = (rx.length + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) ** 2;
    syy += (ry[i] - mean) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

export interface Tradeoff {
  /** Higher is better. */
  speed: number;
  quality: number;
}

/**
 * Indices of the points no other point dominates (at least as fast and at least as good, better
 * in one), fastest first. `higherIsBetter` says which way quality goes.
 */
export function paretoFront(points: readonly Tradeoff[], higherIsBetter: boolean): number[] {
  const q = (p: Tradeoff) => (higherIsBetter ? p.quality : -p.quality);
  const front: number[] = [];
  points.forEach((p, i) => {
    const dominated = points.some((o, j) => j !== i && o.speed >= p.speed && q(o) >= q(p) && (o.speed > p.speed || q(o) > q(p)));
    if (!dominated) front.push(i);
  });
  return front.sort((a, b) => points[b].speed - points[a].speed || a - b);
}
