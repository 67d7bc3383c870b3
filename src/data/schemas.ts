/**
 * The rows every dataset is stored as: the Hugging Face dataset's own schema, the one
 * lm-evaluation-harness's task YAML reads (`dataset_path` / `dataset_name` below). Importers of
 * the authors' original files (../shared/datasets/README.md) and of llama.cpp's data files map
 * their fields into these; the task scorers in src/eval/ read only these.
 *
 * Rows are checked with these schemas on import; a row that fails names its index and field.
 */
import { z } from 'zod';

const text = z.string();
/** A multiple-choice target set as truthful_qa stores it: choices with a 0/1 label each. */
const targets = z
  .object({ choices: z.array(text).min(1), labels: z.array(z.union([z.literal(0), z.literal(1)])) })
  .refine((t) => t.choices.length === t.labels.length, 'choices and labels must be the same length')
  .refine((t) => t.labels.includes(1), 'at least one choice must be labelled true');

export const ROW_SCHEMAS = {
  /** Raw text for perplexity (EleutherAI/wikitext_document_level's `page`, a plain text file's whole content). */
  text: z.object({ text }),
  /** EleutherAI/lambada_openai: the passage; the target is its last word. */
  lambada: z.object({ text: text.min(1) }),
  /** allenai/ai2_arc (ARC-Easy, ARC-Challenge). */
  arc: z
    .object({
      id: text,
      question: text,
      choices: z.object({ text: z.array(text).min(2), label: z.array(text).min(2) }),
      answerKey: text,
    })
    .refine((r) => r.choices.text.length === r.choices.label.length, { message: 'choices.text and choices.label differ in length', path: ['choices'] })
    .refine((r) => r.choices.label.includes(r.answerKey), { message: 'answerKey is not one of choices.label', path: ['answerKey'] }),
  /** Rowan/hellaswag: label is a string index into endings. */
  hellaswag: z
    .object({ activity_label: text, ctx_a: text, ctx_b: text, endings: z.array(text).min(2), label: z.string().regex(/^\d+$/) })
    .refine((r) => Number(r.label) < r.endings.length, { message: 'label is past the last ending', path: ['label'] }),
  /** ybisk/piqa (lm-eval: baber/piqa): label 0 picks sol1, 1 picks sol2. */
  piqa: z.object({ goal: text, sol1: text, sol2: text, label: z.union([z.literal(0), z.literal(1)]) }),
  /** allenai/winogrande (winogrande_xl): `_` in sentence marks the blank; answer "1" or "2". */
  winogrande: z
    .object({ sentence: text, option1: text, option2: text, answer: z.enum(['1', '2']) })
    .refine((r) => r.sentence.includes('_'), { message: 'sentence has no "_" blank', path: ['sentence'] }),
  /** super_glue/boolq: label 0 = false ("no"), 1 = true ("yes"). */
  boolq: z.object({ question: text, passage: text, label: z.union([z.literal(0), z.literal(1)]) }),
  /** cais/mmlu: four choices, answer an index; subject the config name (e.g. high_school_physics). */
  mmlu: z.object({
    question: text,
    subject: z.string().regex(/^[a-z_]{1,64}$/),
    choices: z.array(text).length(4),
    answer: z.number().int().min(0).max(3),
  }),
  /** truthful_qa (multiple_choice): mc1_targets has one true choice, mc2_targets one or more. */
  truthfulqa_mc: z.object({
    question: text,
    mc1_targets: targets.refine((t) => t.labels.filter((l) => l === 1).length === 1, 'mc1_targets must have exactly one true choice'),
    mc2_targets: targets,
  }),
  /** openai/gsm8k (main): the answer's final number follows `#### `. */
  gsm8k: z.object({ question: text, answer: text.regex(/####\s*\S/, 'answer has no "#### <number>" line') }),
  /** QuantLab's 4-way continuation task: the true continuation of a passage among three taken from other passages. */
  continuation: z
    .object({ context: text.min(1), endings: z.array(text.min(1)).min(2), label: z.number().int().nonnegative() })
    .refine((r) => r.label < r.endings.length, { message: 'label is past the last ending', path: ['label'] }),
} as const;

export type RowSchemaName = keyof typeof ROW_SCHEMAS;
export type RowOf<S extends RowSchemaName> = z.infer<(typeof ROW_SCHEMAS)[S]>;

export type TextRow = RowOf<'text'>;
export type LambadaRow = RowOf<'lambada'>;
export type ArcRow = RowOf<'arc'>;
export type HellaswagRow = RowOf<'hellaswag'>;
export type PiqaRow = RowOf<'piqa'>;
export type WinograndeRow = RowOf<'winogrande'>;
export type BoolqRow = RowOf<'boolq'>;
export type MmluRow = RowOf<'mmlu'>;
export type TruthfulqaMcRow = RowOf<'truthfulqa_mc'>;
export type Gsm8kRow = RowOf<'gsm8k'>;
export type ContinuationRow = RowOf<'continuation'>;

/**
 * What a task reads: a dataset's rows, in order, in chunks, without the whole dataset in
 * memory. The IndexedDB store (browser), the cache folder (CLI) and tests (arrays) all give one.
 */
export interface RowSource<Row> {
  /** Registry id or user-given name, sha256 of the original file(s) (null where there is none), row count. */
  readonly info: { name: string; sha256: string | null; rows: number };
  /** Rows from index `start` on, a chunk at a time. */
  chunks(start?: number): AsyncIterable<Row[]>;
}
