import { Command, InvalidArgumentError } from 'commander';
import { formatBytes } from '../gpu/context';
import { setF16Arithmetic } from '../engine/ops/f16Arithmetic';
import { measureCeilings, type Ceilings } from '../eval/ceilings';
import { formatDecodeProfile } from '../eval/decodeProfile';
import { formatKernelFigure, KERNEL_FORMATS, runKernelBench } from '../eval/kernelSpeed';
import { runSpeedBenchmark, type SpeedModel } from '../eval/speed';
import { syntheticPrompt, syntheticShape, syntheticWeights } from '../eval/synthetic';
import { validatePresetForModel } from '../quant/presets';
import { openForPresets, withGpu } from './common';
import { positiveInt, presetList, uniquePresets } from './options';

/** `--kernel-shapes 4096x4096,14336x4096`: matrices as rows x columns, columns a multiple of 256 (every format's groups). */
export function kernelShapes(value: string): [number, number][] {
  return value.split(',').map((part) => {
    const m = /^\s*(\d+)x(\d+)\s*$/.exec(part);
    const rows = m ? Number(m[1]) : 0;
    const cols = m ? Number(m[2]) : 0;
    if (!m || rows < 1 || cols < 256 || cols % 256 !== 0) {
      throw new InvalidArgumentError(`expected ROWSxCOLUMNS with columns a multiple of 256 (e.g. 14336x4096), got "${part.trim()}"`);
    }
    return [rows, cols];
  });
}

/** `--formats fp16,w4g128`: weight formats of the kernel bench, each a built-in preset's. */
export function kernelFormats(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(KERNEL_FORMATS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`expected weight formats among ${KERNEL_FORMATS.join(', ')}, got "${value}"`);
  }
  return names;
}

const MODEL_ONLY = ['model', 'preset', 'prompt', 'decode', 'repeat', 'profile'] as const;
const KERNELS_ONLY = ['kernelShapes', 'formats', 'sweep', 'dispatches'] as const;

export function benchCommand(): Command {
  const command = new Command('bench')
    .description(
      'Measure prefill and decode speed, GPU memory and decode bandwidth under each preset, or with --kernels the matrix ' +
        'kernels alone (a benchmark: it prints figures). Bandwidths are also given as a share of the ceilings it measures first.',
    )
    .option('--model <model>', 'as for eval, or synthetic:1b, synthetic:7b, synthetic:8b (Llama shapes, random weights made on the GPU)', 'default')
    .option('--preset <names>', 'preset name(s), comma-separated', presetList, ['fp16'])
    .option('--prompt <tokens>', 'prompt length for prefill', positiveInt, 512)
    .option('--decode <tokens>', 'tokens to decode after the prompt', positiveInt, 128)
    .option('--repeat <n>', 'timed repetitions (the best is kept)', positiveInt, 3)
    .option('--profile', 'also time the decode step kernel by kernel (GPU time of each kernel family a token)')
    .option('--kernels', 'time the matrix-vector (M=1) and prefill (M=512) kernels of every weight format instead of a model')
    .option('--kernel-shapes <list>', 'with --kernels: matrices as ROWSxCOLUMNS, comma-separated', kernelShapes)
    .option('--formats <list>', `with --kernels: weight formats (${KERNEL_FORMATS.join(', ')})`, kernelFormats)
    .option('--sweep', 'with --kernels: time every workgroup size of the matrix-vector kernels')
    .option('--dispatches <n>', 'with --kernels: matrix-vector dispatches a timing (prefill takes a twentieth)', positiveInt, 100)
    .option('--f32-kernels', 'multiply in f32 as eval does, even where the GPU offers shader-f16 (prefill without tensor cores)')
    .option('--no-ceilings', 'skip measuring the copy and read ceilings (no percentages)')
    .option('--json', 'print one JSON record a line to stdout');
  return command.action(async (opts) => {
    const given = (name: string) => command.getOptionValueSource(name) === 'cli';
    const misplaced = opts.kernels ? MODEL_ONLY.filter(given) : KERNELS_ONLY.filter(given);
    if (misplaced.length > 0) {
      const flags = misplaced.map((name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
      const one = misplaced.length === 1;
      throw new InvalidArgumentError(
        opts.kernels
          ? `--kernels times the kernels alone: ${flags} ${one ? 'is' : 'are'} for a model bench`
          : `${flags} only ${one ? 'applies' : 'apply'} with --kernels`,
      );
    }
    const print = (record: object, summary: string) => process.stdout.write(opts.json ? `${JSON.stringify(record)}\n` : `${summary}\n`);
    const model = opts.kernels ? null : await openBenchModel(opts.model, opts.preset, opts.prompt);
    await withGpu(async (gpu) => {
      if (!opts.f32Kernels) setF16Arithmetic(gpu, true);
      let ceilings: Ceilings | null = null;
      if (opts.ceilings) {
        ceilings = await measureCeilings(gpu);
        print({ ceilings, device: gpu.info.description }, `ceilings: copy ${ceilings.copy_gb_per_s.toFixed(0)} GB/s (read + write), read ${ceilings.read_gb_per_s.toFixed(0)} GB/s`);
      }
      if (!model) {
        await runKernelBench(gpu, {
          shapes: opts.kernelShapes,
          formats: opts.formats,
          sweep: opts.sweep,
          repetitions: opts.dispatches,
          ceilings,
          onFigure: (f) => print({ ...f, device: gpu.info.description }, formatKernelFigure(f)),
        });
        return;
      }
      for (const preset of model.presets) {
        const result = await runSpeedBenchmark(gpu, model.model, model.prompt, {
          preset,
          promptTokens: opts.prompt,
          decodeTokens: opts.decode,
          repeat: opts.repeat,
          ceilings,
          profile: opts.profile,
        });
        const memory = formatBytes(result.memory.weights_bytes + result.memory.kv_cache_bytes + result.memory.scratch_bytes);
        const profile = result.decode_profile ? formatDecodeProfile(result.decode_profile, 1e6 / result.decode_tokens_per_second, 1e6 / result.decode_single_tokens_per_second) : [];
        print(result, [`${result.summary}, GPU memory ${memory} in all`, ...profile].join('\n'));
      }
    });
  });
}

/** The model to bench, its presets (checked before the GPU is taken) and its prompt: held-out text where the model has one. */
async function openBenchModel(spec: string, presetNames: string[], promptTokens: number): Promise<{ model: SpeedModel; presets: string[]; prompt: string | number[] }> {
  const shape = syntheticShape(spec);
  if (shape) {
    const presets = uniquePresets(presetNames, (text) => process.stderr.write(`${text}\n`));
    for (const preset of presets) validatePresetForModel(preset, shape);
    const model = { name: spec, config: shape, weights: syntheticWeights(shape) };
    return { model, presets: presets.map((p) => p.name), prompt: syntheticPrompt(shape, promptTokens) };
  }
  const { source, model, presets } = await openForPresets(spec, presetNames);
  const prompt = await source.heldOutText().catch(() => {
    process.stderr.write(`${spec} ships no held-out text: the prompt is ${promptTokens} token ids spread over the vocabulary\n`);
    return syntheticPrompt(model.config, promptTokens);
  });
  return { model, presets, prompt };
}
