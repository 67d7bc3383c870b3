/**
 * The benchmarks QuantLab knows: for each, the row schema (schemas.ts), where the Hugging Face
 * copy is (repo, config and split as lm-evaluation-harness's task YAML names them, checked
 * against lm_eval/tasks/), and which files a user may have of it (layouts.ts). Also the
 * datasets that ship with the lab (public/datasets/, built by scripts/build-datasets.ts).
 */
import { DataError } from './errors';
import type { FieldMapping } from './layouts';
import type { RowSchemaName } from './schemas';

export const MMLU_SUBJECTS = [
  'abstract_algebra', 'anatomy', 'astronomy', 'business_ethics', 'clinical_knowledge', 'college_biology',
  'college_chemistry', 'college_computer_science', 'college_mathematics', 'college_medicine', 'college_physics',
  'computer_security', 'conceptual_physics', 'econometrics', 'electrical_engineering', 'elementary_mathematics',
  'formal_logic', 'global_facts', 'high_school_biology', 'high_school_chemistry', 'high_school_computer_science',
  'high_school_european_history', 'high_school_geography', 'high_school_government_and_politics',
  'high_school_macroeconomics', 'high_school_mathematics', 'high_school_microeconomics', 'high_school_physics',
  'high_school_psychology', 'high_school_statistics', 'high_school_us_history', 'high_school_world_history',
  'human_aging', 'human_sexuality', 'international_law', 'jurisprudence', 'logical_fallacies', 'machine_learning',
  'management', 'marketing', 'medical_genetics', 'miscellaneous', 'moral_disputes', 'moral_scenarios', 'nutrition',
  'philosophy', 'prehistory', 'professional_accounting', 'professional_law', 'professional_medicine',
  'professional_psychology', 'public_relations', 'security_studies', 'sociology', 'us_foreign_policy', 'virology',
  'world_religions',
] as const;

export interface HubSource {
  repo: string;
  config: string;
  /** The splits stored, the evaluation split first. */
  splits: readonly string[];
  /** Where the Hub's columns differ from the schema's names. */
  mapping?: FieldMapping;
}

export interface DatasetSpec {
  id: string;
  title: string;
  schema: RowSchemaName;
  /** The stored dataset the rows are kept under; two tasks that read the same rows share one. */
  storedAs: string;
  /** The split a task scores. */
  split: string;
  /** The split few-shot examples come from, stored beside it. */
  fewshotSplit?: string;
  hub: HubSource | null;
  /** Layouts of the files a user may drop, in the order they are tried. */
  layouts: readonly string[];
  /** Plain words: which files these are and where people get them. */
  files: string;
  /** Shipped with the lab: the file's path under public/. */
  embedded?: string;
}

type Entry = Omit<DatasetSpec, 'id' | 'storedAs'> & { storedAs?: string };

const ENTRIES: Record<string, Entry> = {
  wikitext: {
    title: 'WikiText-2 (raw), test',
    schema: 'text',
    split: 'test',
    hub: { repo: 'EleutherAI/wikitext_document_level', config: 'wikitext-2-raw-v1', splits: ['test'], mapping: { text: 'page' } },
    layouts: ['hf:text'],
    files: 'wiki.test.raw (the text llama-perplexity is usually run on) or any plain text file',
  },
  lambada_openai: {
    title: 'LAMBADA (OpenAI version), test',
    schema: 'lambada',
    split: 'test',
    hub: { repo: 'EleutherAI/lambada_openai', config: 'default', splits: ['test'] },
    layouts: ['hf:lambada'],
    files: 'lambada_test.jsonl (one {"text": ...} a line)',
  },
  arc_easy: {
    title: 'ARC-Easy, test',
    schema: 'arc',
    split: 'test',
    hub: { repo: 'allenai/ai2_arc', config: 'ARC-Easy', splits: ['test'] },
    layouts: ['ai2-arc', 'hf:arc', 'llama-mc-arc'],
    files: "AI2's ARC-Easy-Test.jsonl, or llama.cpp's arc-easy multiple-choice .bin",
  },
  arc_challenge: {
    title: 'ARC-Challenge, test',
    schema: 'arc',
    split: 'test',
    hub: { repo: 'allenai/ai2_arc', config: 'ARC-Challenge', splits: ['test'] },
    layouts: ['ai2-arc', 'hf:arc', 'llama-mc-arc'],
    files: "AI2's ARC-Challenge-Test.jsonl, or llama.cpp's arc-challenge multiple-choice .bin",
  },
  hellaswag: {
    title: 'HellaSwag, validation',
    schema: 'hellaswag',
    split: 'validation',
    hub: { repo: 'Rowan/hellaswag', config: 'default', splits: ['validation'] },
    layouts: ['hf:hellaswag', 'hellaswag-original', 'llama-hellaswag'],
    files: "hellaswag_val.jsonl (Rowan Zellers' original), or llama.cpp's hellaswag_val_full.txt",
  },
  piqa: {
    title: 'PIQA, validation',
    schema: 'piqa',
    split: 'validation',
    // lm-eval reads baber/piqa: ybisk/piqa is a loading script, which the Hub does not convert to Parquet.
    hub: { repo: 'baber/piqa', config: 'default', splits: ['validation'] },
    layouts: ['piqa-original', 'hf:piqa'],
    files: 'valid.jsonl together with valid-labels.lst (one 0 or 1 a line)',
  },
  winogrande: {
    title: 'WinoGrande (xl), validation',
    schema: 'winogrande',
    split: 'validation',
    hub: { repo: 'allenai/winogrande', config: 'winogrande_xl', splits: ['validation'] },
    layouts: ['hf:winogrande', 'llama-winogrande'],
    files: "dev.jsonl (AI2's original, answer \"1\" or \"2\"), or llama.cpp's winogrande-debiased-eval.csv",
  },
  boolq: {
    title: 'BoolQ, validation',
    schema: 'boolq',
    split: 'validation',
    hub: { repo: 'aps/super_glue', config: 'boolq', splits: ['validation'] },
    layouts: ['boolq-original', 'hf:boolq'],
    files: "Google's dev.jsonl (answer true or false)",
  },
  mmlu: {
    title: 'MMLU, 57 subjects, test (dev: the 5 few-shot examples a subject)',
    schema: 'mmlu',
    split: 'test',
    fewshotSplit: 'dev',
    // The `all` config holds the 57 subject configs' rows, each with its subject: one file a split instead of 57.
    hub: { repo: 'cais/mmlu', config: 'all', splits: ['test', 'dev'] },
    layouts: ['mmlu-csv', 'hf:mmlu'],
    files: "Hendrycks' CSVs: test/SUBJECT_test.csv and dev/SUBJECT_dev.csv (no header row)",
  },
  truthfulqa_mc1: {
    title: 'TruthfulQA multiple choice (mc1: one true answer), validation',
    schema: 'truthfulqa_mc',
    storedAs: 'truthfulqa_mc',
    split: 'validation',
    hub: { repo: 'truthfulqa/truthful_qa', config: 'multiple_choice', splits: ['validation'] },
    layouts: ['truthfulqa-mc-json', 'hf:truthfulqa_mc', 'llama-mc-truthfulqa'],
    files: "TruthfulQA's data/v0/mc_task.json, or llama.cpp's truthful-qa multiple-choice .bin",
  },
  truthfulqa_mc2: {
    title: 'TruthfulQA multiple choice (mc2: several true answers), validation',
    schema: 'truthfulqa_mc',
    storedAs: 'truthfulqa_mc',
    split: 'validation',
    hub: { repo: 'truthfulqa/truthful_qa', config: 'multiple_choice', splits: ['validation'] },
    layouts: ['truthfulqa-mc-json', 'hf:truthfulqa_mc', 'llama-mc-truthfulqa'],
    files: "TruthfulQA's data/v0/mc_task.json, or llama.cpp's truthful-qa multiple-choice .bin",
  },
  gsm8k: {
    title: 'GSM8K, test',
    schema: 'gsm8k',
    split: 'test',
    hub: { repo: 'openai/gsm8k', config: 'main', splits: ['test'] },
    layouts: ['hf:gsm8k'],
    files: "OpenAI's grade_school_math/data/test.jsonl",
  },
  quantlab_heldout: {
    title: "quantlab-tiny's held-out text (perplexity)",
    schema: 'text',
    split: 'test',
    hub: null,
    layouts: ['hf:text'],
    files: 'public/models/quantlab-tiny/heldout.txt',
    embedded: 'models/quantlab-tiny/heldout.txt',
  },
  quantlab_lastword: {
    title: 'QuantLab last word (LAMBADA-style, from the held-out text)',
    schema: 'lambada',
    split: 'test',
    hub: null,
    layouts: ['hf:lambada'],
    files: 'public/datasets/quantlab_lastword.jsonl',
    embedded: 'datasets/quantlab_lastword.jsonl',
  },
  quantlab_continuation: {
    title: 'QuantLab 4-way continuation (from the held-out text)',
    schema: 'continuation',
    split: 'test',
    hub: null,
    layouts: ['hf:continuation', 'llama-mc-continuation'],
    files: 'public/datasets/quantlab_continuation.jsonl',
    embedded: 'datasets/quantlab_continuation.jsonl',
  },
};

export const DATASETS: Readonly<Record<string, DatasetSpec>> = Object.fromEntries(
  Object.entries(ENTRIES).map(([id, e]) => [id, { ...e, id, storedAs: e.storedAs ?? id }]),
);

export const DATASET_IDS = Object.keys(DATASETS);

export function datasetSpec(id: string): DatasetSpec {
  const spec = DATASETS[id];
  if (!spec) throw new DataError(`no dataset "${id}"; known: ${DATASET_IDS.join(', ')}`);
  return spec;
}

/** The stored name's spec (the first registry entry kept under it). */
export function specOfStored(name: string): DatasetSpec | undefined {
  return Object.values(DATASETS).find((s) => s.storedAs === name);
}
