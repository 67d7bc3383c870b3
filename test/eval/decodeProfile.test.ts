/** The decode profile groups the recorded step's dispatches by kernel; its times are figures, never asserted. */
import { describe, expect, it } from 'vitest';
import { destroyModel, uploadModel } from '../../src/engine/model';
import { InferenceSession } from '../../src/engine/session';
import { profileDecodeStep } from '../../src/eval/decodeProfile';
import { parsePreset } from '../../src/quant/presets';
import { freshSeed, restoreDirectKernelsAfterEach, rng, testGpu } from '../helpers/gpu';
import { syntheticConfig, syntheticTensors, tensorSource } from '../engine/synthetic';

describe('decode profile', () => {
  restoreDirectKernelsAfterEach();

  it('accounts for every dispatch of the step once, under its kernel', async () => {
    const gpu = await testGpu();
    // The GPU kernel family: a single query's attention is split into attend_chunk and attend_combine.
    gpu.directKernels = false;
    const config = syntheticConfig();
    const model = await uploadModel(gpu, config, tensorSource(syntheticTensors(config, rng(freshSeed()))), parsePreset('w4g32sym'));
    const session = new InferenceSession(gpu, model, { contextLength: 40, maxBatch: 4 });
    const step = session.recordedDecodeStep(1, 39);
    const profile = await profileDecodeStep(gpu, step, 1);
    expect(profile.dispatches).toBe(step.length);
    expect(profile.kernels.reduce((n, k) => n + k.dispatches, 0)).toBe(step.length);
    const labels = profile.kernels.map((k) => k.kernel);
    expect(new Set(labels).size, 'one row a kernel').toBe(labels.length);
    const count = (entry: string) => profile.kernels.filter((k) => k.kernel.startsWith(entry)).reduce((n, k) => n + k.dispatches, 0);
    expect(count('attend_chunk|')).toBe(config.numLayers);
    expect(count('attend_combine|')).toBe(config.numLayers);
    // q/k/v, o, gate/up and down in each layer, then the LM head, on whichever matrix-vector kernel each takes.
    expect(count('matvec')).toBe(4 * config.numLayers + 1);
    expect(count('argmax|')).toBe(1);
    for (const k of profile.kernels) expect(k.microseconds).toBeGreaterThan(0);
    session.dispose();
    destroyModel(gpu, model);
  });
});
