import attentionOwnCode from '../../../shaders/attention.wgsl?raw';
import f16Code from '../../../shaders/f16.wgsl?raw';
import kvOwnCode from '../../../shaders/kv_cache.wgsl?raw';
import type { GpuContext } from '../../gpu/context';
import { kvGroupOf, type KvFormat, type KvShape } from '../../quant/layout';
import { grid } from './grid';


/** The cache's writer and reader with the f16 helpers they share. */
const kvCode = `${kvOwnCode}\n${f16Code}`;
const attentionCode = `${attentionOwnCode}\n${f16Code}`;


function constants(format: KvFormat, shape: KvShape): Record<string, number> {
  return { KV_BITS: format.bits, KV_GROUP: format.bits >= 16 ? 64 : kvGroupOf(format, shape) };
}

/** Quantizes (or converts) `tokens` rows of K or V, [tokens][kvHeads][headDim] f32, into the cache at startPos. */
export function encodeKvWrite(
  gpu: GpuContext,
  pass: GPUComputePassEncoder,
  format: KvFormat,
  shape: KvShape,
  src: GPUBuffer,
  cache: GPUBuffer,
  meta: GPUBuffer,
  tokens: number,
  startPos: number,
): void {
  const params = gpu.uniform([tokens, shape.kvHeads, shape.headDim, startPos], 'uuuu');
  const consts = constants(format, shape);
  if (format.bits >= 16) {
    const perInvocation = format.bits === 16 ? 2 : 1;
    const [gx, gy] = grid(Math.ceil((tokens * shape.kvHeads * shape.headDim) / perInvocation / 64));
    gpu.dispatch(pass, gpu.pipeline(kvCode, 'write_plain', consts), [params, src, cache], [gx, gy]);
  } else {
    const groups = (tokens * shape.kvHeads * shape.headDim) / kvGroupOf(format, shape);
    const [gx, gy] = grid(Math.ceil(groups / 64));
    gpu.dispatch(pass, gpu.pipeline(kvCode, 'write_quantized', consts), [params, src, cache, meta], [gx, gy]);
  }
}

export interface AttentionArgs {
  tokens: number;
  heads: number;
  startPos: number;
  q: GPUBuffer;
  k: { cache: GPUBuffer; meta: GPUBuffer };
  v: { cache: GPUBuffer; meta: GPUBuffer };
  out: GPUBuffer;
}

/**
 * Causal GQA attention of `tokens` queries at positions startPos.. over the cache: a
 * workgroup a query and head on GPUs, an invocation a query and head on CPU adapters.
 */
export function encodeAttention(
  gpu: GpuContext,
  pass: GPUComputePassEncoder,
  format: KvFormat,
  shape: KvShape,
  args: AttentionArgs,
): void {
  if (shape.headDim > 256) throw new Error(`head_dim ${shape.headDim} is larger than the 256 the attention kernel holds`);
  const params = gpu.uniform(
    [args.tokens, args.heads, shape.kvHeads, shape.headDim, args.startPos, 1 / Math.sqrt(shape.headDim)],
    'uuuuuf',
  );
  const bindings = [params, args.q, args.k.cache, args.v.cache, args.k.meta, args.v.meta, args.out];
  if (gpu.directKernels) {
    const [gx, gy] = grid(Math.ceil((args.tokens * args.heads) / 64));
    gpu.dispatch(pass, gpu.pipeline(attentionCode, 'attend_direct', constants(format, shape)), bindings, [gx, gy]);
  } else {
    gpu.dispatch(pass, gpu.pipeline(attentionCode, 'attend', constants(format, shape)), bindings, [args.heads, args.tokens]);
  }
}
