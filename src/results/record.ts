import { z } from 'zod';

/** A result record: everything one run measured, as stored, exported and put into permalinks. */
export const ResultRecordSchema = z.object({
  schema: z.literal(1),
  id: z.string().min(1).max(64),
  createdAt: z.string(),
  model: z.object({
    name: z.string().max(200),
    parameters: z.number().int().nonnegative(),
  }),
  preset: z.string().max(200),
  task: z.literal('perplexity'),
  dataset: z.string().max(200),
  config: z.object({ n_ctx: z.number().int().positive(), windows: z.number().int().positive() }),
  metrics: z.object({
    perplexity: z.number().positive(),
    bits_per_byte: z.number().nonnegative(),
    tokens: z.number().int().nonnegative(),
  }),
  window_nll: z.array(z.number()).max(100_000),
  memory: z.object({
    weights_bytes: z.number().nonnegative(),
    kv_cache_bytes: z.number().nonnegative(),
    scratch_bytes: z.number().nonnegative(),
  }),
  timing: z.object({
    seconds: z.number().nonnegative(),
    tokens_per_second: z.number().nonnegative(),
  }),
  device: z.string().max(300),
});

export type ResultRecord = z.infer<typeof ResultRecordSchema>;

export function newRecordId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
