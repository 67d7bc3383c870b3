/**
 * Files broken from the real ones (truncated, a field removed, a wrong type, a label out of
 * range) are refused with a message naming the file, the row and the field, and nothing stored
 * before is lost.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors';
import { bytesDataFile, type DataFile } from '../../src/data/files';
import { importFiles } from '../../src/data/importer';
import { openRowSource } from '../../src/data/rowSource';
import type { DatasetStore } from '../../src/data/store';
import { allRows, shared, SHARED, tempStore, type TempStore } from './helpers';
import { hfParquet } from './parquetRows';

const text = (path: string) => readFileSync(join(SHARED, path), 'utf8');
const jsonl = (path: string) => text(path).split('\n').filter(Boolean).map((l) => JSON.parse(l));
const toJsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

let t: TempStore;
let before: Awaited<ReturnType<DatasetStore['get']>>;
beforeAll(async () => {
  t = await tempStore();
  await importFiles(t.store, 'arc_easy', [await shared('arc-easy/ARC-Easy-Test.jsonl')]);
  await importFiles(t.store, 'boolq', [await shared('boolq/dev.jsonl')]);
  before = await t.store.get('arc_easy');
});
afterAll(() => t.remove());

/** The import is refused with exactly this message and place, and the store is as it was. */
async function refused(dataset: string, files: DataFile[], message: string | RegExp, where: { row?: number; field?: string } = {}) {
  const error = await importFiles(t.store, dataset, files).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
  expect((error as DataError).where).toMatchObject(where);
  expect(await t.store.get('arc_easy')).toEqual(before);
  expect((await allRows(await openRowSource(t.store, 'arc_easy'))).length).toBe(2376);
  expect((await t.store.list()).map((m) => m.name).sort()).toEqual(['arc_easy', 'boolq']);
  // No chunk of the refused import is left behind.
  for (const dir of readdirSync(t.dir).filter((d) => d !== 'mappings')) {
    const m = await t.store.get(decodeURIComponent(dir));
    expect(readdirSync(join(t.dir, dir)).filter((f) => f !== 'manifest.json')).toEqual(m ? [m.importId] : []);
  }
  return error as DataError;
}

describe('ARC-Easy broken', () => {
  const rows = jsonl('arc-easy/ARC-Easy-Test.jsonl');

  it('truncated mid-line', async () => {
    const whole = text('arc-easy/ARC-Easy-Test.jsonl');
    const cut = Math.floor(whole.length * 0.6);
    const line = whole.slice(0, cut).split('\n').length;
    await refused('arc_easy', [bytesDataFile(whole.slice(0, cut), 'ARC-Easy-Test.jsonl')], new RegExp(`^ARC-Easy-Test\\.jsonl, line ${line}: not valid JSON .*; the file may be truncated$`));
  });

  it('a field removed', async () => {
    const broken = rows.map((r, i) => (i === 16 ? { ...r, answerKey: undefined } : r));
    await refused('arc_easy', [bytesDataFile(toJsonl(broken), 'ARC-Easy-Test.jsonl')], 'ARC-Easy-Test.jsonl, row 17 (line 17): answerKey is missing', { row: 17, field: 'answerKey' });
  });

  it('a nested field of the wrong type', async () => {
    const broken = rows.map((r, i) => (i === 4 ? { ...r, question: { ...r.question, stem: 42 } } : r));
    await refused('arc_easy', [bytesDataFile(toJsonl(broken), 'ARC-Easy-Test.jsonl')], 'ARC-Easy-Test.jsonl, row 5 (line 5): stem should be text but is a number (at "question.stem" in the file)', { row: 5, field: 'stem' });
  });

  it('an answer key that is not one of the labels', async () => {
    const broken = rows.map((r, i) => (i === 2000 ? { ...r, answerKey: 'F' } : r));
    await refused('arc_easy', [bytesDataFile(toJsonl(broken), 'ARC-Easy-Test.jsonl')], 'ARC-Easy-Test.jsonl, row 2001 (line 2001): answerKey: answerKey is not one of choices.label', { row: 2001, field: 'answerKey' });
  });
});

describe('the other originals broken', () => {
  it('BoolQ: answer "yes" instead of true', async () => {
    const broken = jsonl('boolq/dev.jsonl').map((r, i) => (i === 99 ? { ...r, answer: 'yes' } : r));
    await refused('boolq', [bytesDataFile(toJsonl(broken), 'dev.jsonl')], 'dev.jsonl, row 100 (line 100): answer should be true or false but is a string', { row: 100, field: 'answer' });
    expect((await allRows(await openRowSource(t.store, 'boolq'))).length).toBe(3270);
  });

  it('PIQA: a label 2, and a labels file one line short', async () => {
    const labels = text('piqa/valid-labels.lst').split('\n');
    const data = await shared('piqa/valid.jsonl');
    const two = labels.map((l, i) => (i === 9 ? '2' : l)).join('\n');
    await refused('piqa', [data, bytesDataFile(two, 'valid-labels.lst')], /^valid\.jsonl, row 10 \(line 10, label on line 10 of valid-labels\.lst\): label: /, { row: 10, field: 'label' });
    const short = labels.filter(Boolean).slice(0, -1).join('\n') + '\n';
    await refused('piqa', [data, bytesDataFile(short, 'valid-labels.lst')], 'valid-labels.lst has 1837 labels, and valid.jsonl has more rows than that', { row: 1838 });
  });

  it('Winogrande: answer "3"', async () => {
    const broken = jsonl('winogrande/dev.jsonl').map((r, i) => (i === 0 ? { ...r, answer: '3' } : r));
    await refused('winogrande', [bytesDataFile(toJsonl(broken), 'dev.jsonl')], /^dev\.jsonl, row 1 \(line 1\): answer: /, { row: 1, field: 'answer' });
  });

  it('MMLU: answer letter E, and a file cut inside a quoted field', async () => {
    const csv = text('mmlu/test/anatomy_test.csv');
    const lastLetter = csv.lastIndexOf(',D\n') >= 0 ? csv.lastIndexOf(',D\n') : csv.lastIndexOf(',C\n');
    const e = csv.slice(0, lastLetter) + ',E\n' + csv.slice(lastLetter + 3);
    const line = csv.slice(0, lastLetter).split('\n').length;
    const err = await refused('mmlu', [bytesDataFile(e, 'anatomy_test.csv')], /^anatomy_test\.csv, row \d+ \(line (\d+)\): answer should be a letter A-D but is "E" \(at column 6 in the file\)$/, { field: 'answer' });
    expect(Number(/line (\d+)/.exec(err.message)![1])).toBeLessThanOrEqual(line);
    const quoted = csv.indexOf('"', 10_000);
    await refused('mmlu', [bytesDataFile(csv.slice(0, quoted + 5), 'anatomy_test.csv')], /^anatomy_test\.csv: the quoted field opened on line \d+ never closes; the file may be truncated$/);
  });

  it('TruthfulQA: mc_task.json truncated, and a question with no true mc1 answer', async () => {
    const json = text('truthfulqa/mc_task.json');
    await refused('truthfulqa_mc1', [bytesDataFile(json.slice(0, json.length / 2), 'mc_task.json')], /^mc_task\.json ends inside the JSON array \(after \d+ elements\); the file may be truncated$/);
    const tasks = JSON.parse(json);
    const first = Object.keys(tasks[3].mc1_targets)[0];
    tasks[3].mc1_targets[first] = 0;
    await refused('truthfulqa_mc1', [bytesDataFile(JSON.stringify(tasks), 'mc_task.json')], /^mc_task\.json, row 4 \(element 4 \(line 1\)\): mc1_targets: /, { row: 4, field: 'mc1_targets' });
  });

  it('GSM8K: an answer without its "#### " line; LAMBADA: text a number', async () => {
    const gsm = jsonl('gsm8k/test.jsonl').map((r, i) => (i === 7 ? { ...r, answer: r.answer.replace(/####.*$/s, '') } : r));
    await refused('gsm8k', [bytesDataFile(toJsonl(gsm), 'test.jsonl')], 'test.jsonl, row 8 (line 8): answer: answer has no "#### <number>" line', { row: 8, field: 'answer' });
    const lambada = jsonl('lambada/lambada_test.jsonl').map((r, i) => (i === 3 ? { text: 3 } : r));
    await refused('lambada_openai', [bytesDataFile(toJsonl(lambada), 'lambada_test.jsonl')], /^lambada_test\.jsonl, row 4 \(line 4\): text: expected string, received number$/, { row: 4, field: 'text' });
  });
});

describe('files of the wrong kind', () => {
  it("TruthfulQA's generation CSV is not the multiple-choice file", async () => {
    await refused('truthfulqa_mc1', [await shared('truthfulqa/TruthfulQA.csv')], "TruthfulQA.csv: truthfulqa_mc1 cannot be read from CSV with a header row; it reads TruthfulQA's data/v0/mc_task.json, or llama.cpp's truthful-qa multiple-choice .bin");
  });

  it('the format comes from the content where the name says nothing, and can be given', async () => {
    const m = await importFiles(t.store, 'gsm8k', [bytesDataFile(text('gsm8k/test.jsonl'), 'gsm8k-test.txt')]);
    expect(m).toMatchObject({ rows: 1319, source: { format: 'jsonl' } });
    await t.store.delete('gsm8k');
    // A CSV export with the Hugging Face columns: a .csv of Winogrande is llama.cpp's by default.
    const rows = jsonl('winogrande/dev.jsonl');
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const csv = ['sentence,option1,option2,answer', ...rows.map((r) => [r.sentence, r.option1, r.option2, r.answer].map(quote).join(','))].join('\n');
    await refused('winogrande', [bytesDataFile(csv, 'winogrande.csv')], 'winogrande.csv, line 1: 4 fields where llama-perplexity --winogrande reads 5 (index, sentence, choice 1, choice 2, answer)');
    expect((await importFiles(t.store, 'winogrande', [bytesDataFile(csv, 'winogrande.csv')], { format: 'csv' })).rows).toBe(1267);
    await t.store.delete('winogrande');
  });
});

describe('Parquet written from real rows, broken', () => {
  const arc = jsonl('arc-easy/ARC-Easy-Test.jsonl')
    .slice(0, 300)
    .map((r) => ({
      id: r.id,
      question: r.question.stem,
      choices: { text: r.question.choices.map((c: { text: string }) => c.text), label: r.question.choices.map((c: { label: string }) => c.label) },
      answerKey: r.answerKey,
    }));
  const file = (rows: Record<string, unknown>[]) => bytesDataFile(hfParquet(rows, 100), 'test.parquet');

  it('whole, it imports', async () => {
    await importFiles(t.store, 'arc_easy', [file(arc)]);
    expect(await allRows(await openRowSource(t.store, 'arc_easy'))).toEqual(arc);
    await importFiles(t.store, 'arc_easy', [await shared('arc-easy/ARC-Easy-Test.jsonl')]);
    before = await t.store.get('arc_easy');
  });

  it('truncated: refused before any row is read', async () => {
    const whole = hfParquet(arc, 100);
    for (const cut of [whole.length - 1, Math.floor(whole.length / 2), 10]) {
      await refused('arc_easy', [bytesDataFile(whole.slice(0, cut), 'test.parquet')], /^test\.parquet is not a complete Parquet file: /);
    }
  });

  it('a value missing in the second row group, and a column of the wrong type', async () => {
    await refused('arc_easy', [file(arc.map((r, i) => (i === 150 ? { ...r, answerKey: null } : r)))], 'test.parquet, row 151 (row 51 of row group 2): answerKey is missing', {
      row: 151,
      field: 'answerKey',
    });
    await refused('arc_easy', [file(arc.map((r, i) => ({ ...r, answerKey: i })))], 'test.parquet, row 1 (row 1 of row group 1): answerKey: expected string, received number', {
      row: 1,
      field: 'answerKey',
    });
  });
});

it('a full disk mid-import removes the partial dataset and says so', async () => {
  // Chunks after the first go to /dev/full, which fails every write with a real ENOSPC.
  let chunks = 0;
  const full: DatasetStore = {
    ...t.store,
    async putChunk(name, importId, split, index, rows) {
      if (chunks++ >= 1) await writeFile('/dev/full', JSON.stringify(rows));
      return t.store.putChunk(name, importId, split, index, rows);
    },
  };
  const error = await importFiles(full, 'lambada_openai', [await shared('lambada/lambada_test.jsonl')]).catch((e: unknown) => e);
  expect((error as Error).name).toBe('QuotaExceededError');
  expect((error as Error).message).toMatch(/^the storage ran out after \d+ rows of lambada_openai: the partial import was removed and nothing else was changed/);
  expect(chunks).toBe(2);
  expect((await t.store.list()).map((m) => m.name).sort()).toEqual(['arc_easy', 'boolq']);
  expect(readdirSync(t.dir)).not.toContain('lambada_openai');
});
