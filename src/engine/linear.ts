/**
 * Linear layers on the GPU: y[m][rows] = x[m][cols] · Wᵀ (+ bias), with W kept either as f16
 * (two to a u32) or packed by quantize.wgsl (layout described at the top of that file) and
 * dequantized inside the product. The engine uploads every matrix as f16, quantizes it on the
 * GPU, then frees the f16 copy, so at most one 16-bit matrix exists at a time.
 */
import actQuantOwnCode from '../../shaders/act_quant.wgsl?raw';
import actRtnCode from '../../shaders/act_rtn.wgsl?raw';
import f16Code from '../../shaders/f16.wgsl?raw';
import matmulOwnCode from '../../shaders/matmul.wgsl?raw';
import matmulCommonCode from '../../shaders/matmul_common.wgsl?raw';
import matmulQCode from '../../shaders/matmul_q.wgsl?raw';
import packedWeightsCode from '../../shaders/packed_weights.wgsl?raw';
import quantizeCode from '../../shaders/quantize.wgsl?raw';
import type { Dispatch, GpuContext } from '../gpu/context';
import { GROUP_MULTIPLE, packedSizes, wordsPerGroup } from '../quant/layout';
import type { ActivationQuant, WeightQuant } from '../quant/preset';
import { grid } from './ops/grid';
import { encodeMatvec, takesFastMatvec } from './ops/matvec';
import { encodeSubgroupMatrixMatmul, usesSubgroupMatrix } from './ops/subgroupMatrix';

export class LinearError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinearError';
  }
}

export interface LinearWeight {
  label: string;
  /** Output features (N). */
  rows: number;
  /** Input features (K). */
  cols: number;
  format: 'f16' | 'q';
  /** 16 for f16. */
  bits: number;
  /** Input channels per group as packed (cols for per channel); 0 for f16. */
  group: number;
  symmetric: boolean;
  /** Bytes of all the buffers below. */
  bytes: number;
  /** f16 pairs ('f16') or the packed code bitstream ('q'). */
  data: GPUBuffer;
  /** f16 scales two to a u32 ('q' only). */
  scales: GPUBuffer | null;
  /** u8 zeros four to a u32 ('q', asymmetric only). */
  zeros: GPUBuffer | null;
  /** f32 [rows]. */
  bias: GPUBuffer | null;
}

const TILE = 64;
/** Invocations of a matvec workgroup and the rows it computes (MV_THREADS, MV_ROWS in the shaders). */
const MV_THREADS = 64;
const MV_ROWS = 4;
/** Groups a quantize.wgsl workgroup packs (its GROUPS_PER_WORKGROUP override). */
const QUANTIZE_GROUPS_PER_WORKGROUP = 4;
/** Invocations of an act_quant.wgsl workgroup (its THREADS override); a workgroup quantizes a row. */
const ACT_QUANT_THREADS = 64;

/**
 * How 8-bit (or 4-bit) activations meet 8- or 4-bit weights in decode (M = 1): 'native' quantizes x
 * to codes and multiplies with the dot4U8Packed builtin; 'portable' runs that same integer path
 * with a dot product written out in WGSL; 'off' fake-quantizes x and uses the f32 kernels,
 * as every other case does.
 */
export type IntegerDot = 'native' | 'portable' | 'off';

const integerDotModes = new WeakMap<GpuContext, IntegerDot>();

/** Whether this GPU's WGSL has the packed_4x8_integer_dot_product language feature (dot4U8Packed). */
export function hasNativeDot4(gpu: GpuContext): boolean {
  // Both hosts build the context with their GPU object (navigator.gpu or Dawn's) first in keepAlive.
  const host = gpu.keepAlive[0] as { wgslLanguageFeatures?: ReadonlySet<string> } | undefined;
  return host?.wgslLanguageFeatures?.has('packed_4x8_integer_dot_product') ?? false;
}

/**
 * The integer path in use, unless set: 'native' where the WGSL language feature exists and the
 * kernels are the GPUs' ones, else 'off'. On CPU adapters (gpu.directKernels) the f32 path is
 * faster: every workgroup of the integer matvec quantizes the whole of x again, which a GPU's
 * idle lanes absorb and a CPU's cores pay for (SwiftShader: w4a8 decoded at 1.4 tok/s so, where
 * w4g128's f32 matvec decodes at 5.0).
 */
export function integerDot(gpu: GpuContext): IntegerDot {
  return integerDotModes.get(gpu) ?? (hasNativeDot4(gpu) && !gpu.directKernels ? 'native' : 'off');
}

export function setIntegerDot(gpu: GpuContext, mode: IntegerDot): void {
  if (mode === 'native' && !hasNativeDot4(gpu)) {
    throw new LinearError("this GPU's WGSL has no packed_4x8_integer_dot_product: use 'portable' or 'off'.");
  }
  integerDotModes.set(gpu, mode);
}

function prefillDispatch(gpu: GpuContext, w: LinearWeight, m: number): { entry: string; workgroups: [number, number] } {
  const maxPerDim = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  // Workgroup-memory tiles for GPUs; one 4x4 block an invocation for CPU adapters (GpuContext.directKernels).
  if (gpu.directKernels) {
    return { entry: 'matmul_direct', workgroups: grid(Math.ceil((Math.ceil(w.rows / 4) * Math.ceil(m / 4)) / 64), maxPerDim) };
  }
  return { entry: 'matmul', workgroups: grid(tiles(w, m), maxPerDim) };
}

/** act_quant.wgsl with the activation formula it shares with matmul_q.wgsl's integer matvec. */
const actQuantCode = `${actQuantOwnCode}\n${actRtnCode}`;

/** matmul.wgsl with the helpers it shares with matmul_q.wgsl. */
const matmulCode = `${matmulOwnCode}\n${matmulCommonCode}`;

/** matmul_q.wgsl with the line that defines its dot4u8 (see the top of that file), its bindings and weight decoder, the shared helpers and the activation formula. */
function matmulQModule(gpu: GpuContext): string {
  const body = integerDot(gpu) === 'native' ? 'dot4U8Packed(a, b)' : 'dot4u8_portable(a, b)';
  return `fn dot4u8(a: u32, b: u32) -> u32 { return ${body}; }\n${matmulQCode}\n${packedWeightsCode}\n${matmulCommonCode}\n${actRtnCode}\n${f16Code}`;
}

function bytesOf(w: Pick<LinearWeight, 'data' | 'scales' | 'zeros' | 'bias'>): number {
  return [w.data, w.scales, w.zeros, w.bias].reduce((sum, b) => sum + (b ? b.size : 0), 0);
}

/**
 * Uploads f16 bits, row-major [rows][cols], or takes a GPU buffer that holds them (made on the
 * GPU; the layer then owns it); cols must be even (two values a u32).
 */
export function createF16Linear(
  gpu: GpuContext,
  label: string,
  f16: Uint16Array | GPUBuffer,
  rows: number,
  cols: number,
  bias?: Float32Array,
): LinearWeight {
  if (cols % 2 !== 0) {
    throw new LinearError(`${label}: 16-bit weights are packed two to a 32-bit word along a row, so the row width must be even, not ${cols}.`);
  }
  const count = f16 instanceof Uint16Array ? f16.length : f16.size / 2;
  if (count !== rows * cols) {
    throw new LinearError(`${label}: expected ${rows}x${cols} = ${rows * cols} weights, got ${count}.`);
  }
  if (bias && bias.length !== rows) throw new LinearError(`${label}: the bias has ${bias.length} values for ${rows} rows.`);
  const data = f16 instanceof Uint16Array ? gpu.upload(label, f16) : f16;
  const biasBuffer = bias ? gpu.upload(`${label}.bias`, bias) : null;
  const w = { data, scales: null, zeros: null, bias: biasBuffer };
  return { label, rows, cols, format: 'f16', bits: 16, group: 0, symmetric: false, bytes: bytesOf(w), ...w };
}

/**
 * Quantizes a 16-bit linear layer on the GPU (shaders/quantize.wgsl) into new buffers; the
 * bias is copied. The source stays valid; the caller then frees it with destroyLinear (work
 * already submitted keeps what it reads alive).
 */
export function quantizeLinear(gpu: GpuContext, source: LinearWeight, spec: WeightQuant): LinearWeight {
  const { label, rows, cols } = source;
  if (source.format !== 'f16') throw new LinearError(`${label}: only 16-bit weights can be quantized; this one is already packed.`);
  if (spec.bits === 16) throw new LinearError(`${label}: 16-bit weights need no quantization; keep the f16 layer.`);
  if (spec.method !== 'rtn') throw new LinearError(`${label}: the quantization method "${spec.method}" is not supported.`);
  const group = spec.group || cols;
  if (group % GROUP_MULTIPLE !== 0) {
    throw new LinearError(`${label}: groups must be a multiple of ${GROUP_MULTIPLE} input channels, not ${group}.`);
  }
  if (cols % group !== 0) {
    throw new LinearError(`${label}: a group of ${group} input channels does not divide the row width ${cols}.`);
  }
  const shape = { rows, cols, bits: spec.bits, group, symmetric: spec.symmetric };
  const sizes = packedSizes(shape);
  const data = gpu.createBuffer(`${label} (${spec.bits}-bit codes)`, sizes.qBytes);
  const scales = gpu.createBuffer(`${label} (scales)`, sizes.scaleBytes);
  const zeros = spec.symmetric ? null : gpu.createBuffer(`${label} (zeros)`, sizes.zeroBytes);
  const bias = source.bias ? gpu.createBuffer(`${label}.bias`, source.bias.size) : null;

  const params = gpu.uniform([sizes.groups, spec.bits, group, spec.symmetric ? 1 : 0], 'uuuu');
  const encoder = gpu.device.createCommandEncoder();
  const pipeline = gpu.pipeline(quantizeCode, 'quantize', { GROUPS_PER_WORKGROUP: QUANTIZE_GROUPS_PER_WORKGROUP });
  const workgroups = grid(Math.ceil(sizes.groups / QUANTIZE_GROUPS_PER_WORKGROUP), gpu.device.limits.maxComputeWorkgroupsPerDimension);
  gpu.encode(encoder, [gpu.record(pipeline, [params, source.data, data, scales, zeros ?? gpu.placeholder], workgroups)]);
  if (source.bias && bias) encoder.copyBufferToBuffer(source.bias, 0, bias, 0, source.bias.size);
  gpu.device.queue.submit([encoder.finish()]);

  const w = { data, scales, zeros, bias };
  return { label, rows, cols, format: 'q', bits: spec.bits, group, symmetric: spec.symmetric, bytes: bytesOf(w), ...w };
}

export function destroyLinear(gpu: GpuContext, w: LinearWeight): void {
  for (const buffer of [w.data, w.scales, w.zeros, w.bias]) if (buffer) gpu.destroy(buffer);
}

/**
 * The buffer a linear layer's input passes through under a W·A preset: the fake-quantized
 * activations (prefill, and decode on the f32 path; the integer path quantizes x in its own
 * kernel). Whoever runs the layers owns one (InferenceSession does), sized for the most tokens
 * and the widest input it passes, and destroys it with its other buffers.
 */
export class LinearScratch {
  readonly activations: GPUBuffer;

  constructor(
    private readonly gpu: GpuContext,
    readonly maxTokens: number,
    readonly maxCols: number,
  ) {
    this.activations = gpu.createBuffer('linear: quantized activations', maxTokens * maxCols * 4);
  }

  fits(m: number, cols: number): boolean {
    return m <= this.maxTokens && cols <= this.maxCols;
  }

  destroy(): void {
    this.gpu.destroy(this.activations);
  }
}

/** out[m][k] = per-token fake quantization of x[m][k] (shaders/act_quant.wgsl). */
export function encodeActivationQuant(gpu: GpuContext, x: GPUBuffer, out: GPUBuffer, m: number, k: number, act: ActivationQuant): Dispatch[] {
  const params = gpu.uniform([m, k, act.bits], 'uuu');
  const pipeline = gpu.pipeline(actQuantCode, 'fake_quantize', { THREADS: ACT_QUANT_THREADS });
  return [gpu.record(pipeline, [params, x, out], grid(m, gpu.device.limits.maxComputeWorkgroupsPerDimension))];
}

/**
 * Records y[m][rows] = x[m][cols] · Wᵀ (+ bias): the matrix-vector kernel for m = 1, the prefill
 * kernel otherwise (on subgroup matrices where ops/subgroupMatrix.ts finds them, else tiled, or
 * direct on CPU adapters). With `act`, x is first fake-quantized per
 * token into `scratch`, or, in decode with 8- or 4-bit weights, quantized to codes by the
 * integer path's own kernel (see IntegerDot).
 */
export function encodeLinear(
  gpu: GpuContext,
  w: LinearWeight,
  x: GPUBuffer,
  y: GPUBuffer,
  m: number,
  act?: ActivationQuant | null,
  scratch?: LinearScratch,
): Dispatch[] {
  if (act && !scratch?.fits(m, w.cols)) {
    throw new LinearError(`${w.label}: quantized activations of ${m} x ${w.cols} need a LinearScratch that holds them.`);
  }
  if (!Number.isInteger(m) || m < 1) throw new LinearError(`${w.label}: the number of tokens must be a positive integer, not ${m}.`);
  // An undersized binding would not fail on the GPU: reads past its end return zeros.
  if (x.size < m * w.cols * 4) throw new LinearError(`${w.label}: the input holds ${x.size} bytes, fewer than ${m} x ${w.cols} floats.`);
  if (y.size < m * w.rows * 4) throw new LinearError(`${w.label}: the output holds ${y.size} bytes, fewer than ${m} x ${w.rows} floats.`);
  const maxPerDim = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  const bias = w.bias ?? gpu.placeholder;
  const matvecBlocks = grid(Math.ceil(w.rows / MV_ROWS), maxPerDim);
  if (w.format === 'q') {
    const runsPerGroup = w.group / 8;
    const format = [w.bits, w.group, w.symmetric ? 1 : 0, wordsPerGroup(w.group, w.bits)];
    const step = [Math.floor(MV_THREADS / runsPerGroup), MV_THREADS % runsPerGroup];
    const params = gpu.uniform([m, w.rows, w.cols, w.bias ? 1 : 0, ...format, ...step, act?.bits ?? 0], 'uuuuuuuuuuu');
    const code = matmulQModule(gpu);
    const weights = [w.data, w.scales ?? gpu.placeholder, w.zeros ?? gpu.placeholder, bias, y];
    // The integer path quantizes x to codes inside its own workgroups: one dispatch.
    if (act && m === 1 && (w.bits === 8 || w.bits === 4) && integerDot(gpu) !== 'off') {
      return [gpu.record(gpu.pipeline(code, 'matvec_dot4'), [params, x, ...weights], matvecBlocks)];
    }
    const quantized = act ? encodeActivationQuant(gpu, x, scratch!.activations, m, w.cols, act) : [];
    const input = act ? scratch!.activations : x;
    if (m === 1 && takesFastMatvec(gpu, w)) return [...quantized, ...encodeMatvec(gpu, w, input, y)];
    if (m === 1) return [...quantized, gpu.record(gpu.pipeline(code, 'matvec'), [params, input, ...weights], matvecBlocks)];
    if (usesSubgroupMatrix(gpu, w.cols)) {
      return [...quantized, ...encodeSubgroupMatrixMatmul(gpu, params, input, weights, w.rows, m)];
    }
    const prefill = prefillDispatch(gpu, w, m);
    return [...quantized, gpu.record(gpu.pipeline(code, prefill.entry), [params, input, ...weights], prefill.workgroups)];
  }
  const quantized = act ? encodeActivationQuant(gpu, x, scratch!.activations, m, w.cols, act) : [];
  const input = act ? scratch!.activations : x;
  const bindings = [gpu.uniform([m, w.rows, w.cols, w.bias ? 1 : 0], 'uuuu'), input, w.data, bias, y];
  if (m === 1 && takesFastMatvec(gpu, w)) return [...quantized, ...encodeMatvec(gpu, w, input, y)];
  if (m === 1) return [...quantized, gpu.record(gpu.pipeline(matmulCode, 'matvec'), bindings, matvecBlocks)];
  if (usesSubgroupMatrix(gpu, w.cols)) {
    // packed_weights.wgsl's uniforms with bits = 16: qweight holds the f16 pairs.
    const params = gpu.uniform([m, w.rows, w.cols, w.bias ? 1 : 0, 16, 0, 0, 0, 0, 0, 0], 'uuuuuuuuuuu');
    const weights = [w.data, gpu.placeholder, gpu.placeholder, bias, y];
    return [...quantized, ...encodeSubgroupMatrixMatmul(gpu, params, input, weights, w.rows, m)];
  }
  const prefill = prefillDispatch(gpu, w, m);
  return [...quantized, gpu.record(gpu.pipeline(matmulCode, prefill.entry), bindings, prefill.workgroups)];
}

function tiles(w: LinearWeight, m: number): number {
  return Math.ceil(w.rows / TILE) * Math.ceil(m / TILE);
}
