import finiteCode from '../../../shaders/finite.wgsl?raw';
import type { GpuContext } from '../../gpu/context';

/** How a buffer holds its values: f16 two to a u32, or f32. */
export type FloatLayout = 'f16' | 'f32';

export interface NonFiniteCount {
  name: string;
  layout: FloatLayout;
  /** Values that are NaN or infinite. */
  count: number;
}

/** Words an invocation reads at least before more invocations are dispatched, and the most workgroups: enough to fill a GPU. */
const WORDS_PER_INVOCATION = 16;
const MAX_WORKGROUPS = 4096;
/** Invocations of a workgroup: the shader's THREADS override. */
const THREADS = 64;

/**
 * Counts, on the GPU, the values of tensors that are not finite numbers (shaders/finite.wgsl):
 * one dispatch a tensor as it is uploaded, and one read for all of them at the end.
 */
export class NonFiniteCounter {
  private readonly counts: GPUBuffer;
  private readonly queued: { name: string; layout: FloatLayout }[] = [];

  constructor(
    private readonly gpu: GpuContext,
    private readonly capacity: number,
  ) {
    this.counts = gpu.upload('non-finite value counts', new Uint32Array(capacity));
  }

  /**
   * Queues the count of `values` values of `buffer` from word `firstWord` on, under `name`; a
   * name already counted is not counted again.
   */
  count(name: string, buffer: GPUBuffer, layout: FloatLayout, values: number, firstWord = 0): void {
    if (this.queued.some((q) => q.name === name)) return;
    if (this.queued.length === this.capacity) throw new Error(`the non-finite counter holds ${this.capacity} tensors; ${name} is one more`);
    const slot = this.queued.length;
    this.queued.push({ name, layout });
    const words = layout === 'f16' ? Math.ceil(values / 2) : values;
    const workgroups = Math.max(1, Math.min(MAX_WORKGROUPS, Math.ceil(words / WORDS_PER_INVOCATION / THREADS)));
    const params = this.gpu.uniform([words, workgroups * THREADS, slot, firstWord], 'uuuu');
    const pipeline = this.gpu.pipeline(finiteCode, `count_${layout}`, { THREADS });
    this.gpu.run([this.gpu.record(pipeline, [params, buffer, this.counts], [workgroups])]);
  }

  /** Every tensor's count, in the order they were queued; frees the counter. */
  async read(): Promise<NonFiniteCount[]> {
    try {
      const counts = await this.gpu.readU32(this.counts, this.capacity);
      return this.queued.map((q, i) => ({ ...q, count: counts[i] }));
    } finally {
      this.gpu.destroy(this.counts);
    }
  }
}
