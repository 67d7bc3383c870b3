/**
 * Where a decode step's GPU time goes (`quantlab bench --profile`): the recorded greedy step's
 * dispatches grouped by kernel (entry point and override constants), each group replayed alone
 * and timed as the benches time (src/eval/gpuTime.ts). A group alone loses the barriers and
 * overlaps it has inside the step, so the groups' times need not add up to the step's; the
 * step's own GPU time, against the wall-clock time a token takes, shows the host's share.
 */
import type { Dispatch, GpuContext } from '../gpu/context';
import { inOnePass, timePerRepetition } from './gpuTime';

export interface KernelShare {
  /** The pipeline's label: entry point, then its override constants. */
  kernel: string;
  dispatches: number;
  /** GPU time of the group's dispatches, a step. */
  microseconds: number;
}

export interface DecodeProfile {
  /** GPU time of the whole recorded step, replayed back to back (no read-back between steps). */
  step_microseconds: number;
  dispatches: number;
  /** Slowest first. */
  kernels: KernelShare[];
}

/** Times `step` (a recorded decode step, ready to replay) whole and kernel by kernel, `repetitions` replays a timing. */
export async function profileDecodeStep(gpu: GpuContext, step: readonly Dispatch[], repetitions: number): Promise<DecodeProfile> {
  const time = async (dispatches: readonly Dispatch[]) =>
    1000 * (await timePerRepetition(gpu, (encoder, n) => inOnePass(gpu, encoder, n, () => dispatches), repetitions));
  const groups = new Map<string, Dispatch[]>();
  for (const d of step) {
    const kernel = d.pipeline.label || 'unlabelled';
    const group = groups.get(kernel);
    if (group) group.push(d);
    else groups.set(kernel, [d]);
  }
  const kernels: KernelShare[] = [];
  for (const [kernel, dispatches] of groups) kernels.push({ kernel, dispatches: dispatches.length, microseconds: await time(dispatches) });
  kernels.sort((a, b) => b.microseconds - a.microseconds);
  return { step_microseconds: await time(step), dispatches: step.length, kernels };
}

/** Lines for a terminal: the step against a token's wall-clock time (chained, and a step at a time), then each kernel's share. */
export function formatDecodeProfile(profile: DecodeProfile, chainedMicroseconds: number, singleMicroseconds: number): string[] {
  const lines = [
    `  decode step: ${profile.dispatches} dispatches, ${profile.step_microseconds.toFixed(0)} us of GPU time replayed back to back; ` +
      `a token takes ${chainedMicroseconds.toFixed(0)} us in chained steps, ${singleMicroseconds.toFixed(0)} us a step at a time with its read-back`,
  ];
  for (const k of profile.kernels) {
    const share = (100 * k.microseconds) / profile.step_microseconds;
    lines.push(`    ${k.microseconds.toFixed(1).padStart(9)} us ${share.toFixed(0).padStart(3)}%  ${String(k.dispatches).padStart(4)} x ${k.kernel}`);
  }
  return lines;
}
