import type { Dispatch, GpuContext } from '../gpu/context';
import { kvEntryBytes, type KvFormat } from '../quant/layout';
import { kvBytesPerToken, kvFormatOf } from '../quant/presets';
import { encodeLinear, integerDot, LinearScratch } from './linear';
import type { GpuModel } from './model';
import { attentionSharesSize, encodeAttention, encodeKvWrite, qkvLayout, type AttentionShares, type LayerCache } from './ops/attention';
import { encodeSwiglu } from './ops/elementwise';
import { encodeEmbedding, encodeLogSoftmax, encodeRmsNorm, encodeRowNll } from './ops/layers';
import { encodeArgmax, encodeArgmaxChain, encodeTargetScore } from './ops/score';
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
  /**
   * Greedy chains queued on the GPU at once by greedyChains: 2 lets the host encode the next
   * chain while the GPU runs one (the default on GPUs); 1 (the default on CPU adapters, where
   * host and "GPU" share the cores and a chain past a stop would only cost time) waits for each.
   */
  chainsInFlight?: 1 | 2;
}

/** Forward passes kept recorded, by token count: decode's single token and a few prompt lengths. */
const MAX_RECORDED_PASSES = 8;
/** Most greedy steps greedyChains runs in one submission (the chain buffer's size). */
export const MAX_GREEDY_CHAIN = 64;
/** Greedy steps a submission in generation and in the speed bench (greedyChains' default). */
export const DECODE_CHAIN = 16;

/** What a recorded pass ends with: nothing (logits only), the argmax, or the argmax chained into the next step. */
type PassEnd = 'logits' | 'argmax' | 'chain';

/**
 * A model plus the per-run state it needs: the KV cache (quantized as the preset says) and
 * activation scratch, all allocated here and freed by dispose(). forward() writes logits for its
 * tokens. A forward pass of m tokens is recorded once (its dispatches, bind groups and uniforms
 * do not depend on the position, which the kernels read from a storage word written each call)
 * and replayed; decodeGreedy() adds the argmax on the GPU and reads back only the token id, and
 * greedyChains() runs greedy steps back to back on the GPU, a chain of them a submission.
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
  /** position[0]: the first position of the tokens of a forward call. */
  private readonly position: GPUBuffer;
  private readonly targets: GPUBuffer;
  private readonly nll: GPUBuffer;
  private readonly rope: GPUBuffer;
  private readonly x: GPUBuffer;
  private readonly xn: GPUBuffer;
  /** The stacked q/k/v projection, [tokens][q | k | v]. */
  private readonly qkv: GPUBuffer;
  private readonly attn: GPUBuffer;
  private readonly proj: GPUBuffer;
  /** The stacked gate/up projection, [tokens][gate | up]. */
  private readonly gateUp: GPUBuffer;
  private readonly mlp: GPUBuffer;
  /** Where a single query's attention, split over chunks of keys, leaves each chunk's share. */
  private readonly attentionShares: AttentionShares;
  /** The greedy token id, and the one staging buffer it is read back through. */
  private readonly token: GPUBuffer;
  private readonly tokenStaging: GPUBuffer;
  /** greedyChains' ids ([count, id, id, ...]) and a staging buffer for each chain in flight. */
  private readonly chain: GPUBuffer;
  private readonly chainStaging: GPUBuffer[];
  private readonly zeroWord = new Uint32Array(1);
  /** The quantized inputs of the linear layers under a W·A preset. */
  private readonly linearScratch: LinearScratch | null;
  private readonly recorded = new Map<string, Dispatch[]>();
  private readonly idWord = new Uint32Array(1);
  private readonly positionWord = new Uint32Array(1);
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
    this.position = alloc('position', 4);
    this.targets = alloc('target ids', b * 4);
    this.nll = alloc('row log-likelihoods', b * 2 * f32);
    this.rope = gpu.upload('rope table', ropeTable(c, options.contextLength));
    this.buffers.push(this.rope);
    this.x = alloc('residual stream', b * c.hiddenSize * f32);
    this.xn = alloc('normed stream', b * c.hiddenSize * f32);
    this.qkv = alloc('queries, keys and values', b * qkvLayout(c.numHeads, shape).row * f32);
    this.attn = alloc('attention output', b * c.numHeads * c.headDim * f32);
    const shares = attentionSharesSize(c.numHeads, c.headDim, options.contextLength);
    this.attentionShares = { buffer: alloc("a decode step's attention shares", shares.bytes), chunks: shares.chunks };
    this.proj = alloc('projection output', b * c.hiddenSize * f32);
    this.gateUp = alloc('MLP gate and up', b * 2 * c.intermediateSize * f32);
    this.mlp = alloc('MLP activations', b * c.intermediateSize * f32);
    this.logits = alloc('logits', b * c.vocabSize * f32);
    this.token = alloc('greedy token', 4);
    this.tokenStaging = gpu.createStaging('greedy token read-back', 4);
    this.chain = alloc('greedy chain', (1 + MAX_GREEDY_CHAIN) * 4);
    const inFlight = options.chainsInFlight ?? (gpu.info.isCpu ? 1 : 2);
    this.chainStaging = Array.from({ length: inFlight }, (_, i) => gpu.createStaging(`greedy chain read-back ${i + 1}`, (1 + MAX_GREEDY_CHAIN) * 4));
    const widest = Math.max(c.hiddenSize, c.numHeads * c.headDim, c.intermediateSize);
    this.linearScratch = model.preset.activations ? new LinearScratch(gpu, b, widest) : null;
    this.scratchBytes = gpu.bytesAllocated - scratchStart;
  }

  /**
   * Runs `ids` (at most maxBatch tokens) at positions startPos.. and leaves their
   * logits, [tokens][vocab], in `logits`. Earlier positions must already be cached.
   */
  forward(ids: ArrayLike<number>, startPos: number): void {
    this.gpu.run(this.prepare(ids, startPos));
  }

  /**
   * One greedy decode step: runs `token` at `position` and returns the id of the largest logit
   * (the first, on ties), found on the GPU; only that id is read back.
   */
  decodeGreedy(token: number, position: number): Promise<number> {
    return this.readToken(this.prepare([token], position, 'argmax'));
  }

  /**
   * `count` greedy decode steps from `token` at `position`, yielded a chain of at most `chain`
   * steps at a time. A chain is one submission: each step's argmax becomes the next step's token
   * on the GPU, and the chain's ids are read back once at its end. The next chain continues from
   * the GPU's own token and position, so with two chains in flight it is queued before the ids of
   * the one before are read: the host encodes while the GPU runs. The same ids as `count` calls
   * of decodeGreedy. Leaving the loop early waits for the chain still in flight (whose steps
   * only wrote cache positions past the last one kept).
   */
  async *greedyChains(token: number, position: number, count: number, chain = DECODE_CHAIN): AsyncGenerator<number[]> {
    if (!Number.isInteger(chain) || chain < 1 || chain > MAX_GREEDY_CHAIN) throw new Error(`a greedy chain takes 1 to ${MAX_GREEDY_CHAIN} steps, got ${chain}`);
    if (!Number.isInteger(count) || count < 1) throw new Error(`greedy decoding takes at least 1 step, got ${count}`);
    if (position + count > this.options.contextLength) {
      throw new Error(`${count} steps from position ${position} go past the session's context of ${this.options.contextLength}`);
    }
    const step = this.prepare([token], position, 'chain');
    const lengths: number[] = [];
    for (let done = 0; done < count; done += chain) lengths.push(Math.min(chain, count - done));
    const submit = (i: number) => {
      this.gpu.write(this.chain, this.zeroWord);
      const steps: Dispatch[] = [];
      for (let s = 0; s < lengths[i]; s++) steps.push(...step);
      const staging = this.chainStaging[i % this.chainStaging.length];
      return this.gpu.runAndRead(steps, this.chain, staging, (bytes) => Array.from(new Uint32Array(bytes, 4, lengths[i])));
    };
    const inFlight: Promise<number[]>[] = [];
    let submitted = 0;
    try {
      for (let i = 0; i < lengths.length; i++) {
        while (submitted < lengths.length && inFlight.length < this.chainStaging.length) {
          const ids = submit(submitted++);
          // Handled when its turn comes; until then a failure must not count as unhandled.
          ids.catch(() => undefined);
          inFlight.push(ids);
        }
        yield await inFlight.shift()!;
      }
    } finally {
      await Promise.allSettled(inFlight);
    }
  }

  /** The recorded greedy step for `token` at `position`, its id and position written, to be replayed (the decode profile). */
  recordedDecodeStep(token: number, position: number): readonly Dispatch[] {
    return this.prepare([token], position, 'argmax');
  }

  /** The greedy next token after the last forward(): the argmax of its last row, read back alone. */
  greedyToken(): Promise<number> {
    const vocab = this.model.config.vocabSize;
    return this.readToken(encodeArgmax(this.gpu, this.logits, this.token, this.lastTokens - 1, vocab));
  }

  private readToken(dispatches: readonly Dispatch[]): Promise<number> {
    return this.gpu.runAndRead(dispatches, this.token, this.tokenStaging, (bytes) => new Uint32Array(bytes)[0]);
  }

  /**
   * Checks a forward call, writes its token ids and position, and returns its recorded pass,
   * ending as `end` says.
   */
  private prepare(ids: ArrayLike<number>, startPos: number, end: PassEnd = 'logits'): Dispatch[] {
    const c = this.model.config;
    const m = ids.length;
    if (m === 0 || m > this.options.maxBatch) throw new Error(`forward takes 1 to ${this.options.maxBatch} tokens, got ${m}`);
    if (!Number.isInteger(startPos) || startPos < 0 || startPos + m > this.options.contextLength) {
      throw new Error(`positions ${startPos} to ${startPos + m} are not within the session's context of ${this.options.contextLength}`);
    }
    for (let i = 0; i < m; i++) {
      if (!(ids[i] >= 0 && ids[i] < c.vocabSize)) throw new Error(`token id ${ids[i]} is outside the vocabulary of ${c.vocabSize}`);
    }
    if (m === 1) {
      this.idWord[0] = ids[0];
      this.gpu.write(this.ids, this.idWord);
    } else {
      this.gpu.write(this.ids, Uint32Array.from(ids));
    }
    this.positionWord[0] = startPos;
    this.gpu.write(this.position, this.positionWord);
    this.lastTokens = m;
    return this.pass(m, end);
  }

  /** The recorded forward pass of m tokens; tests switch kernel families, so those are part of the key. */
  private pass(m: number, end: PassEnd): Dispatch[] {
    const key = `${m}|${end}|${this.gpu.directKernels}|${integerDot(this.gpu)}`;
    let pass = this.recorded.get(key);
    if (pass) {
      this.recorded.delete(key);
    } else {
      pass = this.record(m);
      const vocab = this.model.config.vocabSize;
      if (end === 'argmax') pass.push(...encodeArgmax(this.gpu, this.logits, this.token, m - 1, vocab));
      if (end === 'chain') pass.push(...encodeArgmaxChain(this.gpu, this.logits, this.chain, this.ids, this.position, m - 1, vocab));
      if (this.recorded.size >= MAX_RECORDED_PASSES) this.recorded.delete(this.recorded.keys().next().value as string);
    }
    this.recorded.set(key, pass);
    return pass;
  }

  private record(m: number): Dispatch[] {
    const gpu = this.gpu;
    const c = this.model.config;
    const act = this.model.preset.activations;
    const scratch = this.linearScratch ?? undefined;
    const shape = { kvHeads: c.numKvHeads, headDim: c.headDim };
    const layout = qkvLayout(c.numHeads, shape);
    const norm = (weight: GPUBuffer, residual?: GPUBuffer) =>
      encodeRmsNorm(gpu, { x: this.x, weight, y: this.xn, rows: m, width: c.hiddenSize, eps: c.rmsNormEps, residual });
    const out: Dispatch[] = [...encodeEmbedding(gpu, this.model.embedding, this.ids, this.x, m, c.hiddenSize)];
    this.model.blocks.forEach((block, layer) => {
      const cache = this.caches[layer];
      // The previous block's MLP output joins the stream in the same dispatch as this norm.
      out.push(...norm(block.inputNorm, layer > 0 ? this.proj : undefined));
      out.push(...encodeLinear(gpu, block.qkv, this.xn, this.qkv, m, act, scratch));
      out.push(...encodeKvWrite(gpu, this.kvFormat, shape, { tokens: m, qkv: this.qkv, layout, ropeTable: this.rope, position: this.position, cache }));
      out.push(
        ...encodeAttention(gpu, this.kvFormat, shape, {
          tokens: m,
          heads: c.numHeads,
          q: this.qkv,
          qRow: layout.row,
          position: this.position,
          cache,
          out: this.attn,
          shares: this.attentionShares,
        }),
      );
      out.push(...encodeLinear(gpu, block.o, this.attn, this.proj, m, act, scratch));
      out.push(...norm(block.postNorm, this.proj));
      out.push(...encodeLinear(gpu, block.gateUp, this.xn, this.gateUp, m, act, scratch));
      out.push(...encodeSwiglu(gpu, this.gateUp, this.mlp, m, c.intermediateSize));
      out.push(...encodeLinear(gpu, block.down, this.mlp, this.proj, m, act, scratch));
    });
    out.push(...norm(this.model.finalNorm, this.model.blocks.length > 0 ? this.proj : undefined));
    out.push(...encodeLinear(gpu, this.model.lmHead, this.xn, this.logits, m, null));
    return out;
  }

  /** Per row of the last forward(): [logsumexp, -log p(target)]. */
  async rowNll(targets: ArrayLike<number>): Promise<Float32Array> {
    const m = this.lastTokens;
    if (targets.length !== m) throw new Error(`rowNll needs ${m} targets, got ${targets.length}`);
    this.gpu.write(this.targets, Uint32Array.from(targets));
    this.gpu.run(encodeRowNll(this.gpu, this.logits, this.targets, this.nll, m, this.model.config.vocabSize));
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
    this.gpu.run(encodeTargetScore(this.gpu, this.logits, this.targets, out, n, vocab, firstRow, offset));
  }

  /** Logits of the last forward(), [tokens][vocab]. */
  readLogits(): Promise<Float32Array> {
    return this.gpu.readF32(this.logits, this.lastTokens * this.model.config.vocabSize);
  }

  /** Log-probabilities of the last forward(), [tokens][vocab] (overwrites the logits). */
  async readLogProbs(): Promise<Float32Array> {
    const m = this.lastTokens;
    this.gpu.run(encodeLogSoftmax(this.gpu, this.logits, m, this.model.config.vocabSize));
    return this.gpu.readF32(this.logits, m * this.model.config.vocabSize);
  }

  dispose(): void {
    for (const b of this.buffers) this.gpu.destroy(b);
    this.buffers.length = 0;
    this.gpu.destroy(this.tokenStaging);
    for (const b of this.chainStaging) this.gpu.destroy(b);
    this.linearScratch?.destroy();
    this.recorded.clear();
  }
}
