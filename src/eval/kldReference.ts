/**
 * The 16-bit model's KL-divergence reference, kept once and read by every preset: one entry a
 * window (kld.ts's top-k layout) plus a small manifest, keyed by the model's sha256, the text's
 * sha256, n_ctx and k. Windows are saved as they are computed, so an interrupted reference
 * resumes; the manifest counts the windows saved.
 */
import { z } from 'zod';
import { decodeReferenceWindow, encodeReferenceWindow, type ReferenceWindow } from './kld';
import { jsonBytes, parseJsonBytes, type BinaryStore } from './stores/binary';

const ManifestSchema = z.object({
  version: z.literal(1),
  windows: z.number().int().nonnegative(),
  saved: z.number().int().nonnegative(),
  k: z.number().int().positive(),
  vocab: z.number().int().positive(),
});

export type ReferenceManifest = z.infer<typeof ManifestSchema>;

export interface ReferenceKey {
  modelSha256: string;
  textSha256: string;
  nCtx: number;
  k: number;
}

export class KldReferenceStore {
  constructor(private readonly store: BinaryStore) {}

  get location(): string {
    return this.store.location;
  }

  private base(key: ReferenceKey): string {
    return `kld:${key.modelSha256}:${key.textSha256}:${key.nCtx}:${key.k}`;
  }

  async manifest(key: ReferenceKey): Promise<ReferenceManifest | null> {
    const bytes = await this.store.get(`${this.base(key)}:manifest`);
    if (!bytes) return null;
    try {
      const parsed = ManifestSchema.safeParse(parseJsonBytes(bytes));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  async window(key: ReferenceKey, index: number): Promise<ReferenceWindow> {
    const bytes = await this.store.get(`${this.base(key)}:w${index}`);
    if (!bytes) throw new Error(`window ${index} of the KL-divergence reference is missing from ${this.store.location}`);
    return decodeReferenceWindow(bytes);
  }

  /** Saves window `index` (they are saved in order) and counts it in the manifest. */
  async saveWindow(key: ReferenceKey, index: number, windows: number, vocab: number, w: ReferenceWindow): Promise<void> {
    await this.store.put(`${this.base(key)}:w${index}`, encodeReferenceWindow(w));
    await this.store.put(`${this.base(key)}:manifest`, jsonBytes({ version: 1, windows, saved: index + 1, k: key.k, vocab }));
  }

  async delete(key: ReferenceKey): Promise<void> {
    for (const k of await this.store.keys(`${this.base(key)}:`)) await this.store.delete(k);
  }
}
