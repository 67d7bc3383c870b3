/**
 * Speed sanity check of the linear-layer kernels (not a test: nothing is asserted). Times the
 * decode matvec and the prefill matmul for each weight format on Llama-3-8B-sized matrices and
 * prints the bandwidth or FLOP rate reached. On a machine with a GPU, from the repository root:
 *   npx vite-node test/quant/bench-linear.ts [rows cols]
 */
import { createF16Linear, destroyLinear, encodeLinear, quantizeLinear, type LinearWeight } from '../../src/engine/linear';
import type { Dispatch, GpuContext } from '../../src/gpu/context';
import { acquireNodeGpu } from '../../src/gpu/node';
import type { WeightQuant } from '../../src/quant/preset';

const FORMATS: [string, WeightQuant | null][] = [
  ['f16', null],
  ['w8g128', { bits: 8, group: 128, symmetric: false, method: 'rtn' }],
  ['w4g128', { bits: 4, group: 128, symmetric: false, method: 'rtn' }],
  ['w4g32sym', { bits: 4, group: 32, symmetric: true, method: 'rtn' }],
  ['w3g128', { bits: 3, group: 128, symmetric: false, method: 'rtn' }],
  ['w2g128', { bits: 2, group: 128, symmetric: false, method: 'rtn' }],
];

async function timeDispatches(gpu: GpuContext, repeats: number, dispatches: Dispatch[]): Promise<number> {
  gpu.run(dispatches);
  await gpu.device.queue.onSubmittedWorkDone();
  let best = Infinity;
  for (let trial = 0; trial < 3; trial++) {
    const start = performance.now();
    gpu.run(Array.from({ length: repeats }, () => dispatches).flat());
    await gpu.device.queue.onSubmittedWorkDone();
    best = Math.min(best, (performance.now() - start) / repeats);
  }
  return best;
}

async function main() {
  const gpu = await acquireNodeGpu();
  const nav = gpu.keepAlive[0] as GPU;
  console.log(`${gpu.info.description}; features ${gpu.info.features.join(' ')}; wgsl ${[...(nav.wgslLanguageFeatures ?? [])].join(' ')}`);
  const shapes: [number, number][] = process.argv[2] ? [[Number(process.argv[2]), Number(process.argv[3])]] : [[14336, 4096], [4096, 14336]];
  for (const [rows, cols] of shapes) {
    const f16 = new Uint16Array(rows * cols);
    for (let i = 0; i < f16.length; i++) f16[i] = 0x2000 + ((i * 2654435761) >>> 22);
    const prefill = 512;
    const x = gpu.createBuffer('x', prefill * cols * 4);
    gpu.write(x, new Float32Array(prefill * cols).fill(0.01));
    const y = gpu.createBuffer('y', prefill * rows * 4);
    for (const [name, spec] of FORMATS) {
      const source = createF16Linear(gpu, name, f16, rows, cols);
      let w: LinearWeight = source;
      if (spec) {
        w = quantizeLinear(gpu, source, spec);
        await gpu.device.queue.onSubmittedWorkDone();
        destroyLinear(gpu, source);
      }
      const mv = await timeDispatches(gpu, 200, encodeLinear(gpu, w, x, y, 1));
      const mm = await timeDispatches(gpu, 5, encodeLinear(gpu, w, x, y, prefill));
      const bytes = w.bytes + cols * 4 + rows * 4;
      console.log(
        `${rows}x${cols} ${name.padEnd(9)} ${(w.bytes / 2 ** 20).toFixed(1).padStart(6)} MiB  ` +
          `matvec ${(mv * 1000).toFixed(1).padStart(7)} us ${(bytes / mv / 1e9).toFixed(2).padStart(5)} TB/s  ` +
          `matmul M=${prefill} ${(mm * 1000).toFixed(0).padStart(6)} us ${((2 * prefill * rows * cols) / mm / 1e9).toFixed(1).padStart(5)} TFLOP/s`,
      );
      destroyLinear(gpu, w);
    }
    gpu.destroy(x);
    gpu.destroy(y);
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
