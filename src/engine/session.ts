import type { GpuContext } from '../gpu/context';
import { kvEntryBytes, type KvFormat } from '../quant/layout';
import { kvBytesPerToken, kvFormatOf } from '../quant/presets';
import { encodeLinear, LinearScratch } from './linear';
import type { GpuModel } from './model';
import { encodeAttention, encodeKvWrite } from './ops/attention';
import { encodeAdd, encodeSwiglu } from './ops/elementwise';
import { encodeEmbedding, encodeLogSoftmax, encodeRmsNorm, encodeRope, encodeRowNll } from './ops/layers';
import { encodeTargetScore } from './ops/score';
import { ropeTable } from './rope';

export interface SessionOptions {
  /** Positions the KV cache holds. */
  contextLength: number;
  /** Most tokens one forward call takes; longer prompts are cut into calls of this size. */
  maxBatch: number;
  /**
   * Storage of an unquantized KV cache: 16-bit as inference engines keep it (the default), or
   * 32-bit, which leaves the forward pass in f32 end to end for comparisons with PyTorch in f32.
   */
  plainKvBits?: 16 | 32;
}

interface LayerCache {
  k: { cache: GPUBuffer; meta: GPUBuffer };
  v: { cache: GPUBuffer; meta: GPUBuffer };
}

/**
 * A model plus the per-run state it needs: the KV cache (quantized as the
 * preset says) and activation scratch, all allocated here and freed by dispose().
 * forward() writes logits for its tokens.
 */
export class InferenceSession {
  readonly gpu: GpuContext;
  readonly model: GpuModel;
  readonly options: SessionOptions;
  readonly kvFormat: KvFormat;
  readonly kvBytes: number;
  readonly scratchBytes: number;
  private readonly caches: LayerCache[] = [];
  private readonly buffers: GPUBuffer[] = [];
  private readonly ids: GPUBuffer;
  private readonly targets: GPUBuffer;
  private readonly nll: GPUBuffer;
  private readonly rope: GPUBuffer;
  private readonly x: GPUBuffer;
  private readonly xn: GPUBuffer;
  private readonly q: GPUBuffer;
  private readonly k: GPUBuffer;
  private readonly v: GPUBuffer;
  private readonly attn: GPUBuffer;
  private readonly proj: GPUBuffer;
  private readonly gate: GPUBuffer;
  private readonly up: GPUBuffer;
  /** The quantized inputs of the linear layers under a W·A preset. */
  private readonly linearScratch: LinearScratch | null;
  readonly logits: GPUBuffer;
  /** Rows of logits the last forward() wrote. */
  lastTokens = 0;

  constructor(gpu: GpuContext, model: GpuModel, options: SessionOptions) {
    const c = model.config;
    if (options.contextLength > c.maxPositions) {
      throw new Error(`a context of ${options.contextLength} tokens is longer than the model's ${c.maxPositions}`);
    }
    this.gpu = gpu;
    this.model = model;
    this.options = options;
    this.kvFormat = kvFormatOf(model.preset, options.plainKvBits);
    const shape = { kvHeads: c.numKvHeads, headDim: c.headDim };
    const entry = kvEntryBytes(this.kvFormat, shape);
    this.kvBytes = options.contextLength * kvBytesPerToken(c, model.preset, options.plainKvBits);
    const alloc = (label: string, bytes: number) => {
      const b = gpu.createBuffer(label, bytes);
      this.buffers.push(b);
      return b;
    };
    for (let i = 0; i < c.numLayers; i++) {
      const part = (name: string) => ({
        cache: alloc(`layer ${i} ${name} cache`, options.contextLength * entry.data),
        // Plain floats have no scales: their kernels bind the context's placeholder there.
        meta: entry.meta > 0 ? alloc(`layer ${i} ${name} cache scales`, options.contextLength * entry.meta) : gpu.placeholder,
      });
      this.caches.push({ k: part('K'), v: part('V') });
    }
    const b = options.maxBatch;
    const f32 = 4;
    const scratchStart = gpu.bytesAllocated;
    this.ids = alloc('token ids', b * 4);
    this.targets = alloc('target ids', b * 4);
    this.nll = alloc('row log-likelihoods', b * 2 * f32);
    this.rope = gpu.upload('rope table', ropeTable(c, options.contextLength));
    this.buffers.push(this.rope);
    this.x = alloc('residual stream', b * c.hiddenSize * f32);
    this.xn = alloc('normed stream', b * c.hiddenSize * f32);
    this.q = alloc('queries', b * c.numHeads * c.headDim * f32);
    this.k = alloc('keys', b * c.numKvHeads * c.headDim * f32);
    this.v = alloc('values', b * c.numKvHeads * c.headDim * f32);
    this.attn = alloc('attention output', b * c.numHeads * c.headDim * f32);
    this.proj = alloc('projection output', b * c.hiddenSize * f32);
    this.gate = alloc('MLP gate', b * c.intermediateSize * f32);
    this.up = alloc('MLP up', b * c.intermediateSize * f32);
    this.logits = alloc('logits', b * c.vocabSize * f32);
    const widest = Math.max(c.hiddenSize, c.numHeads * c.headDim, c.intermediateSize);
    this.linearScratch = model.preset.activations ? new LinearScratch(gpu, b, widest) : null;
    this.scratchBytes = gpu.bytesAllocated - scratchStart;
  }

  /**
   * Runs `ids` (at most maxBatch tokens) at positions startPos.. and leaves their
   * logits, [tokens][vocab], in `logits`. Earlier positions must already be cached.
   */
  forward(ids: ArrayLike<number>, startPos: number): void {
    const c = this.model.config;
    const m = ids.length;
    if (m === 0 || m > this.options.maxBatch) throw new Error(`forward takes 1 to ${this.options.maxBatch} tokens, got ${m}`);
    if (startPos + m > this.options.contextLength) {
      throw new Error(`positions up to ${startPos + m} pass the session's context of ${this.options.contextLength}`);
    }
    for (let i = 0; i < m; i++) {
      if (ids[i] < 0 || ids[i] >= c.vocabSize) throw new Error(`token id ${ids[i]} is outside the vocabulary of ${c.vocabSize}`);
    }
    this.gpu.write(this.ids, Uint32Array.from(ids));
    const gpu = this.gpu;
    const act = this.model.preset.activations;
    const scratch = this.linearScratch ?? undefined;
    const shape = { kvHeads: c.numKvHeads, headDim: c.headDim };
    gpu.run((pass) => {
      encodeEmbedding(gpu, pass, this.model.embedding, this.ids, this.x, m, c.hiddenSize);
      this.model.blocks.forEach((block, layer) => {
        const cache = this.caches[layer];
        encodeRmsNorm(gpu, pass, this.x, block.inputNorm, this.xn, m, c.hiddenSize, c.rmsNormEps);
        encodeLinear(gpu, pass, block.q, this.xn, this.q, m, act, scratch);
        encodeLinear(gpu, pass, block.k, this.xn, this.k, m, act, scratch);
        encodeLinear(gpu, pass, block.v, this.xn, this.v, m, act, scratch);
        encodeRope(gpu, pass, this.q, this.rope, m, c.numHeads, c.headDim, startPos);
        encodeRope(gpu, pass, this.k, this.rope, m, c.numKvHeads, c.headDim, startPos);
        encodeKvWrite(gpu, pass, this.kvFormat, shape, this.k, cache.k.cache, cache.k.meta, m, startPos);
        encodeKvWrite(gpu, pass, this.kvFormat, shape, this.v, cache.v.cache, cache.v.meta, m, startPos);
        encodeAttention(gpu, pass, this.kvFormat, shape, {
          tokens: m,
          heads: c.numHeads,
          startPos,
          q: this.q,
          k: cache.k,
          v: cache.v,
          out: this.attn,
        });
        encodeLinear(gpu, pass, block.o, this.attn, this.proj, m, act, scratch);
        encodeAdd(gpu, pass, this.x, this.proj, m * c.hiddenSize);
        encodeRmsNorm(gpu, pass, this.x, block.postNorm, this.xn, m, c.hiddenSize, c.rmsNormEps);
        encodeLinear(gpu, pass, block.gate, this.xn, this.gate, m, act, scratch);
        encodeLinear(gpu, pass, block.up, this.xn, this.up, m, act, scratch);
        encodeSwiglu(gpu, pass, this.gate, this.up, m * c.intermediateSize);
        encodeLinear(gpu, pass, block.down, this.gate, this.proj, m, act, scratch);
        encodeAdd(gpu, pass, this.x, this.proj, m * c.hiddenSize);
      });
      encodeRmsNorm(gpu, pass, this.x, this.model.finalNorm, this.xn, m, c.hiddenSize, c.rmsNormEps);
      encodeLinear(gpu, pass, this.model.lmHead, this.xn, this.logits, m, null);
    });
    this.lastTokens = m;
  }

  /** Per row of the last forward(): [logsumexp, -log p(target)]. */
  async rowNll(targets: ArrayLike<number>): Promise<Float32Array> {
    const m = this.lastTokens;
    if (targets.length !== m) throw new Error(`rowNll needs ${m} targets, got ${targets.length}`);
    this.gpu.write(this.targets, Uint32Array.from(targets));
    this.gpu.run((pass) => encodeRowNll(this.gpu, pass, this.logits, this.targets, this.nll, m, this.model.config.vocabSize));
    return this.gpu.readF32(this.nll, 2 * m);
  }

  /**
   * Queues the scoring of `targets` against rows firstRow.. of the last forward(): log p(target)
   * and whether the target is the row's argmax, two floats a row, written into `out` from float
   * `offset` on. Nothing is read back here, so the rows of many forward calls (the choices of a
   * multiple-choice item) fill one buffer that is read once.
   */
  queueTargetScores(targets: ArrayLike<number>, firstRow: number, out: GPUBuffer, offset: number): void {
    const n = targets.length;
    if (n === 0 || firstRow < 0 || firstRow + n > this.lastTokens) {
      throw new Error(`rows ${firstRow}..${firstRow + n} are not all among the ${this.lastTokens} rows of the last forward call`);
    }
    const vocab = this.model.config.vocabSize;
    for (let i = 0; i < n; i++) {
      if (!(targets[i] >= 0 && targets[i] < vocab)) throw new Error(`target id ${targets[i]} is outside the vocabulary of ${vocab}`);
    }
    if ((offset + 2 * n) * 4 > out.size) throw new Error(`the score buffer of ${out.size} bytes has no room for ${n} rows at float ${offset}`);
    this.gpu.write(this.targets, Uint32Array.from(targets));
    this.gpu.run((pass) => encodeTargetScore(this.gpu, pass, this.logits, this.targets, out, n, vocab, firstRow, offset));
  }

  /** Logits of the last forward(), [tokens][vocab]. */
  readLogits(): Promise<Float32Array> {
    return this.gpu.readF32(this.logits, this.lastTokens * this.model.config.vocabSize);
  }

  /** Log-probabilities of the last forward(), [tokens][vocab] (overwrites the logits). */
  async readLogProbs(): Promise<Float32Array> {
    const m = this.lastTokens;
    this.gpu.run((pass) => encodeLogSoftmax(this.gpu, pass, this.logits, m, this.model.config.vocabSize));
    return this.gpu.readF32(this.logits, m * this.model.config.vocabSize);
  }

  dispose(): void {
    for (const b of this.buffers) this.gpu.destroy(b);
    this.buffers.length = 0;
    this.linearScratch?.destroy();
  }
}
