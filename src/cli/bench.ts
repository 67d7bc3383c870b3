import { Command } from 'commander';
import { runSpeedBenchmark } from '../eval/speed';
import { openForPresets, withGpu } from './common';
import { positiveInt, presetList } from './options';

export function benchCommand(): Command {
  return new Command('bench')
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
}
