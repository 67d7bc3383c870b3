/**
 * `quantlab eval`: one model, several presets, several tasks; one result record a line with
 * --json. Checkpoints and the 16-bit KL-divergence reference live in the cache folder, so an
 * interrupted run started again resumes from its last finished chunk. --shard i/n runs every
 * n-th cell: the shards of one command line share their sweep id, and `quantlab merge` joins them.
 */
import { Command, InvalidArgumentError } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../gpu/context';
import { checkpointStore } from '../eval/checkpoint';
import { BUILT_IN_MODELS } from '../model/builtin';
import { KldReferenceStore } from '../eval/kldReference';
import { folderStore } from '../eval/stores/node';
import { runSweep, sweepCells, type SweepProgress, type SweepSpec, type TaskRequest } from '../eval/sweep';
import { taskEntry } from '../eval/tasks/registry';
import { modelSha256 } from '../model/hash';
import type { ResultRecord } from '../results/record';
import { recordsJsonl } from '../results/export';
import { sha256Hex } from '../util/sha256';
import { openForPresets, withGpu } from './common';
import { cliDatasets } from './datasets';
import { dataFile, nonNegativeInt, positiveInt, presetList, shard } from './options';
import { ProgressLine } from './progress';
import { DEFAULT_MODEL_DIR } from './source';

export function cacheDir(): string {
  return process.env.QUANTLAB_CACHE ?? join(homedir(), '.cache', 'quantlab');
}

/** Task settings the command line sets, by the setting's name. */
const SETTING_OPTIONS = { ctx: 'n_ctx', topK: 'top_k', maxLength: 'max_length', maxGenToks: 'max_gen_toks', prompt: 'prompt_tokens', decode: 'decode_tokens', repeat: 'repeat' } as const;

function summary(r: ResultRecord): string {
  const m = r.metrics;
  const f = (x: number | undefined, d = 4) => (x === undefined ? '-' : x.toFixed(d));
  const pm = (name: string) => (m[name] === undefined ? '' : ` ${name} ${f(m[name])}${m[`${name}_stderr`] === undefined ? '' : ` ± ${f(m[`${name}_stderr`])}`}`);
  let what: string;
  switch (r.task.name) {
    case 'perplexity':
      what = ` perplexity ${f(m.perplexity)}, ${f(m.bits_per_byte)} bits/byte over ${m.tokens} tokens (n_ctx ${r.task.settings.n_ctx})`;
      break;
    case 'kl-divergence':
      what =
        ` KLD mean ${m.kld_mean.toExponential(4)} (median ${m.kld_median.toExponential(3)}, p99 ${m.kld_p99.toExponential(3)}, max ${m.kld_max.toExponential(3)}), ` +
        `same top-1 ${f(m.same_top1, 2)}%, Δp mean ${f(m.delta_p_mean, 3)}%, RMS ${f(m.delta_p_rms, 3)}%, PPL ratio ${f(m.ppl_ratio)} over ${m.tokens} tokens`;
      break;
    case 'speed':
      what = ` prefill ${f(m.prefill_tokens_per_second, 0)} tok/s, first token ${f(m.time_to_first_token_ms, 1)} ms, decode ${f(m.decode_tokens_per_second, 1)} tok/s`;
      break;
    default:
      what = Object.keys(m)
        .filter((k) => !k.includes('stderr') && k !== 'tokens' && k !== 'generated_tokens')
        .map((k) => pm(k))
        .join(',');
  }
  const items = r.task.limit ?? r.task.dataset.rows;
  return (
    `${r.preset.name} ${r.task.name}:${what}; ${r.task.name === 'perplexity' || r.task.name === 'kl-divergence' ? '' : `${items} items, `}` +
    `weights ${formatBytes(r.memory.weights_bytes)}, scoring ${r.timing.score_seconds.toFixed(1)} s (${r.timing.items_per_second.toFixed(2)} items/s)`
  );
}

function progressReporter(progress: ProgressLine) {
  return (p: SweepProgress) => {
    const c = p.current;
    const cells = `[cell ${Math.min(p.cellsDone + 1, p.cellsTotal)}/${p.cellsTotal}]`;
    if (c.stage === 'hash') progress.update(`${cells} hashing the weights`, Math.round(c.progress.bytesDone / 2 ** 20), Math.round(c.progress.bytesTotal / 2 ** 20), 'MiB');
    else if (c.stage === 'upload') progress.update(`${cells} ${c.preset}: loading weights`, c.progress.done, c.progress.total, 'tensors');
    else if (c.stage === 'reference') progress.update(`${cells} 16-bit reference for KL divergence`, c.done, c.total, 'windows');
    else {
      const q = c.progress;
      progress.update(`${cells} ${c.cell.preset} ${c.cell.entry.name}: scoring`, q.done, q.total, q.unit, q.secondsLeft, `${q.itemsPerSecond.toFixed(2)} ${q.unit}/s`);
    }
  };
}

export function evalCommand(): Command {
  return new Command('eval')
    .description('Evaluate a model under one or more quantization presets on one or more tasks (a sweep).')
    .option('--model <model>', `"default" (${DEFAULT_MODEL_DIR}), a built-in model (${BUILT_IN_MODELS.map((m) => m.id).join(', ')}), a local model folder, or a Hugging Face repo id`, 'default')
    .option('--preset <names>', 'preset name(s), comma-separated: fp16, w8g128, w4g128, w4g128+kv4, ...', presetList, ['fp16'])
    .option('--task <names>', 'task(s), comma-separated: perplexity, kl-divergence, speed, arc_easy, piqa, hellaswag, mmlu, ... (see README)', presetList, ['perplexity'])
    .option('--data <task=file>', 'rows of a task (repeatable): TASK=FILE (files comma-separated, or a folder, in any format the importers read); a bare FILE is the text of perplexity and kl-divergence', dataFile, {})
    .option('--limit <n>', 'score only the first N items (windows for perplexity and kl-divergence) of each task', positiveInt)
    .option('--shots <k>', "few-shot examples (default: each task's own)", nonNegativeInt)
    .option('--seed <n>', 'seed of the few-shot draw, recorded with the results', nonNegativeInt, 0)
    .option('--chat-template', "render prompts through the model's chat template (lm-eval's --apply_chat_template)")
    .option('--ctx <tokens>', 'window length n_ctx for perplexity and kl-divergence', positiveInt)
    .option('--top-k <k>', 'log-probabilities of the 16-bit model kept a token for kl-divergence', positiveInt)
    .option('--max-length <tokens>', 'longest model input of the item tasks (inputs are cut from the left)', positiveInt)
    .option('--max-gen-toks <tokens>', 'most tokens a generation task generates', positiveInt)
    .option('--prompt <tokens>', 'prompt length of the speed task', positiveInt)
    .option('--decode <tokens>', 'tokens decoded by the speed task', positiveInt)
    .option('--repeat <n>', 'timed repetitions of the speed task', positiveInt)
    .option('--shard <i/n>', 'run every n-th cell of the sweep, starting at cell i (0-based): for array jobs', shard)
    .option('--sweep <id>', 'the sweep id the records share (default: one derived from the command line, the same in every shard)')
    .option('--no-prefix-reuse', "run every choice's whole input (to measure what sharing the context saves)")
    .option('--json', 'print one JSON result record a line to stdout')
    .action(async (opts) => {
      const tasks: TaskRequest[] = (opts.task as string[]).map((name) => {
        const entry = taskEntry(name);
        const settings: Record<string, number> = {};
        for (const [option, setting] of Object.entries(SETTING_OPTIONS)) {
          if (opts[option] !== undefined && setting in entry.settings) settings[setting] = opts[option];
        }
        return { task: name, limit: opts.limit ?? null, shots: opts.shots, seed: opts.seed, chatTemplate: Boolean(opts.chatTemplate), settings };
      });
      for (const key of Object.keys(opts.data as Record<string, string>)) {
        const name = key === '*text' ? null : key;
        if (name !== null && !tasks.some((t) => t.task === name)) throw new InvalidArgumentError(`--data names ${name}, which is not among the tasks (--task ${(opts.task as string[]).join(',')})`);
      }
      const { source, model, presets } = await openForPresets(opts.model, opts.preset);
      const spec: SweepSpec = { presets, tasks, shard: opts.shard };
      sweepCells(spec);
      const progress = new ProgressLine();
      const cache = cacheDir();
      const datasets = cliDatasets(opts.data, source, cache, (t) => progress.note(t));
      // Every task's rows are read (and --data files imported) before the weights are hashed or
      // the GPU is taken, so a bad file is refused at once.
      for (const t of tasks) await datasets.rows(t.task, 'eval');
      const hash = await modelSha256(model.files, { onProgress: (p) => progress.update('hashing the weights', Math.round(p.bytesDone / 2 ** 20), Math.round(p.bytesTotal / 2 ** 20), 'MiB') });
      spec.id = opts.sweep ?? (await sha256Hex(JSON.stringify({ hash, presets, tasks, data: opts.data }))).slice(0, 16);
      await withGpu(async (gpu) => {
        await runSweep(
          gpu,
          spec,
          { model, modelSha256: hash, rows: datasets.rows },
          {
            checkpoints: checkpointStore(folderStore(join(cache, 'checkpoints'))),
            references: new KldReferenceStore(folderStore(join(cache, 'kld-reference'))),
            onProgress: progressReporter(progress),
            prefixReuse: opts.prefixReuse,
            onRecord: (record) => {
              progress.done();
              process.stdout.write(opts.json ? recordsJsonl([record]) : `${summary(record)}\n`);
            },
          },
        );
      });
    });
}
