/**
 * Every task QuantLab runs, with what the page and the CLI need to offer it: the kind of
 * scoring, the rows it reads, its shots, its settings and their defaults, the metrics it reports.
 */
import type { RowSchemaName } from '../../data/schemas';
import { gsm8k, gsm8kCot } from './gsm8k';
import { lambadaOpenai, quantlabLastword } from './lastWord';
import { arcChallenge, arcEasy, boolq, hellaswag, mmlu, piqa, quantlabContinuation, truthfulqaMc1, truthfulqaMc2, winogrande } from './multipleChoice';
import { TaskError, type ItemTask } from './types';

export type TaskKind = 'multiple_choice' | 'loglikelihood' | 'generate_until' | 'perplexity' | 'kl-divergence' | 'speed';

export interface TaskSetting {
  default: number;
  min: number;
  max: number;
  /** Plain words, with the unit. */
  describe: string;
}

export interface TaskEntry {
  name: string;
  title: string;
  kind: TaskKind;
  version: number;
  /** Row layout of its dataset; text tasks read `text` rows (joined with a blank line). */
  schema: RowSchemaName;
  /** The registry id of the dataset it reads (src/data/registry.ts): two tasks may read one (gsm8k_cot reads gsm8k). */
  dataset: string;
  /** The dataset it runs on when none is given: one that ships with the lab, or null (the user imports one). */
  embedded: string | null;
  shots: { default: number; max: number; fewshotSplit: string | null };
  settings: Record<string, TaskSetting>;
  /** Metric names it reports (lm-eval's and llama.cpp's), standard errors aside. */
  metrics: readonly string[];
  describe: string;
  /** The formatter and scorer of item tasks. */
  itemTask: ItemTask | null;
}

const MAX_LENGTH: TaskSetting = {
  default: 4096,
  min: 16,
  max: 1_000_000,
  describe: "longest model input in tokens (lm-eval's max_length; inputs are cut from the left), at most the model's context",
};

function itemEntry(task: ItemTask, metrics: readonly string[], embedded: string | null = null, dataset = task.name): TaskEntry {
  const fs = task.fewshot;
  return {
    name: task.name,
    title: task.title,
    kind: task.kind,
    version: task.version,
    schema: task.schema,
    dataset,
    embedded,
    shots: { default: fs?.defaultShots ?? 0, max: fs?.maxShots ?? 0, fewshotSplit: fs?.source === 'split' ? fs.split : null },
    settings:
      task.kind === 'generate_until'
        ? { max_length: MAX_LENGTH, max_gen_toks: { default: 256, min: 1, max: 4096, describe: 'most tokens generated (lm-eval: max_gen_toks)' } }
        : { max_length: MAX_LENGTH },
    metrics,
    describe: task.describe,
    itemTask: task,
  };
}

const N_CTX: TaskSetting = { default: 512, min: 8, max: 1_000_000, describe: 'window length n_ctx in tokens' };

export const TASKS: readonly TaskEntry[] = [
  {
    name: 'perplexity',
    title: 'Perplexity',
    kind: 'perplexity',
    version: 1,
    schema: 'text',
    dataset: 'quantlab_heldout',
    embedded: 'quantlab_heldout',
    shots: { default: 0, max: 0, fewshotSplit: null },
    settings: { n_ctx: N_CTX },
    metrics: ['perplexity', 'bits_per_byte', 'tokens'],
    describe: "as llama-perplexity: floor(tokens / n_ctx) windows, each window's second half scored; perplexity, bits per byte, tokens scored.",
    itemTask: null,
  },
  {
    name: 'kl-divergence',
    title: 'KL divergence from 16-bit',
    kind: 'kl-divergence',
    version: 1,
    schema: 'text',
    dataset: 'quantlab_heldout',
    embedded: 'quantlab_heldout',
    shots: { default: 0, max: 0, fewshotSplit: null },
    settings: { n_ctx: N_CTX, top_k: { default: 32, min: 1, max: 1024, describe: "log-probabilities of the 16-bit model kept a token (the rest's mass kept as one number)" } },
    metrics: ['kld_mean', 'kld_median', 'kld_p90', 'kld_p99', 'kld_max', 'same_top1', 'delta_p_mean', 'delta_p_rms', 'ppl_ratio', 'tokens'],
    describe:
      'as llama-perplexity --kl-divergence, over the perplexity windows: KL(P_16bit || P_preset) per token (mean, median, 90th and 99th percentile, maximum), ' +
      'same top-1 token (%), mean and RMS of the change of the correct token\'s probability (percentage points), PPL(preset)/PPL(16-bit).',
    itemTask: null,
  },
  {
    name: 'speed',
    title: 'Speed and memory',
    kind: 'speed',
    version: 1,
    schema: 'text',
    dataset: 'quantlab_heldout',
    embedded: 'quantlab_heldout',
    shots: { default: 0, max: 0, fewshotSplit: null },
    settings: {
      prompt_tokens: { default: 512, min: 1, max: 1_000_000, describe: 'prompt length for prefill, tokens' },
      decode_tokens: { default: 128, min: 1, max: 100_000, describe: 'tokens decoded greedily after the prompt' },
      repeat: { default: 3, min: 1, max: 100, describe: 'timed repetitions after a warm-up; the fastest is kept' },
    },
    metrics: ['prefill_tokens_per_second', 'decode_tokens_per_second', 'time_to_first_token_ms', 'decode_bandwidth_gb_per_s'],
    describe: 'prefill tokens/s at the stated prompt length, time to first token, greedy decode tokens/s at the stated context, GPU memory of weights, KV cache and scratch.',
    itemTask: null,
  },
  itemEntry(arcEasy, ['acc', 'acc_norm']),
  itemEntry(arcChallenge, ['acc', 'acc_norm']),
  itemEntry(piqa, ['acc', 'acc_norm']),
  itemEntry(hellaswag, ['acc', 'acc_norm']),
  itemEntry(winogrande, ['acc']),
  itemEntry(boolq, ['acc']),
  itemEntry(mmlu, ['acc']),
  itemEntry(truthfulqaMc1, ['acc']),
  itemEntry(truthfulqaMc2, ['acc']),
  itemEntry(lambadaOpenai, ['perplexity', 'acc', 'tokens']),
  itemEntry(gsm8k, ['exact_match,strict-match', 'exact_match,flexible-extract']),
  itemEntry(gsm8kCot, ['exact_match,strict-match', 'exact_match,flexible-extract'], null, 'gsm8k'),
  itemEntry(quantlabLastword, ['perplexity', 'acc', 'tokens'], 'quantlab_lastword'),
  itemEntry(quantlabContinuation, ['acc', 'acc_norm'], 'quantlab_continuation'),
];

export function taskEntry(name: string): TaskEntry {
  const entry = TASKS.find((t) => t.name === name);
  if (!entry) throw new TaskError(`unknown task "${name}": QuantLab runs ${TASKS.map((t) => t.name).join(', ')}`);
  return entry;
}
