/** What the CLI's commands share: a GPU for the length of a command, and a model opened with its presets checked first. */
import { acquireNodeGpu } from '../gpu/node';
import type { GpuContext } from '../gpu/context';
import { loadModel } from '../model/load';
import { validatePresetForModel } from '../quant/presets';
import { uniquePresets } from './options';
import { openModelSource } from './source';

export async function withGpu<T>(work: (gpu: GpuContext) => Promise<T>): Promise<T> {
  const gpu = await acquireNodeGpu();
  process.stderr.write(`GPU: ${gpu.info.description}\n`);
  try {
    return await work(gpu);
  } finally {
    gpu.dispose();
    gpu.device.destroy();
  }
}

/**
 * Opens the model and checks every preset against it: a bad preset name fails before any
 * download or GPU work. Returns each preset once, by its canonical name.
 */
export async function openForPresets(spec: string, presetNames: string[]) {
  const log = (text: string) => process.stderr.write(`${text}\n`);
  const presets = uniquePresets(presetNames, log);
  const source = await openModelSource(spec, log);
  const model = await loadModel(source.files);
  for (const preset of presets) validatePresetForModel(preset, model.config);
  return { source, model, presets: presets.map((p) => p.name) };
}
