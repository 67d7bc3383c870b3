/**
 * The kernel bench (`quantlab bench --kernels`): the decode matrix-vector product (M = 1) and
 * the prefill product (M = 512) for every weight format, on Llama's 4096x4096, 14336x4096 and
 * 4096x14336 matrices (rows x columns, W is [N][K]). Each figure cycles through enough copies of
 * the matrix (at least 256 MB in all) that no read comes from the L2; weights are random, made
 * on the GPU and quantized there.
 */
import type { GpuContext } from '../gpu/context';
import { createF16Linear, destroyLinear, encodeLinear, quantizeLinear, type LinearWeight } from '../engine/linear';
import { encodeMatvec, fastMatvecFits, MATVEC_THREAD_CHOICES, matvecThreads, type MatvecThreads } from '../engine/ops/matvec';
import { randomF16 } from '../engine/ops/random';
import { usesSubgroupMatrix } from '../engine/ops/subgroupMatrix';
import { parsePreset } from '../quant/presets';
import type { Ceilings } from './ceilings';
import { inOnePass, timePerRepetition } from './gpuTime';

export const KERNEL_SHAPES: readonly [rows: number, cols: number][] = [
  [4096, 4096],
  [14336, 4096],
  [4096, 14336],
];
/** Every built-in preset's weight format. */
export const KERNEL_FORMATS = ['fp16', 'w8g128', 'w4g128', 'w3g128', 'w2g128', 'w4g32sym', 'w8g32sym'] as const;
const PREFILL_TOKENS = 512;
/** Bytes the copies of a matrix take together, well past the 60 MB L2 of the largest GPUs here; at most MAX_COPIES copies (small test shapes). */
const ROTATION_BYTES = 256e6;
const MAX_COPIES = 64;

export interface KernelFigure {
  kernel: 'matvec' | 'matmul';
  format: string;
  rows: number;
  cols: number;
  tokens: number;
  copies: number;
  /** Invocations a workgroup of the 16-byte matvec kernels (null for the others). */
  threads: number | null;
  /** Whether the prefill product ran on subgroup matrices (matmul_sgmat.wgsl); null for matvec. */
  subgroup_matrix: boolean | null;
  microseconds: number;
  /** Weights, input and output bytes over the time. */
  gb_per_s: number;
  tflop_per_s: number;
  percent_of_read_ceiling: number | null;
}

export interface KernelBenchOptions {
  shapes?: readonly (readonly [number, number])[];
  formats?: readonly string[];
  /** Also time every workgroup size of the matvec kernels (to tune matvecThreads). */
  sweep?: boolean;
  /** Matrix-vector dispatches a timing records (the difference of 2n and n is kept); prefill takes a twentieth. */
  repetitions?: number;
  ceilings?: Ceilings | null;
  onFigure?: (figure: KernelFigure) => void;
}

function matrixCopies(gpu: GpuContext, format: string, rows: number, cols: number, count: number, seed: number): LinearWeight[] {
  const spec = parsePreset(format).weights;
  const copies: LinearWeight[] = [];
  for (let c = 0; c < count; c++) {
    const f16 = createF16Linear(gpu, `${format} ${rows}x${cols} #${c}`, randomF16(gpu, 'kernel bench weights', rows * cols, seed + c, 0.02), rows, cols);
    if (spec.bits === 16) {
      copies.push(f16);
      continue;
    }
    copies.push(quantizeLinear(gpu, f16, spec));
    destroyLinear(gpu, f16);
  }
  return copies;
}

export async function runKernelBench(gpu: GpuContext, options: KernelBenchOptions = {}): Promise<KernelFigure[]> {
  const figures: KernelFigure[] = [];
  const repetitions = options.repetitions ?? 100;
  const readCeiling = options.ceilings?.read_gb_per_s ?? null;
  for (const [rows, cols] of options.shapes ?? KERNEL_SHAPES) {
    for (const format of options.formats ?? KERNEL_FORMATS) {
      const probe = matrixCopies(gpu, format, rows, cols, 1, 1);
      const copies = Math.min(MAX_COPIES, Math.max(2, Math.ceil(ROTATION_BYTES / probe[0].bytes)));
      const weights = [...probe, ...matrixCopies(gpu, format, rows, cols, copies - 1, 2)];
      const x = randomF16(gpu, 'kernel bench x (as f32 words)', 2 * PREFILL_TOKENS * cols, 7, 1);
      const y = gpu.createBuffer('kernel bench y', PREFILL_TOKENS * rows * 4);
      try {
        const record = (kernel: 'matvec' | 'matmul', tokens: number, threads: number | null, ms: number) => {
          const bytes = weights[0].bytes + tokens * (cols + rows) * 4;
          const gbps = bytes / ms / 1e6;
          const figure: KernelFigure = {
            kernel, format, rows, cols, tokens, copies, threads,
            subgroup_matrix: kernel === 'matmul' ? usesSubgroupMatrix(gpu, cols) : null,
            microseconds: ms * 1000,
            gb_per_s: gbps,
            tflop_per_s: (2 * tokens * rows * cols) / ms / 1e9,
            percent_of_read_ceiling: readCeiling ? (100 * gbps) / readCeiling : null,
          };
          figures.push(figure);
          options.onFigure?.(figure);
        };
        const fits = fastMatvecFits(weights[0]);
        const units = cols / (format === 'fp16' ? 8 : weights[0].bits === 3 ? 128 : 128 / weights[0].bits);
        const threadChoices: (MatvecThreads | null)[] = fits ? (options.sweep ? [...MATVEC_THREAD_CHOICES] : [matvecThreads(rows, units)]) : [null];
        for (const threads of threadChoices) {
          const ms = await timePerRepetition(gpu, (encoder, n) =>
            inOnePass(gpu, encoder, n, (i) => {
              const w = weights[i % copies];
              return threads ? encodeMatvec(gpu, w, x, y, threads) : encodeLinear(gpu, w, x, y, 1);
            }), repetitions);
          record('matvec', 1, threads, ms);
        }
        const ms = await timePerRepetition(gpu, (encoder, n) =>
          inOnePass(gpu, encoder, n, (i) => encodeLinear(gpu, weights[i % copies], x, y, PREFILL_TOKENS)), Math.max(4, repetitions / 20));
        record('matmul', PREFILL_TOKENS, null, ms);
      } finally {
        for (const w of weights) destroyLinear(gpu, w);
        for (const b of [x, y]) gpu.destroy(b);
      }
    }
  }
  return figures;
}

export function formatKernelFigure(f: KernelFigure): string {
  const what = f.kernel === 'matvec' ? 'matvec (M=1)' : `matmul (M=${f.tokens})`;
  const threads = f.threads ? `, ${f.threads} invocations a workgroup` : '';
  const ceiling = f.percent_of_read_ceiling === null ? '' : ` (${f.percent_of_read_ceiling.toFixed(0)}% of the read ceiling)`;
  const flops = f.kernel === 'matmul' ? `, ${f.tflop_per_s.toFixed(1)} TFLOP/s${f.subgroup_matrix ? ' on subgroup matrices' : ''}` : '';
  return `${f.format.padEnd(9)} ${`${f.rows}x${f.cols}`.padEnd(11)} ${what}: ${f.microseconds.toFixed(1)} us, ${f.gb_per_s.toFixed(0)} GB/s${ceiling}${flops}${threads}, ${f.copies} copies`;
}
