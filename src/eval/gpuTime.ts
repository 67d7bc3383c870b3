/** Wall-clock GPU timing for the benches: work recorded once and submitted whole, so one submit's cost is spread over many dispatches. */
import type { Dispatch, GpuContext } from '../gpu/context';

/**
 * Milliseconds one repetition of `encode` takes on the GPU: `encode(encoder, n)` records n
 * repetitions; the time of 2n minus that of n (the best of `tries` each) cancels the submit
 * and the wait, which a lone measurement would count.
 */
export async function timePerRepetition(
  gpu: GpuContext,
  encode: (encoder: GPUCommandEncoder, repetitions: number) => void,
  repetitions: number,
  tries = 3,
): Promise<number> {
  const best = async (n: number) => {
    let fastest = Infinity;
    for (let t = 0; t < tries; t++) {
      const encoder = gpu.device.createCommandEncoder();
      encode(encoder, n);
      const commands = encoder.finish();
      const t0 = performance.now();
      gpu.device.queue.submit([commands]);
      await gpu.device.queue.onSubmittedWorkDone();
      fastest = Math.min(fastest, performance.now() - t0);
      // An invalid pipeline makes the work a no-op that finishes at once: no time to report.
      gpu.throwIfBroken();
    }
    return fastest;
  };
  await best(1);
  const once = await best(repetitions);
  const twice = await best(2 * repetitions);
  return Math.max(twice - once, 1e-6) / repetitions;
}

/** Encodes `count` repetitions in one compute pass of `encoder`, repetition i's dispatches from `record(i)`. */
export function inOnePass(gpu: GpuContext, encoder: GPUCommandEncoder, count: number, record: (i: number) => readonly Dispatch[]): void {
  const dispatches: Dispatch[] = [];
  for (let i = 0; i < count; i++) dispatches.push(...record(i));
  gpu.encode(encoder, dispatches);
}
