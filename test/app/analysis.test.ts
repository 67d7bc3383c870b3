import { describe, expect, test } from 'vitest';
import { paretoFront, ranks, spearman } from '../../src/app/results/analysis';
import { seeded } from '../results/sweepFixture';

/** The textbook definition with distinct values: 1 - 6 sum d^2 / (n (n^2 - 1)). */
function spearmanDistinct(xs: number[], ys: number[]): number {
  const rank = (v: number[]) => v.map((x) => v.filter((y) => y < x).length + 1);
  const rx = rank(xs);
  const ry = rank(ys);
  const n = xs.length;
  const d2 = rx.reduce((s, r, i) => s + (r - ry[i]) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

describe('ranks and Spearman', () => {
  test('ties share their mean rank, as scipy rankdata', () => {
    expect(ranks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });

  test('with ties: Pearson correlation of the average ranks', () => {
    // Ranks [1, 2.5, 2.5, 4, 5] and [2, 1, 3.5, 3.5, 5], both of mean 3: 7.25 / sqrt(9.5 * 9.5); scipy.stats.spearmanr says 0.7631578947368421.
    expect(spearman([1, 2, 2, 3, 4], [2, 1, 3, 3, 5])).toBeCloseTo(7.25 / 9.5, 12);
  });

  test('matches the distinct-value formula on fresh random data', () => {
    const seed = Number(process.env.TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`spearman seed ${seed}`);
    const next = seeded(seed);
    for (let t = 0; t < 50; t++) {
      const n = 3 + Math.floor(next() * 20);
      const xs = Array.from({ length: n }, () => next());
      const ys = Array.from({ length: n }, () => next());
      expect(spearman(xs, ys)).toBeCloseTo(spearmanDistinct(xs, ys), 10);
    }
  });

  test('perfect orderings give ±1, too few or constant values NaN', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2], [1, 2])).toBeNaN();
    expect(spearman([1, 2, 3], [5, 5, 5])).toBeNaN();
  });
});

describe('Pareto front', () => {
  test('keeps the undominated points, fastest first', () => {
    const points = [
      { speed: 100, quality: 0.6 },
      { speed: 150, quality: 0.55 },
      { speed: 120, quality: 0.5 }, // dominated by 150 / 0.55
      { speed: 200, quality: 0.3 },
      { speed: 90, quality: 0.6 }, // dominated by 100 / 0.6
    ];
    expect(paretoFront(points, true)).toEqual([3, 1, 0]);
  });

  test('lower-is-better quality (perplexity) turns the comparison round', () => {
    const points = [
      { speed: 100, quality: 10 },
      { speed: 150, quality: 12 },
      { speed: 140, quality: 13 },
    ];
    expect(paretoFront(points, false)).toEqual([1, 0]);
  });

  test('on fresh random points no front point is dominated and every other point is', () => {
    const seed = Number(process.env.TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`pareto seed ${seed}`);
    const next = seeded(seed);
    const points = Array.from({ length: 40 }, () => ({ speed: Math.round(next() * 20), quality: Math.round(next() * 20) }));
    const front = new Set(paretoFront(points, true));
    const dominates = (o: (typeof points)[0], p: (typeof points)[0]) => o.speed >= p.speed && o.quality >= p.quality && (o.speed > p.speed || o.quality > p.quality);
    points.forEach((p, i) => expect(front.has(i)).toBe(!points.some((o) => dominates(o, p))));
  });
});
