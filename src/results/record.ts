import { z } from 'zod';
import { effectiveBitsPerWeight, parsePreset } from '../quant/presets';

/**
 * A result record: what one cell of a sweep measured (one model, one preset, one task), as
 * stored in IndexedDB, exported as JSON/CSV and carried in links. Everything in a record may
 * come from an untrusted link or file, so every string is bounded and every number finite.
 *
 * Schema 2 is the current one. Schema 1 (perplexity only, written before the evaluation
 * harness) is still read: `parseRecord` upgrades it to schema 2.
 */
export const RECORD_SCHEMA = 2;

const name = (max: number) => z.string().min(1).max(max);
const finite = z.number().finite();
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const isoTime = z.iso.datetime({ offset: true });

/** Metric names as lm-evaluation-harness and llama.cpp spell them: acc, acc_norm_stderr, kld_p99, strict-match, ... */
const metricName = z.string().regex(/^[A-Za-z0-9_.,-]{1,64}$/);

export const ModelInfoSchema = z.object({
  name: name(200),
  /** sha256 over the weight files' sha256s in file-name order; null where the files could not be hashed. */
  sha256: sha256.nullable(),
  parameters: count,
  architecture: z.string().max(64),
});

export const DatasetInfoSchema = z.object({
  /** The registry's id (e.g. `arc_easy`), or the name a user gave an imported file. */
  name: name(200),
  /** sha256 of the original file(s) as imported; null for text typed or generated in place. */
  sha256: sha256.nullable(),
  /** Rows the dataset holds (before any limit). */
  rows: count,
});

export const TaskInfoSchema = z.object({
  /** `perplexity`, `kl-divergence`, `speed`, `arc_easy`, `mmlu`, `gsm8k`, `quantlab_lastword`, ... */
  name: name(64),
  /** Bumped whenever the task's prompt or scoring changes, so old and new scores never mix. */
  version: z.number().int().nonnegative().max(1000),
  dataset: DatasetInfoSchema,
  /** Items (or windows) asked for; null means all. */
  limit: z.number().int().positive().max(10_000_000).nullable(),
  shots: z.number().int().nonnegative().max(64),
  /** Seed of the few-shot draw and of any sampling. */
  seed: z.number().int().nonnegative().max(2 ** 32 - 1),
  /** Prompts rendered through the model's chat template (lm-eval's --apply_chat_template). */
  chat_template: z.boolean(),
  /** Settings of the task that change its numbers: n_ctx, prompt/decode lengths, top-k, max tokens. */
  settings: z.record(metricName, finite).refine((r) => Object.keys(r).length <= 16, 'at most 16 settings'),
});

export const DeviceInfoSchema = z.object({
  description: z.string().max(300),
  vendor: z.string().max(100),
  architecture: z.string().max(100),
  features: z.array(z.string().max(64)).max(64),
  limits: z.record(metricName, finite).refine((r) => Object.keys(r).length <= 32, 'at most 32 limits'),
});

export const MemorySchema = z.object({
  weights_bytes: count,
  kv_cache_bytes: count,
  scratch_bytes: count,
});

export const TimingSchema = z.object({
  /** Reading, quantizing and uploading the weights. */
  upload_seconds: finite.nonnegative(),
  /** Scoring alone, after the upload. */
  score_seconds: finite.nonnegative(),
  /** Items (or windows) scored a second, and tokens run through the model a second, both over score_seconds. */
  items_per_second: finite.nonnegative(),
  tokens_per_second: finite.nonnegative(),
});

/**
 * Per-item scores, compact: named arrays with one number an item (or window), in dataset order,
 * e.g. `acc` (0/1), `acc_norm`, `mc2`, `window_nll`. Two presets compare item by item through
 * them, and a run resumes from them. Links leave them out.
 */
const ItemsSchema = z
  .record(metricName, z.array(finite).max(1_000_000))
  .refine((r) => Object.keys(r).length <= 16, 'at most 16 per-item arrays');

export const ResultRecordSchema = z.object({
  schema: z.literal(RECORD_SCHEMA),
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** The sweep this cell belongs to: records of one run share it. */
  sweep: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  createdAt: isoTime,
  quantlab: z.object({ version: z.string().max(32) }),
  model: ModelInfoSchema,
  /** The preset's canonical name (src/quant/presets.ts) and what its weights cost. */
  preset: z.object({ name: name(200), bits_per_weight: finite.nonnegative().max(64) }),
  task: TaskInfoSchema,
  /** lm-eval's names: acc, acc_stderr, acc_norm, acc_norm_stderr, perplexity, tokens, kld_mean, ... */
  metrics: z.record(metricName, finite).refine((r) => Object.keys(r).length <= 64, 'at most 64 metrics'),
  items: ItemsSchema.optional(),
  memory: MemorySchema,
  timing: TimingSchema,
  device: DeviceInfoSchema,
});

export type ResultRecord = z.infer<typeof ResultRecordSchema>;
export type ModelInfo = z.infer<typeof ModelInfoSchema>;
export type TaskInfo = z.infer<typeof TaskInfoSchema>;
export type DeviceInfo = z.infer<typeof DeviceInfoSchema>;

/** Schema 1: one perplexity run, as QuantLab 0.1 stored it. Read only, to upgrade. */
const RecordV1Schema = z.object({
  schema: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  createdAt: isoTime,
  model: z.object({ name: name(200), parameters: count }),
  preset: name(200),
  task: z.literal('perplexity'),
  dataset: name(200),
  config: z.object({ n_ctx: z.number().int().positive().max(1_000_000), windows: z.number().int().positive().max(10_000_000) }),
  metrics: z.object({ perplexity: finite.positive(), bits_per_byte: finite.nonnegative(), tokens: count }),
  window_nll: z.array(finite).max(100_000),
  memory: MemorySchema,
  timing: z.object({ seconds: finite.nonnegative(), tokens_per_second: finite.nonnegative() }),
  device: z.string().max(300),
});

/** A schema-1 preset name this version cannot read keeps 0 bits per weight rather than losing the record. */
function bitsPerWeightOf(presetName: string): number {
  try {
    return effectiveBitsPerWeight(parsePreset(presetName));
  } catch {
    return 0;
  }
}

function upgradeV1(r: z.infer<typeof RecordV1Schema>): ResultRecord {
  return {
    schema: RECORD_SCHEMA,
    id: r.id,
    sweep: r.id,
    createdAt: r.createdAt,
    quantlab: { version: '0.1.0' },
    model: { name: r.model.name, sha256: null, parameters: r.model.parameters, architecture: '' },
    preset: { name: r.preset, bits_per_weight: bitsPerWeightOf(r.preset) },
    task: {
      name: 'perplexity',
      version: 1,
      dataset: { name: r.dataset, sha256: null, rows: 1 },
      limit: r.config.windows,
      shots: 0,
      seed: 0,
      chat_template: false,
      settings: { n_ctx: r.config.n_ctx, windows: r.config.windows },
    },
    metrics: { ...r.metrics },
    items: { window_nll: r.window_nll },
    memory: r.memory,
    // Schema 1 timed the upload and the scoring together.
    timing: { upload_seconds: 0, score_seconds: r.timing.seconds, items_per_second: r.config.windows / Math.max(r.timing.seconds, 1e-9), tokens_per_second: r.timing.tokens_per_second },
    device: { description: r.device, vendor: '', architecture: '', features: [], limits: {} },
  };
}

export type ParsedRecord = { ok: true; record: ResultRecord } | { ok: false; problems: string[] };

/** Reads a record of any known schema, upgraded to the current one, or says what is wrong with it. */
export function parseRecord(value: unknown): ParsedRecord {
  const schema = (value as { schema?: unknown } | null)?.schema;
  if (schema === 1) {
    const v1 = RecordV1Schema.safeParse(value);
    if (v1.success) return { ok: true, record: upgradeV1(v1.data) };
    return { ok: false, problems: describeIssues(v1.error.issues) };
  }
  const parsed = ResultRecordSchema.safeParse(value);
  if (parsed.success) return { ok: true, record: parsed.data };
  return { ok: false, problems: describeIssues(parsed.error.issues) };
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.slice(0, 5).map((i) => `${i.path.join('.') || 'the record'}: ${i.message}`);
}

export function newRecordId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
