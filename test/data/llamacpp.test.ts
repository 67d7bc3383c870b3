/**
 * llama.cpp's own data files for llama-perplexity --multiple-choice / --hellaswag / --winogrande,
 * written here in the layouts tools/perplexity/perplexity.cpp reads, from rows of the real files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors';
import { bytesDataFile } from '../../src/data/files';
import { importFiles } from '../../src/data/importer';
import { openRowSource } from '../../src/data/rowSource';
import type { ArcRow, ContinuationRow, TruthfulqaMcRow } from '../../src/data/schemas';
import { allRows, shared, SHARED, tempStore, type TempStore } from './helpers';

interface McTask {
  question: string;
  mc1: { answers: string[]; labels: number[] };
  mc2: { answers: string[]; labels: number[] };
}

/** The binary layout multiple_choice_score() deserializes: u32 count, u32 offsets, then the tasks. */
function multipleChoiceFile(tasks: McTask[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
  const string = (s: string) => {
    const b = enc.encode(s);
    return [u32(b.length), b];
  };
  const set = (s: McTask['mc1']) => [u32(s.answers.length), ...s.answers.flatMap(string), new Uint8Array(new Int32Array(s.labels).buffer)];
  const bodies = tasks.map((t) => [...string(t.question), ...set(t.mc1), ...set(t.mc2)]);
  let at = 4 + 4 * tasks.length;
  const offsets = bodies.map((b) => {
    const here = at;
    at += b.reduce((s, x) => s + x.length, 0);
    return here;
  });
  parts.push(u32(tasks.length), ...offsets.map(u32), ...bodies.flat());
  const out = new Uint8Array(at);
  let p = 0;
  for (const x of parts) {
    out.set(x, p);
    p += x.length;
  }
  return out;
}

const jsonl = (path: string) => readFileSync(join(SHARED, path), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

let t: TempStore;
beforeAll(async () => {
  t = await tempStore();
});
afterAll(() => t.remove());

describe('--multiple-choice binary', () => {
  it('TruthfulQA: mc1 and mc2 as truthful_qa stores them', async () => {
    await importFiles(t.store, 'truthfulqa_mc1', [await shared('truthfulqa/mc_task.json')]);
    const expected = (await allRows(await openRowSource(t.store, 'truthfulqa_mc1'))) as TruthfulqaMcRow[];
    const tasks = expected.map((r) => ({
      question: r.question,
      mc1: { answers: r.mc1_targets.choices, labels: r.mc1_targets.labels },
      mc2: { answers: r.mc2_targets.choices, labels: r.mc2_targets.labels },
    }));
    const m = await importFiles(t.store, 'truthfulqa_mc1', [bytesDataFile(multipleChoiceFile(tasks), 'truthful-qa-validation.bin')]);
    expect(m.source).toMatchObject({ format: 'llama-mc', layout: 'llama-mc-truthfulqa' });
    expect(await allRows(await openRowSource(t.store, 'truthfulqa_mc2'))).toEqual(expected);
  });

  it('ARC: answers become choices labelled A, B, ...; the correct one the answer key', async () => {
    const arc = jsonl('arc-easy/ARC-Easy-Test.jsonl').slice(0, 400);
    const tasks = arc.map((o) => {
      const answers = o.question.choices.map((c: { text: string }) => c.text);
      const labels = o.question.choices.map((c: { label: string }) => (c.label === o.answerKey ? 1 : 0));
      return { question: o.question.stem, mc1: { answers, labels }, mc2: { answers: [], labels: [] } };
    });
    await importFiles(t.store, 'arc_easy', [bytesDataFile(multipleChoiceFile(tasks), 'arc-easy-validation.bin')]);
    const rows = (await allRows(await openRowSource(t.store, 'arc_easy'))) as ArcRow[];
    expect(rows).toEqual(
      arc.map((o, i) => {
        const n = o.question.choices.length;
        const label = 'ABCDE'.slice(0, n).split('');
        const gold = o.question.choices.findIndex((c: { label: string }) => c.label === o.answerKey);
        return { id: `task-${i + 1}`, question: o.question.stem, choices: { text: o.question.choices.map((c: { text: string }) => c.text), label }, answerKey: label[gold] };
      }),
    );
  });

  it('as context and endings for the continuation task', async () => {
    const embedded = readFileSync(join(__dirname, '../../public/datasets/quantlab_continuation.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ContinuationRow);
    const tasks = embedded.map((r) => ({ question: r.context, mc1: { answers: r.endings, labels: r.endings.map((_, i) => (i === r.label ? 1 : 0)) }, mc2: { answers: [], labels: [] } }));
    await importFiles(t.store, 'quantlab_continuation', [bytesDataFile(multipleChoiceFile(tasks), 'continuation.bin')]);
    expect(await allRows(await openRowSource(t.store, 'quantlab_continuation'))).toEqual(embedded);
  });

  it('refuses a truncated file, a damaged index and a task with no correct answer', async () => {
    const arc = jsonl('arc-easy/ARC-Easy-Test.jsonl').slice(0, 20);
    const tasks = arc.map((o) => ({
      question: o.question.stem,
      mc1: { answers: o.question.choices.map((c: { text: string }) => c.text), labels: o.question.choices.map((c: { label: string }) => Number(c.label === o.answerKey)) },
      mc2: { answers: [], labels: [] },
    }));
    const whole = multipleChoiceFile(tasks);
    const refuse = (bytes: Uint8Array, message: string | RegExp) => expect(importFiles(t.store, 'arc_easy', [bytesDataFile(bytes, 'arc.bin')])).rejects.toThrow(message);
    await refuse(whole.slice(0, whole.length - 10), /^arc\.bin: the file ends inside task 20 of 20 \(byte \d+\); it is truncated$/);
    const damaged = whole.slice();
    new DataView(damaged.buffer).setUint32(4 + 4 * 5, 12345, true);
    await refuse(damaged, /^arc\.bin: task 6 of 20 starts at byte \d+ but the file's index says 12345; the file is damaged$/);
    const none = tasks.map((x, i) => (i === 7 ? { ...x, mc1: { ...x.mc1, labels: x.mc1.labels.map(() => 0) } } : x));
    const error = (await importFiles(t.store, 'arc_easy', [bytesDataFile(multipleChoiceFile(none), 'arc.bin')]).catch((e: unknown) => e)) as DataError;
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toBe('arc.bin, row 8 (task 8 of 20 (byte ' + /byte (\d+)/.exec(error.message)![1] + ')): mc1.labels should mark exactly one answer correct (label 1) but marks 0');
    expect(error.where).toMatchObject({ row: 8, field: 'mc1.labels' });
  });
});

describe('--hellaswag text (6 lines a task)', () => {
  // HellaSwag itself is not among the shared files: tasks are made of ARC questions with 4 choices.
  const arc = jsonl('arc-easy/ARC-Easy-Test.jsonl')
    .filter((o) => o.question.choices.length === 4)
    .slice(0, 300);
  const text = arc
    .map((o) => {
      const gold = o.question.choices.findIndex((c: { label: string }) => c.label === o.answerKey);
      return [`Science: ${o.question.stem}`, String(gold), ...o.question.choices.map((c: { text: string }) => c.text)].join('\n');
    })
    .join('\n');

  it('reads context, gold ending and endings into the hellaswag schema', async () => {
    const m = await importFiles(t.store, 'hellaswag', [bytesDataFile(text + '\n', 'hellaswag_val_full.txt')]);
    expect(m.source).toMatchObject({ format: 'llama-hellaswag', layout: 'llama-hellaswag' });
    expect(await allRows(await openRowSource(t.store, 'hellaswag'))).toEqual(
      arc.map((o) => ({
        activity_label: 'Science',
        ctx_a: o.question.stem,
        ctx_b: '',
        endings: o.question.choices.map((c: { text: string }) => c.text),
        label: String(o.question.choices.findIndex((c: { label: string }) => c.label === o.answerKey)),
      })),
    );
  });

  it('refuses a line count that is not a multiple of 6, and a gold index past the endings', async () => {
    await expect(importFiles(t.store, 'hellaswag', [bytesDataFile(text.split('\n').slice(0, -2).join('\n'), 'h.txt')])).rejects.toThrow(
      'h.txt has 1798 lines, not a multiple of 6 (llama-perplexity --hellaswag reads 6 lines a task); the last task, from line 1795, is incomplete',
    );
    const lines = text.split('\n');
    lines[6 * 41 + 1] = '4';
    await expect(importFiles(t.store, 'hellaswag', [bytesDataFile(lines.join('\n'), 'h.txt')])).rejects.toThrow('h.txt, row 42 (lines 247-252): label: label is past the last ending');
  });
});

describe('--winogrande CSV', () => {
  const dev = jsonl('winogrande/dev.jsonl');
  const quote = (s: string) => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const csv = dev.map((r, i) => [i, quote(r.sentence), quote(r.option1), quote(r.option2), r.answer].join(',')).join('\n') + '\n';

  it('reads index, sentence, choices and answer', async () => {
    expect(dev.some((r) => r.sentence.includes(','))).toBe(true);
    const m = await importFiles(t.store, 'winogrande', [bytesDataFile(csv, 'winogrande-debiased-eval.csv')]);
    expect(m).toMatchObject({ rows: 1267, source: { format: 'llama-winogrande', layout: 'llama-winogrande' } });
    expect(await allRows(await openRowSource(t.store, 'winogrande'))).toEqual(dev.map(({ sentence, option1, option2, answer }) => ({ sentence, option1, option2, answer })));
    // A header line, if there is one, is skipped.
    const withHeader = `index,sentence,option1,option2,answer\n${csv}`;
    expect((await importFiles(t.store, 'winogrande', [bytesDataFile(withHeader, 'w.csv')])).rows).toBe(1267);
  });

  it('refuses a line with a field missing and an answer 3', async () => {
    const lines = csv.split('\n');
    lines[9] = lines[9].slice(0, lines[9].lastIndexOf(','));
    await expect(importFiles(t.store, 'winogrande', [bytesDataFile(lines.join('\n'), 'w.csv')])).rejects.toThrow(
      'w.csv, line 10: 4 fields where llama-perplexity --winogrande reads 5 (index, sentence, choice 1, choice 2, answer)',
    );
    const three = csv.replace(/,[12]\n/, ',3\n');
    await expect(importFiles(t.store, 'winogrande', [bytesDataFile(three, 'w.csv')])).rejects.toThrow(/^w\.csv, row 1 \(line 1\): answer: /);
  });
});
