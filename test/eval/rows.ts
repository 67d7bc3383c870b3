/**
 * A few rows of the real benchmark files in ../shared/datasets/, read into the Hugging Face row
 * layouts (src/data/schemas.ts) by small readers of this test's own, and an in-memory RowSource.
 */
import { readFileSync } from 'node:fs';
import type { ArcRow, BoolqRow, Gsm8kRow, LambadaRow, MmluRow, PiqaRow, RowSource, TruthfulqaMcRow, WinograndeRow } from '../../src/data/schemas';

/** ../shared/datasets/ beside the repository root. */
const path = (p: string) => new URL(`../../../shared/datasets/${p}`, import.meta.url).pathname;

function lines(file: string, n: number): string[] {
  return readFileSync(path(file), 'utf8').split('\n').filter(Boolean).slice(0, n);
}

export function winograndeRows(n: number): WinograndeRow[] {
  return lines('winogrande/dev.jsonl', n).map((l) => {
    const r = JSON.parse(l);
    return { sentence: r.sentence, option1: r.option1, option2: r.option2, answer: r.answer };
  });
}

export function piqaRows(n: number): PiqaRow[] {
  const labels = lines('piqa/valid-labels.lst', n).map(Number);
  return lines('piqa/valid.jsonl', n).map((l, i) => {
    const r = JSON.parse(l);
    return { goal: r.goal, sol1: r.sol1, sol2: r.sol2, label: labels[i] as 0 | 1 };
  });
}

export function arcRows(n: number): ArcRow[] {
  return lines('arc-easy/ARC-Easy-Test.jsonl', n).map((l) => {
    const r = JSON.parse(l);
    return {
      id: r.id,
      question: r.question.stem,
      choices: { text: r.question.choices.map((c: { text: string }) => c.text), label: r.question.choices.map((c: { label: string }) => c.label) },
      answerKey: r.answerKey,
    };
  });
}

export function boolqRows(n: number): BoolqRow[] {
  return lines('boolq/dev.jsonl', n).map((l) => {
    const r = JSON.parse(l);
    return { question: r.question, passage: `${r.title} -- ${r.passage}`, label: r.answer ? 1 : 0 };
  });
}

export function lambadaRows(n: number): LambadaRow[] {
  return lines('lambada/lambada_test.jsonl', n).map((l) => ({ text: JSON.parse(l).text }));
}

export function gsm8kRows(n: number): Gsm8kRow[] {
  return lines('gsm8k/test.jsonl', n).map((l) => {
    const r = JSON.parse(l);
    return { question: r.question, answer: r.answer };
  });
}

export function truthfulqaRows(n: number): TruthfulqaMcRow[] {
  const all = JSON.parse(readFileSync(path('truthfulqa/mc_task.json'), 'utf8')) as { question: string; mc1_targets: Record<string, 0 | 1>; mc2_targets: Record<string, 0 | 1> }[];
  const targets = (t: Record<string, 0 | 1>) => ({ choices: Object.keys(t), labels: Object.values(t) });
  return all.slice(0, n).map((r) => ({ question: r.question, mc1_targets: targets(r.mc1_targets), mc2_targets: targets(r.mc2_targets) }));
}

/** RFC 4180 fields (quotes, doubled quotes, newlines inside quotes), no header. */
function csvRecords(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      out.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) out.push([...row, field]);
  return out;
}

export function mmluRows(subject: string, split: 'dev' | 'test', n: number): MmluRow[] {
  return csvRecords(readFileSync(path(`mmlu/${split}/${subject}_${split}.csv`), 'utf8'))
    .slice(0, n)
    .map(([question, a, b, c, d, answer]) => ({ question, subject, choices: [a, b, c, d], answer: 'ABCD'.indexOf(answer) }));
}

/** A RowSource over an array, in chunks of `chunk` rows. */
export function arraySource<Row>(name: string, rows: Row[], chunk = 5, sha256: string | null = null): RowSource<Row> {
  return {
    info: { name, sha256, rows: rows.length },
    async *chunks(start = 0) {
      for (let i = start; i < rows.length; i += chunk) yield rows.slice(i, i + chunk);
    },
  };
}
