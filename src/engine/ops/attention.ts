import attentionOwnCode from '../../../shaders/attention.wgsl?raw';
import attentionDecodeOwnCode from '../../../shaders/attention_decode.wgsl?raw';
import f16Code from '../../../shaders/f16.wgsl?raw';
import kvOwnCode from '../../../shaders/kv_cache.wgsl?raw';
import kvReadCode from '../../../shaders/kv_read.wgsl?raw';
import type { Dispatch, GpuContext } from '../../gpu/context';
import { kvGroupOf, type KvFormat, type KvShape } from '../../quant/layout';
import { grid } from './grid';

/** The cache's writer and reader with the f16 helpers they share. */
const kvCode = `${kvOwnCode}\n${f16Code}`;
const attentionCode = `${attentionOwnCode}\n${kvReadCode}\n${f16Code}`;
const attentionDecodeCode = `${attentionDecodeOwnCode}\n${kvReadCode}\n${f16Code}`;

/** The largest head_dim the attention kernels hold, as attention.wgsl defines it (a private array there has to be sized by a constant). */
export const MAX_HEAD_DIM = Number(/const MAX_HEAD_DIM: u32 = (\d+)u;/.exec(attentionOwnCode)![1]);
/** attend: a workgroup a (query, head), each invocation owning two output channels. */
const ATTENTION_THREADS = MAX_HEAD_DIM / 2;
/** attend_chunk (a decode step on GPUs): keys a workgroup (CHUNK in attention_decode.wgsl). */
export const ATTENTION_DECODE_CHUNK = 32;
/** attend_direct (CPU adapters): an invocation a (query, head). */
const ATTENTION_DIRECT_THREADS = 64;
/** write_plain and write_quantized_direct (CPU adapters): an invocation a unit; write_quantized (GPUs) takes a workgroup of KV_GROUP a group. */
const KV_WRITE_THREADS = 64;
/** WebGPU's default maxComputeInvocationsPerWorkgroup, which bounds write_quantized's workgroup of KV_GROUP. */
const KV_WRITE_MAX_GROUP = 256;

function kvConstants(format: KvFormat, shape: KvShape): Record<string, number> {
  return { KV_BITS: format.bits, KV_GROUP: format.bits >= 16 ? 64 : kvGroupOf(format, shape) };
}

export interface LayerCache {
  k: { cache: GPUBuffer; meta: GPUBuffer };
  v: { cache: GPUBuffer; meta: GPUBuffer };
}

/**
 * Where a token's queries, keys and values sit in the stacked q/k/v projection: `row` floats a
 * token, the queries (heads x head_dim) from float 0, the keys from kOffset, the values from vOffset.
 */
export interface QkvLayout {
  heads: number;
  row: number;
  kOffset: number;
  vOffset: number;
}

/** The layout of the stacked projection [q | k | v] that the engine uploads (src/engine/model.ts). */
export function qkvLayout(heads: number, shape: KvShape): QkvLayout {
  const q = heads * shape.headDim;
  const kv = shape.kvHeads * shape.headDim;
  return { heads, row: q + 2 * kv, kOffset: q, vOffset: q + kv };
}

export interface KvWriteArgs {
  tokens: number;
  qkv: GPUBuffer;
  layout: QkvLayout;
  /** cos and sin pairs from ropeTable(). */
  ropeTable: GPUBuffer;
  /** position[0]: the first new token's position. */
  position: GPUBuffer;
  cache: LayerCache;
}

/**
 * One dispatch: rotates the queries of `tokens` rows of the stacked projection in place (RoPE),
 * and writes their keys (rotated) and values into the cache at position[0].., quantized (or
 * converted) as `format` says. Rotating no queries is layout.heads = 0. Quantized groups take a
 * workgroup each on GPUs and an invocation each on CPU adapters (gpu.directKernels).
 */
export function encodeKvWrite(gpu: GpuContext, format: KvFormat, shape: KvShape, a: KvWriteArgs): Dispatch[] {
  const { layout } = a;
  if (shape.headDim % 2 !== 0) throw new Error(`RoPE pairs channels, so head_dim must be even, not ${shape.headDim}`);
  const params = gpu.uniform([a.tokens, layout.heads, shape.kvHeads, shape.headDim, layout.row, layout.kOffset, layout.vOffset], 'uuuuuuu');
  const queryPairs = (a.tokens * layout.heads * shape.headDim) / 2;
  const constants = { ...kvConstants(format, shape), THREADS: KV_WRITE_THREADS };
  const common = [params, a.qkv, a.ropeTable, a.position, a.cache.k.cache, a.cache.v.cache];
  if (format.bits >= 16) {
    const units = (a.tokens * shape.kvHeads * shape.headDim) / (format.bits === 16 ? 2 : 1);
    const pipeline = gpu.pipeline(kvCode, 'write_plain', constants);
    return [gpu.record(pipeline, common, grid(Math.ceil((queryPairs + 2 * units) / KV_WRITE_THREADS)))];
  }
  const group = kvGroupOf(format, shape);
  const units = (a.tokens * shape.kvHeads * shape.headDim) / group;
  const bindings = [...common, a.cache.k.meta, a.cache.v.meta];
  if (gpu.directKernels) {
    const pipeline = gpu.pipeline(kvCode, 'write_quantized_direct', constants);
    return [gpu.record(pipeline, bindings, grid(Math.ceil((queryPairs + 2 * units) / KV_WRITE_THREADS)))];
  }
  // A workgroup of KV_GROUP (= group) invocations a group, after the workgroups that rotate the queries.
  if (group > KV_WRITE_MAX_GROUP) throw new Error(`a KV group of ${group} channels is more than the ${KV_WRITE_MAX_GROUP} invocations a workgroup may have`);
  const pipeline = gpu.pipeline(kvCode, 'write_quantized', constants);
  return [gpu.record(pipeline, bindings, grid(Math.ceil(queryPairs / group) + 2 * units))];
}

/** The scratch a decode step's split attention writes its shares to: one per head and chunk of keys. */
export interface AttentionShares {
  buffer: GPUBuffer;
  chunks: number;
}

/** The chunks and bytes of the shares buffer for a context of `contextLength` tokens. */
export function attentionSharesSize(heads: number, headDim: number, contextLength: number): { chunks: number; bytes: number } {
  const chunks = Math.ceil(contextLength / ATTENTION_DECODE_CHUNK);
  return { chunks, bytes: heads * chunks * (headDim + 2) * 4 };
}

export interface AttentionArgs {
  tokens: number;
  heads: number;
  /** The queries: `qRow` floats a token, heads x head_dim from its first (the stacked projection's layout.row). */
  q: GPUBuffer;
  qRow: number;
  /** position[0]: the first query's position. */
  position: GPUBuffer;
  cache: LayerCache;
  /** [tokens][heads][head_dim]. */
  out: GPUBuffer;
  /** Needed by a single query on GPUs (attention_decode.wgsl), sized by attentionSharesSize for the cache's capacity. */
  shares?: AttentionShares;
}

/**
 * Causal GQA attention of `tokens` queries at positions position[0].. over the cache: a
 * workgroup a query and head on GPUs, an invocation a query and head on CPU adapters.
 */
export function encodeAttention(gpu: GpuContext, format: KvFormat, shape: KvShape, a: AttentionArgs): Dispatch[] {
  if (shape.headDim > MAX_HEAD_DIM) throw new Error(`head_dim ${shape.headDim} is larger than the ${MAX_HEAD_DIM} the attention kernel holds`);
  if (!gpu.directKernels && a.tokens === 1) return encodeDecodeAttention(gpu, format, shape, a);
  const params = gpu.uniform([a.tokens, a.heads, shape.kvHeads, shape.headDim, a.qRow, 1 / Math.sqrt(shape.headDim)], 'uuuuuf');
  const bindings = [params, a.q, a.cache.k.cache, a.cache.v.cache, a.cache.k.meta, a.cache.v.meta, a.out, a.position];
  const constants = { ...kvConstants(format, shape), THREADS: ATTENTION_THREADS, DIRECT_THREADS: ATTENTION_DIRECT_THREADS };
  if (gpu.directKernels) {
    const workgroups = grid(Math.ceil((a.tokens * a.heads) / ATTENTION_DIRECT_THREADS));
    return [gpu.record(gpu.pipeline(attentionCode, 'attend_direct', constants), bindings, workgroups)];
  }
  return [gpu.record(gpu.pipeline(attentionCode, 'attend', constants), bindings, [a.heads, a.tokens])];
}

/** A single query on GPUs: attend_chunk over chunks of the keys, then attend_combine, each head's shares into its output. */
function encodeDecodeAttention(gpu: GpuContext, format: KvFormat, shape: KvShape, a: AttentionArgs): Dispatch[] {
  if (!a.shares) throw new Error("a single query's attention on a GPU needs the shares buffer (attentionSharesSize)");
  const { buffer, chunks } = a.shares;
  const params = gpu.uniform([a.heads, shape.kvHeads, shape.headDim, chunks, 1 / Math.sqrt(shape.headDim)], 'uuuuf');
  const constants = { ...kvConstants(format, shape), THREADS: ATTENTION_THREADS, CHUNK: ATTENTION_DECODE_CHUNK, MAX_CHANNELS: MAX_HEAD_DIM };
  const chunkBindings = [params, a.q, a.cache.k.cache, a.cache.v.cache, a.cache.k.meta, a.cache.v.meta, buffer, a.position];
  return [
    gpu.record(gpu.pipeline(attentionDecodeCode, 'attend_chunk', constants), chunkBindings, [a.heads, chunks]),
    gpu.record(gpu.pipeline(attentionDecodeCode, 'attend_combine', constants), [params, buffer, a.out, a.position], [a.heads]),
  ];
}
