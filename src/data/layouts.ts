/**
 * How a file's records become dataset rows. A layout names the fields it reads, each at a path in
 * the record (`question.stem`, `0` for a headerless CSV's first column), and builds the row of its
 * schema from them. The paths are what a user corrects when a dropped file names its fields
 * differently: a FieldMapping replaces any of them, and is remembered per dataset.
 *
 * The row a layout builds is then checked against the schema (schemas.ts) by the importer.
 */
import type { RowSchemaName } from './schemas';

/** Layout field name -> path in the record. */
export type FieldMapping = Record<string, string>;

export type FormatId = 'jsonl' | 'json' | 'csv' | 'csv-headerless' | 'parquet' | 'text' | 'llama-hellaswag' | 'llama-winogrande' | 'llama-mc';

export interface LayoutField {
  name: string;
  /** Where the field is in the file's records by default. */
  path: string;
  /** Said to the user when the field is missing or wrong. */
  what: string;
}

export interface ConvertContext {
  /** The MMLU subject, from the file name of Hendrycks' CSVs. */
  subject?: string;
  /** 0-based index of the record in its file. */
  index: number;
}

export interface Layout {
  id: string;
  schema: RowSchemaName;
  /** Plain words for the UI: which files this is. */
  title: string;
  formats: readonly FormatId[];
  fields: readonly LayoutField[];
  convert(get: (field: string) => unknown, ctx: ConvertContext): unknown;
}

/** A field that is missing or of the wrong type; the importer adds the file and the row. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'FieldError';
  }
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

export function asString(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new FieldError(field, `${field} should be text but is ${typeOf(v)}`);
  return v;
}

function asStrings(v: unknown, field: string): string[] {
  if (!Array.isArray(v)) throw new FieldError(field, `${field} should be a list of texts but is ${typeOf(v)}`);
  return v.map((x, i) => asString(x, `${field}[${i}]`));
}

function asObject(v: unknown, field: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new FieldError(field, `${field} should be an object but is ${typeOf(v)}`);
  return v as Record<string, unknown>;
}

/** A field's value at a dotted path; undefined where any step is missing. */
export function valueAt(record: unknown, path: string): unknown {
  let v: unknown = record;
  for (const step of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[step];
  }
  return v;
}

/** The fields of each schema, as the Hugging Face dataset names them. */
export const SCHEMA_FIELDS: Record<RowSchemaName, readonly string[]> = {
  text: ['text'],
  lambada: ['text'],
  arc: ['id', 'question', 'choices', 'answerKey'],
  hellaswag: ['activity_label', 'ctx_a', 'ctx_b', 'endings', 'label'],
  piqa: ['goal', 'sol1', 'sol2', 'label'],
  winogrande: ['sentence', 'option1', 'option2', 'answer'],
  boolq: ['question', 'passage', 'label'],
  mmlu: ['question', 'subject', 'choices', 'answer'],
  truthfulqa_mc: ['question', 'mc1_targets', 'mc2_targets'],
  gsm8k: ['question', 'answer'],
  continuation: ['context', 'endings', 'label'],
};

const ROW_FORMATS = ['jsonl', 'json', 'csv', 'parquet'] as const;
const FLAT_SCHEMAS: readonly RowSchemaName[] = ['text', 'lambada', 'piqa', 'winogrande', 'boolq', 'gsm8k'];

/** The Hugging Face layout of a schema: its fields under their own names (renamable by a mapping). */
export function hfLayout(schema: RowSchemaName): Layout {
  return {
    id: `hf:${schema}`,
    schema,
    title: 'Hugging Face columns',
    // CSV holds only flat text fields: schemas with lists or objects are not read from it.
    formats: schema === 'text' ? [...ROW_FORMATS, 'text'] : FLAT_SCHEMAS.includes(schema) ? ROW_FORMATS : ROW_FORMATS.filter((f) => f !== 'csv'),
    fields: SCHEMA_FIELDS[schema].map((name) => ({ name, path: name, what: name })),
    convert: (get) => Object.fromEntries(SCHEMA_FIELDS[schema].map((name) => [name, get(name)])),
  };
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `{choice text: 0 or 1}` in the object's order, as TruthfulQA's mc_task.json writes its targets. */
function targetsFromObject(v: unknown, field: string): { choices: string[]; labels: number[] } {
  const object = asObject(v, field);
  const choices = Object.keys(object);
  // JSON.parse puts integer-like keys first, whatever their place in the file: the order would be wrong.
  const numeric = choices.find((c) => /^(0|[1-9]\d{0,8})$/.test(c));
  if (numeric !== undefined) throw new FieldError(field, `${field} has the choice "${numeric}", whose place among the choices cannot be kept`);
  return { choices, labels: choices.map((c) => object[c] as number) };
}

function singleCorrect(labels: number[], field: string): number {
  const correct = labels.flatMap((l, i) => (l === 1 ? [i] : []));
  if (correct.length !== 1) throw new FieldError(field, `${field} should mark exactly one answer correct (label 1) but marks ${correct.length}`);
  return correct[0];
}

function llamaChoiceSet(v: unknown, field: string): { answers: string[]; labels: number[] } {
  const set = asObject(v, field);
  return { answers: asStrings(set.answers, `${field}.answers`), labels: set.labels as number[] };
}

export const ORIGINAL_LAYOUTS: readonly Layout[] = [
  {
    id: 'ai2-arc',
    schema: 'arc',
    title: "AI2's ARC JSONL (question.stem, question.choices[])",
    formats: ['jsonl', 'json'],
    fields: [
      { name: 'id', path: 'id', what: 'the question id' },
      { name: 'stem', path: 'question.stem', what: 'the question text' },
      { name: 'choices', path: 'question.choices', what: 'the list of {text, label} choices' },
      { name: 'answerKey', path: 'answerKey', what: 'the correct choice label' },
    ],
    convert(get) {
      const choices = get('choices');
      if (!Array.isArray(choices)) throw new FieldError('choices', `choices should be a list of {text, label} but is ${typeOf(choices)}`);
      const items = choices.map((c, i) => asObject(c, `choices[${i}]`));
      return {
        id: asString(get('id'), 'id'),
        question: asString(get('stem'), 'stem'),
        choices: {
          text: items.map((c, i) => asString(c.text, `choices[${i}].text`)),
          label: items.map((c, i) => asString(c.label, `choices[${i}].label`)),
        },
        answerKey: get('answerKey'),
      };
    },
  },
  {
    id: 'piqa-original',
    schema: 'piqa',
    title: 'PIQA valid.jsonl with valid-labels.lst',
    formats: ['jsonl'],
    fields: [
      { name: 'goal', path: 'goal', what: 'the goal' },
      { name: 'sol1', path: 'sol1', what: 'the first solution' },
      { name: 'sol2', path: 'sol2', what: 'the second solution' },
      { name: 'label', path: 'label', what: 'the label, from the labels file' },
    ],
    convert: (get) => ({ goal: get('goal'), sol1: get('sol1'), sol2: get('sol2'), label: get('label') }),
  },
  {
    id: 'boolq-original',
    schema: 'boolq',
    title: "Google's BoolQ JSONL (answer true/false)",
    formats: ['jsonl', 'json'],
    fields: [
      { name: 'question', path: 'question', what: 'the question' },
      { name: 'title', path: 'title', what: "the title of the passage's Wikipedia page" },
      { name: 'passage', path: 'passage', what: 'the passage' },
      { name: 'answer', path: 'answer', what: 'the answer, true or false' },
    ],
    convert(get) {
      const answer = get('answer');
      if (typeof answer !== 'boolean') throw new FieldError('answer', `answer should be true or false but is ${typeOf(answer)}`);
      // SuperGLUE's BoolQ (the rows lm-eval's boolq reads, aps/super_glue on the Hub) writes the passage as "title -- passage".
      const passage = `${asString(get('title'), 'title')} -- ${asString(get('passage'), 'passage')}`;
      return { question: get('question'), passage, label: answer ? 1 : 0 };
    },
  },
  {
    id: 'mmlu-csv',
    schema: 'mmlu',
    title: "Hendrycks' MMLU CSV (no header: question, A, B, C, D, answer letter; subject from the file name)",
    formats: ['csv-headerless'],
    fields: [
      { name: 'question', path: '0', what: 'the question (column 1)' },
      { name: 'A', path: '1', what: 'choice A (column 2)' },
      { name: 'B', path: '2', what: 'choice B (column 3)' },
      { name: 'C', path: '3', what: 'choice C (column 4)' },
      { name: 'D', path: '4', what: 'choice D (column 5)' },
      { name: 'answer', path: '5', what: 'the answer letter (column 6)' },
    ],
    convert(get, ctx) {
      const letter = asString(get('answer'), 'answer').trim();
      const answer = 'ABCD'.indexOf(letter);
      if (letter.length !== 1 || answer < 0) throw new FieldError('answer', `answer should be a letter A-D but is "${letter}"`);
      if (!ctx.subject) throw new FieldError('subject', 'the subject comes from the file name (e.g. anatomy_test.csv), and this file name has none');
      return {
        question: asString(get('question'), 'question'),
        subject: ctx.subject,
        choices: ['A', 'B', 'C', 'D'].map((c) => asString(get(c), c)),
        answer,
      };
    },
  },
  {
    id: 'truthfulqa-mc-json',
    schema: 'truthfulqa_mc',
    title: "TruthfulQA's mc_task.json ({choice: 0 or 1} targets)",
    formats: ['json', 'jsonl'],
    fields: [
      { name: 'question', path: 'question', what: 'the question' },
      { name: 'mc1_targets', path: 'mc1_targets', what: 'the single-answer targets, {choice: 0 or 1}' },
      { name: 'mc2_targets', path: 'mc2_targets', what: 'the multiple-answer targets, {choice: 0 or 1}' },
    ],
    convert: (get) => ({
      question: get('question'),
      mc1_targets: targetsFromObject(get('mc1_targets'), 'mc1_targets'),
      mc2_targets: targetsFromObject(get('mc2_targets'), 'mc2_targets'),
    }),
  },
  {
    id: 'hellaswag-original',
    schema: 'hellaswag',
    title: "Rowan Zellers' hellaswag_val.jsonl (label a number)",
    formats: ['jsonl'],
    fields: ['activity_label', 'ctx_a', 'ctx_b', 'endings', 'label'].map((name) => ({ name, path: name, what: name })),
    convert(get) {
      const label = get('label');
      if (typeof label !== 'number' || !Number.isInteger(label)) throw new FieldError('label', `label should be a whole number but is ${typeOf(label)}`);
      return { activity_label: get('activity_label'), ctx_a: get('ctx_a'), ctx_b: get('ctx_b'), endings: get('endings'), label: String(label) };
    },
  },
  {
    id: 'llama-hellaswag',
    schema: 'hellaswag',
    title: 'llama.cpp hellaswag text (llama-perplexity --hellaswag, 6 lines a task)',
    formats: ['llama-hellaswag'],
    fields: [
      { name: 'context', path: 'context', what: 'the context line' },
      { name: 'label', path: 'label', what: 'the gold ending line' },
      { name: 'endings', path: 'endings', what: 'the four ending lines' },
    ],
    convert(get) {
      const context = asString(get('context'), 'context');
      // The line is activity_label + ": " + context, already preprocessed as lm-eval does.
      const colon = context.indexOf(': ');
      const [activity, ctx] = colon < 0 ? ['', context] : [context.slice(0, colon), context.slice(colon + 2)];
      return { activity_label: activity, ctx_a: ctx, ctx_b: '', endings: get('endings'), label: get('label') };
    },
  },
  {
    id: 'llama-winogrande',
    schema: 'winogrande',
    title: 'llama.cpp winogrande CSV (llama-perplexity --winogrande)',
    formats: ['llama-winogrande'],
    fields: ['sentence', 'option1', 'option2', 'answer'].map((name) => ({ name, path: name, what: name })),
    convert: (get) => ({ sentence: get('sentence'), option1: get('option1'), option2: get('option2'), answer: get('answer') }),
  },
  {
    id: 'llama-mc-truthfulqa',
    schema: 'truthfulqa_mc',
    title: 'llama.cpp multiple-choice binary (llama-perplexity --multiple-choice), TruthfulQA',
    formats: ['llama-mc'],
    fields: [
      { name: 'question', path: 'question', what: 'the question' },
      { name: 'mc1', path: 'mc1', what: 'the single-answer set' },
      { name: 'mc2', path: 'mc2', what: 'the multiple-answer set' },
    ],
    convert(get) {
      const mc1 = llamaChoiceSet(get('mc1'), 'mc1');
      const mc2 = llamaChoiceSet(get('mc2'), 'mc2');
      return {
        question: get('question'),
        mc1_targets: { choices: mc1.answers, labels: mc1.labels },
        mc2_targets: { choices: mc2.answers, labels: mc2.labels },
      };
    },
  },
  {
    id: 'llama-mc-arc',
    schema: 'arc',
    title: 'llama.cpp multiple-choice binary (llama-perplexity --multiple-choice), ARC',
    formats: ['llama-mc'],
    fields: [
      { name: 'question', path: 'question', what: 'the question' },
      { name: 'mc1', path: 'mc1', what: 'the answers, one correct' },
    ],
    convert(get, ctx) {
      const mc1 = llamaChoiceSet(get('mc1'), 'mc1');
      const label = mc1.answers.map((_, i) => LETTERS[i] ?? String(i + 1));
      return {
        id: `task-${ctx.index + 1}`,
        question: get('question'),
        choices: { text: mc1.answers, label },
        answerKey: label[singleCorrect(mc1.labels, 'mc1.labels')],
      };
    },
  },
  {
    id: 'llama-mc-continuation',
    schema: 'continuation',
    title: 'llama.cpp multiple-choice binary (llama-perplexity --multiple-choice), as context and endings',
    formats: ['llama-mc'],
    fields: [
      { name: 'question', path: 'question', what: 'the question or context' },
      { name: 'mc1', path: 'mc1', what: 'the answers, one correct' },
    ],
    convert(get) {
      const mc1 = llamaChoiceSet(get('mc1'), 'mc1');
      return { context: get('question'), endings: mc1.answers, label: singleCorrect(mc1.labels, 'mc1.labels') };
    },
  },
];

export function findLayout(id: string): Layout | undefined {
  if (id.startsWith('hf:')) {
    const schema = id.slice(3) as RowSchemaName;
    return schema in SCHEMA_FIELDS ? hfLayout(schema) : undefined;
  }
  return ORIGINAL_LAYOUTS.find((l) => l.id === id);
}

/** The layout's paths with a user's mapping over them. */
export function effectiveMapping(layout: Layout, mapping: FieldMapping = {}): FieldMapping {
  const out: FieldMapping = {};
  for (const f of layout.fields) out[f.name] = mapping[f.name] ?? f.path;
  return out;
}

/** The dotted paths of a record's fields, for the mapping UI (lists are not entered). */
export function fieldPaths(record: unknown, prefix = '', depth = 0): string[] {
  if (!record || typeof record !== 'object' || Array.isArray(record) || depth > 3) return [];
  return Object.entries(record as Record<string, unknown>).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    const inner = v && typeof v === 'object' && !Array.isArray(v) ? fieldPaths(v, path, depth + 1) : [];
    return [path, ...inner];
  });
}

/** The layouts a dataset's files may have, for the page's format and mapping choices. */
export function layoutsFor(layoutIds: readonly string[]): Layout[] {
  return layoutIds.map((id) => findLayout(id)).filter((l): l is Layout => Boolean(l));
}
