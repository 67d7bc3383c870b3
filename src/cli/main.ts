import { Command, InvalidArgumentError } from 'commander';
import { runPerplexity, type RunStage } from '../eval/run';
import { acquireNodeGpu } from '../gpu/node';
import { formatBytes, type GpuContext } from '../gpu/context';
import { runSpeedBenchmark } from '../eval/speed';
import { loadModel } from '../model/load';
import { openModelSource, DEFAULT_MODEL_DIR } from './source';
import { positiveInt, presetList, readTextFile, uniquePresets } from './options';
import { ProgressLine } from './progress';
import { validatePresetForModel } from '../quant/presets';

async function withGpu<T>(work: (gpu: GpuContext) => Promise<T>): Promise<T> {
  const gpu = await acquireNodeGpu();
  process.stderr.write(`GPU: ${gpu.info.description}\n`);
  try {
    return await work(gpu);
  } finally {
    gpu.dispose();
    gpu.device.destroy();
  }
}

function reportStage(progress: ProgressLine, preset: string, s: RunStage): void {
  if (s.stage === 'upload') progress.update(`${preset}: loading weights`, s.progress.done, s.progress.total, 'tensors');
  else if (s.stage === 'tokenize') progress.note(`${preset}: tokenizing`);
  else progress.update(`${preset}: scoring`, s.progress.windowsDone, s.progress.windowsTotal, 'windows', s.progress.secondsLeft, `${s.progress.tokensPerSecond.toFixed(0)} tok/s, ppl ${s.progress.perplexity.toFixed(3)}`);
}

/**
 * Opens the model and checks every preset against it: a bad preset name fails before any
 * download or GPU work. Returns each preset once, by its canonical name.
 */
async function openForPresets(spec: string, presetNames: string[]) {
  const log = (text: string) => process.stderr.write(`${text}\n`);
  const presets = uniquePresets(presetNames, log);
  const source = await openModelSource(spec, log);
  const model = await loadModel(source.files);
  for (const preset of presets) validatePresetForModel(preset, model.config);
  return { source, model, presets: presets.map((p) => p.name) };
}

const program = new Command();
program
  .name('quantlab')
  .description('Runs a Llama-family model on WebGPU (Dawn) and measures what quantization does to it.')
  .showHelpAfterError();

program
  .command('eval')
  .description('Evaluate a model under one or more quantization presets.')
  .option('--model <model>', `"default" (${DEFAULT_MODEL_DIR}), a local model folder, or a Hugging Face repo id`, 'default')
  .option('--preset <names>', 'preset name(s), comma-separated: fp16, w8g128, w4g128, w4g128+kv4, ...', presetList, ['fp16'])
  .option('--task <task>', 'the task: perplexity', 'perplexity')
  .option('--data <file>', "a UTF-8 text file to score (default: the model folder's held-out text)")
  .option('--ctx <tokens>', 'window length n_ctx in tokens', positiveInt, 512)
  .option('--limit <windows>', 'score only the first N windows', positiveInt)
  .option('--batch <tokens>', 'tokens per forward call', positiveInt, 512)
  .option('--json', 'print one JSON result record a line to stdout')
  .action(async (opts) => {
    if (opts.task !== 'perplexity') throw new InvalidArgumentError(`unknown task "${opts.task}": the task QuantLab runs is perplexity`);
    const { source, model, presets } = await openForPresets(opts.model, opts.preset);
    const text = opts.data ? await readTextFile(opts.data, '--data') : await source.heldOutText();
    const dataset = opts.data ?? `${model.name} held-out text`;
    await withGpu(async (gpu) => {
      for (const preset of presets) {
        const progress = new ProgressLine();
        const record = await runPerplexity(
          gpu,
          model,
          { preset, text, dataset, nCtx: opts.ctx, limit: opts.limit, maxBatch: opts.batch },
          { onStage: (s) => reportStage(progress, preset, s) },
        );
        progress.done();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(record)}\n`);
        } else {
          const m = record.metrics;
          process.stdout.write(
            `${record.preset.name}: perplexity ${m.perplexity.toFixed(4)}, ${m.bits_per_byte.toFixed(4)} bits/byte over ${m.tokens} tokens ` +
              `(${record.task.settings.windows} windows of ${record.task.settings.n_ctx}); weights ${formatBytes(record.memory.weights_bytes)}, ` +
              `KV cache ${formatBytes(record.memory.kv_cache_bytes)}; loading ${record.timing.upload_seconds.toFixed(1)} s, ` +
              `scoring ${record.timing.score_seconds.toFixed(1)} s\n`,
          );
        }
      }
    });
  });

program
  .command('bench')
  .description('Measure prefill and decode speed and GPU memory under each preset (a benchmark: it prints figures).')
  .option('--model <model>', 'as for eval', 'default')
  .option('--preset <names>', 'preset name(s), comma-separated', presetList, ['fp16'])
  .option('--prompt <tokens>', 'prompt length for prefill', positiveInt, 512)
  .option('--decode <tokens>', 'tokens to decode after the prompt', positiveInt, 128)
  .option('--repeat <n>', 'timed repetitions (the best is kept)', positiveInt, 3)
  .option('--json', 'print one JSON record a line to stdout')
  .action(async (opts) => {
    const { source, model, presets } = await openForPresets(opts.model, opts.preset);
    const text = await source.heldOutText();
    await withGpu(async (gpu) => {
      for (const preset of presets) {
        const result = await runSpeedBenchmark(gpu, model, text, {
          preset,
          promptTokens: opts.prompt,
          decodeTokens: opts.decode,
          repeat: opts.repeat,
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else process.stdout.write(`${result.summary}\n`);
      }
    });
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`quantlab: ${message}\n`);
  process.exit(1);
});
