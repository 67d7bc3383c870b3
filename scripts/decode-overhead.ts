/**
 * Decode overhead on this machine's adapter: dispatches a decode token and the CPU time a step
 * takes to write its inputs, encode and submit (the work before it waits on the GPU), with the
 * wall time a token. A benchmark, not a test: vite-node scripts/decode-overhead.ts [presets] [tokens]
 */
import { openForPresets, withGpu } from '../src/cli/common';
import { destroyModel, uploadModel } from '../src/engine/model';
import { InferenceSession } from '../src/engine/session';
import { parsePreset } from '../src/quant/presets';

const presets = (process.argv[2] ?? 'fp16,w4g128').split(',');
const promptTokens = 64;
const decodeTokens = Number(process.argv[3] ?? 16);
const { source, model } = await openForPresets('default', presets);
const text = await source.heldOutText();
await withGpu(async (gpu) => {
  let dispatches = 0;
  const device = gpu.device;
  const create = device.createCommandEncoder.bind(device);
  device.createCommandEncoder = ((d?: GPUCommandEncoderDescriptor) => {
    const encoder = create(d);
    const begin = encoder.beginComputePass.bind(encoder);
    encoder.beginComputePass = ((pd?: GPUComputePassDescriptor) => {
      const pass = begin(pd);
      const dispatch = pass.dispatchWorkgroups.bind(pass);
      pass.dispatchWorkgroups = ((x: number, y?: number, z?: number) => {
        dispatches++;
        dispatch(x, y, z);
      }) as typeof pass.dispatchWorkgroups;
      return pass;
    }) as typeof encoder.beginComputePass;
    return encoder;
  }) as typeof device.createCommandEncoder;
  // Dawn on SwiftShader runs GPU work inside submit() and mapAsync(): to time the host's own
  // cost of a step, a second loop runs with submit() doing nothing, so no GPU work exists at all.
  const queue = device.queue;
  const submit = queue.submit.bind(queue);
  let submitting = true;
  queue.submit = ((buffers: Iterable<GPUCommandBuffer>) => {
    if (submitting) submit(buffers);
  }) as typeof queue.submit;
  const prompt = model.tokenizer.encode(text, { addSpecialTokens: false }).slice(0, promptTokens);
  for (const name of presets) {
    const gpuModel = await uploadModel(gpu, model.config, model.weights, parsePreset(name));
    const session = new InferenceSession(gpu, gpuModel, { contextLength: promptTokens + 2 * decodeTokens + 1, maxBatch: promptTokens });
    session.forward(prompt, 0);
    let next = await session.greedyToken();
    let pos = promptTokens;
    // One untimed step compiles every decode pipeline and records the pass.
    next = await session.decodeGreedy(next, pos++);
    let cpu = 0;
    const before = dispatches;
    const t0 = performance.now();
    for (let i = 0; i < decodeTokens; i++) next = await session.decodeGreedy(next, pos++);
    const wall = (performance.now() - t0) / decodeTokens;
    const perToken = (dispatches - before) / decodeTokens;
    submitting = false;
    for (let i = 0; i < decodeTokens; i++) {
      const a = performance.now();
      const step = session.decodeGreedy(next, pos - 1);
      cpu += performance.now() - a;
      await step;
    }
    submitting = true;
    console.log(`${name}: ${perToken} dispatches a decode token, host CPU ${(cpu / decodeTokens).toFixed(2)} ms a step (checks, writes, encoding; no GPU work), wall ${wall.toFixed(0)} ms a token (${(1000 / wall).toFixed(2)} tok/s)`);
    session.dispose();
    destroyModel(gpu, gpuModel);
  }
});
