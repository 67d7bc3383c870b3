import { afterEach, beforeEach, expect } from 'vitest';
import { acquireNodeGpu } from '../../src/gpu/node';
import type { GpuContext } from '../../src/gpu/context';

let shared: Promise<GpuContext> | null = null;

/** One Dawn device for a whole test file. */
export function testGpu(): Promise<GpuContext> {
  shared ??= acquireNodeGpu();
  return shared;
}

/**
 * For a test file whose tests set the shared device's `directKernels` (to run both kernel
 * families): puts back the value each test found, pass or fail, so no test runs on the family
 * an earlier one left behind.
 */
export function restoreDirectKernelsAfterEach(): void {
  let saved: boolean | null = null;
  beforeEach(async () => {
    saved = (await testGpu()).directKernels;
  });
  afterEach(async () => {
    if (saved !== null) (await testGpu()).directKernels = saved;
  });
}

/** A seeded generator, so a failure can be replayed from the seed printed with it. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * The seed of a randomized test: TEST_SEED when it is set (to replay a failure), else a fresh one.
 * Printed with the test's name either way, so a run's log holds what replays it.
 */
export function freshSeed(): number {
  const given = process.env.TEST_SEED;
  let seed: number;
  if (given !== undefined && given !== '') {
    seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`TEST_SEED=${given} is not a whole number from 0 to 4294967295`);
  } else {
    seed = (Date.now() ^ Math.floor(Math.random() * 2 ** 31)) >>> 0;
  }
  console.log(`seed ${seed} for "${expect.getState().currentTestName ?? 'a test'}" (TEST_SEED=${seed} replays it)`);
  return seed;
}

export function randomArray(n: number, next: () => number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (next() * 2 - 1) * scale;
  return out;
}

/** max |a-b| / max |b|: the error measure every kernel test holds under 1e-3. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-30);
}
