import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesDataFile } from '../../src/data/files';
import { importFiles, planImport, type ImportProgress } from '../../src/data/importer';
import { deleteDataset, inspectDataset, openRowSource } from '../../src/data/rowSource';
import { allRows, shared, SHARED, tempStore, type TempStore } from './helpers';

const lines = (path: string) =>
  readFileSync(join(SHARED, path), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

/** sha256 values from ../shared/datasets/README.md. */
const README_SHA256: Record<string, string> = {
  'gsm8k/test.jsonl': '3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14',
  'piqa/valid.jsonl': '93503cc97c679e459b065c3d13e848282e44b2a25213985bed3e5d458abef72d',
  'piqa/valid-labels.lst': 'b4192dc3a2a0363d9d60ccf79800cbbe2f32ebb17726efdde6970e0b8131bceb',
  'lambada/lambada_test.jsonl': '4aa8d02cd17c719165fc8a7887fddd641f43fcafa4b1c806ca8abc31fabdb226',
  'arc-easy/ARC-Easy-Test.jsonl': 'ce32a0774b4beb1977d2c6b16dda5dd2b24fdc9c7f506882c452678676bd09be',
  'boolq/dev.jsonl': 'ebc29ea3808c5c611672384b3de56e83349fe38fc1fe876fd29b674d81d0a80a',
  'winogrande/dev.jsonl': '1aeac79cf46a3dcbe59a71ca7e5372a1490cde2b4ae2387dc56f00378104d2e8',
  'truthfulqa/mc_task.json': '131e6f4156297bee09b38279e2fa847e4359c200504eca99ea3fab4b2d3a6144',
};

let t: TempStore;
beforeAll(async () => {
  t = await tempStore();
});
afterAll(() => t.remove());

const importShared = async (dataset: string, paths: string[], options = {}) => importFiles(t.store, dataset, await Promise.all(paths.map(shared)), options);

describe("the authors' original files, mapped into the Hugging Face schemas", () => {
  it('ARC: question.stem and question.choices[] become question and choices.text/label', async () => {
    const m = await importShared('arc_easy', ['arc-easy/ARC-Easy-Test.jsonl']);
    expect(m).toMatchObject({ name: 'arc_easy', schema: 'arc', rows: 2376, source: { kind: 'file', layout: 'ai2-arc', format: 'jsonl' } });
    expect(m.sha256).toBe(README_SHA256['arc-easy/ARC-Easy-Test.jsonl']);
    const original = lines('arc-easy/ARC-Easy-Test.jsonl');
    const rows = await allRows(await openRowSource(t.store, 'arc_easy'));
    expect(rows).toEqual(
      original.map((o) => ({
        id: o.id,
        question: o.question.stem,
        choices: { text: o.question.choices.map((c: { text: string }) => c.text), label: o.question.choices.map((c: { label: string }) => c.label) },
        answerKey: o.answerKey,
      })),
    );
    // Labels A-D and 1-4 both occur, and some questions have 3 or 5 choices.
    expect(new Set(rows.map((r) => (r as { answerKey: string }).answerKey))).toEqual(new Set(['A', 'B', 'C', 'D', 'E', '1', '2', '3', '4']));
  });

  it("BoolQ: answer true/false becomes label 1/0", async () => {
    const m = await importShared('boolq', ['boolq/dev.jsonl']);
    expect(m.rows).toBe(3270);
    expect(m.sha256).toBe(README_SHA256['boolq/dev.jsonl']);
    const rows = await allRows(await openRowSource(t.store, 'boolq'));
    expect(rows).toEqual(lines('boolq/dev.jsonl').map((o) => ({ question: o.question, passage: `${o.title} -- ${o.passage}`, label: o.answer ? 1 : 0 })));
  });

  it('PIQA: rows zipped with valid-labels.lst, both hashed', async () => {
    const m = await importShared('piqa', ['piqa/valid.jsonl', 'piqa/valid-labels.lst']);
    expect(m.rows).toBe(1838);
    expect(m.files.map((f) => [f.name, f.sha256])).toEqual([
      ['valid.jsonl', README_SHA256['piqa/valid.jsonl']],
      ['valid-labels.lst', README_SHA256['piqa/valid-labels.lst']],
    ]);
    const labels = readFileSync(join(SHARED, 'piqa/valid-labels.lst'), 'utf8').trim().split('\n').map(Number);
    const rows = await allRows(await openRowSource(t.store, 'piqa'));
    expect(rows).toEqual(lines('piqa/valid.jsonl').map((o, i) => ({ goal: o.goal, sol1: o.sol1, sol2: o.sol2, label: labels[i] })));
  });

  it('Winogrande: the original fields as they are, answer "1"/"2"', async () => {
    const m = await importShared('winogrande', ['winogrande/dev.jsonl']);
    expect(m.rows).toBe(1267);
    expect(m.sha256).toBe(README_SHA256['winogrande/dev.jsonl']);
    const rows = await allRows(await openRowSource(t.store, 'winogrande'));
    expect(rows).toEqual(lines('winogrande/dev.jsonl').map(({ sentence, option1, option2, answer }) => ({ sentence, option1, option2, answer })));
  });

  it('TruthfulQA: mc_task.json targets become {choices, labels} in their order; mc1 and mc2 share the stored rows', async () => {
    const m = await importShared('truthfulqa_mc2', ['truthfulqa/mc_task.json']);
    expect(m).toMatchObject({ name: 'truthfulqa_mc', rows: 817, sha256: README_SHA256['truthfulqa/mc_task.json'] });
    const original = JSON.parse(readFileSync(join(SHARED, 'truthfulqa/mc_task.json'), 'utf8'));
    const targets = (o: Record<string, number>) => ({ choices: Object.keys(o), labels: Object.values(o) });
    const expected = original.map((o: { question: string; mc1_targets: Record<string, number>; mc2_targets: Record<string, number> }) => ({
      question: o.question,
      mc1_targets: targets(o.mc1_targets),
      mc2_targets: targets(o.mc2_targets),
    }));
    expect(await allRows(await openRowSource(t.store, 'truthfulqa_mc1'))).toEqual(expected);
    expect(await allRows(await openRowSource(t.store, 'truthfulqa_mc2'))).toEqual(expected);
    // The true answer of mc1 comes first in the file, as lm-eval's doc_to_target 0 expects.
    expect(expected.every((r: { mc1_targets: { labels: number[] } }) => r.mc1_targets.labels[0] === 1)).toBe(true);
  });

  it('GSM8K and LAMBADA as they are, in chunks of at most 1 MB, readable from any row', async () => {
    expect((await importShared('gsm8k', ['gsm8k/test.jsonl'])).sha256).toBe(README_SHA256['gsm8k/test.jsonl']);
    expect(await allRows(await openRowSource(t.store, 'gsm8k'))).toEqual(lines('gsm8k/test.jsonl'));
    const progress: ImportProgress[] = [];
    const m = await importShared('lambada_openai', ['lambada/lambada_test.jsonl'], { onProgress: (p: ImportProgress) => progress.push(p) });
    expect(m.sha256).toBe(README_SHA256['lambada/lambada_test.jsonl']);
    const split = m.splits.test;
    expect(split.chunkRows.length).toBeGreaterThan(1);
    expect(split.storedBytes / split.chunkRows.length).toBeLessThanOrEqual(1 << 20);
    const original = lines('lambada/lambada_test.jsonl');
    const source = await openRowSource(t.store, 'lambada_openai');
    expect(source.info).toEqual({ name: 'lambada_openai', sha256: m.sha256, rows: 5153 });
    expect(await allRows(source)).toEqual(original);
    for (const start of [0, 1, split.chunkRows[0] - 1, split.chunkRows[0], 5152, 5153]) {
      expect(await allRows(source, start)).toEqual(original.slice(start));
    }
    // Progress: rows and bytes only grow, the last report is complete.
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((p, i) => i === 0 || (p.rows >= progress[i - 1].rows && p.bytes >= progress[i - 1].bytes))).toBe(true);
    expect(progress.at(-1)).toMatchObject({ done: true, rows: 5153, bytes: m.bytes, totalBytes: m.bytes, secondsLeft: 0 });
    expect(progress.at(-1)!.bytesPerSecond).toBeGreaterThan(0);
  });

  it("MMLU: Hendrycks' headerless CSVs, 57 subjects from the file names, test and dev splits side by side", async () => {
    const files = ['test', 'dev'].flatMap((split) => readdirSync(join(SHARED, 'mmlu', split)).map((f) => `mmlu/${split}/${f}`));
    const m = await importShared('mmlu', files);
    expect(m.files.length).toBe(114);
    expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.fromEntries(Object.entries(m.splits).map(([s, i]) => [s, i.rows]))).toEqual({ test: 14042, dev: 285 });
    const dev = (await allRows(await openRowSource(t.store, 'mmlu', { split: 'dev' }))) as { subject: string }[];
    const perSubject = new Map<string, number>();
    for (const r of dev) perSubject.set(r.subject, (perSubject.get(r.subject) ?? 0) + 1);
    expect(perSubject.size).toBe(57);
    expect([...perSubject.values()].every((n) => n === 5)).toBe(true);
    const test = await inspectDataset(t.store, 'mmlu', { count: 2 });
    // The file's first line: "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.",0,4,2,6,B
    expect(test.rows[0]).toEqual({
      question: 'Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.',
      subject: 'abstract_algebra',
      choices: ['0', '4', '2', '6'],
      answer: 1,
    });
    expect(test.split).toBe('test');
  });

  it('the held-out text as one text row', async () => {
    const text = readFileSync(join(__dirname, '../../public/models/quantlab-tiny/heldout.txt'), 'utf8');
    await importFiles(t.store, 'quantlab_heldout', [bytesDataFile(text, 'heldout.txt')]);
    expect(await allRows(await openRowSource(t.store, 'quantlab_heldout'))).toEqual([{ text }]);
  });

  it('lists, inspects and deletes', async () => {
    const names = (await t.store.list()).map((m) => m.name).sort();
    expect(names).toEqual(['arc_easy', 'boolq', 'gsm8k', 'lambada_openai', 'mmlu', 'piqa', 'quantlab_heldout', 'truthfulqa_mc', 'winogrande']);
    await deleteDataset(t.store, 'truthfulqa_mc1');
    expect((await t.store.list()).map((m) => m.name)).not.toContain('truthfulqa_mc');
    await expect(openRowSource(t.store, 'truthfulqa_mc2')).rejects.toThrow(/^truthfulqa_mc2 is not stored here .*; import it first/);
    expect((await inspectDataset(t.store, 'boolq', { count: 1 })).rows).toHaveLength(1);
    expect(readdirSync(t.dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('a dropped file whose columns are named differently', () => {
  const piqaCsv = () => {
    const labels = readFileSync(join(SHARED, 'piqa/valid-labels.lst'), 'utf8').trim().split('\n');
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const rows = lines('piqa/valid.jsonl').slice(0, 50);
    return ['question,first,second,answer', ...rows.map((r, i) => [r.goal, r.sol1, r.sol2, labels[i]].map(quote).join(','))].join('\r\n');
  };

  it('is shown with its fields and the field not found, then imports with a mapping that is remembered', async () => {
    const file = bytesDataFile(piqaCsv(), 'renamed.csv');
    const plan = await planImport(t.store, 'piqa', [file]);
    expect(plan).toMatchObject({ layout: 'hf:piqa', parts: [{ file: 'renamed.csv', format: 'csv', split: 'validation' }] });
    expect(plan.fields).toEqual(['question', 'first', 'second', 'answer']);
    expect(plan.problem).toMatch(/^renamed\.csv, row 1 \(line 2\): goal is missing$/);
    await expect(importFiles(t.store, 'piqa', [file])).rejects.toThrow('renamed.csv, row 1 (line 2): goal is missing');

    const mapping = { goal: 'question', sol1: 'first', sol2: 'second', label: 'answer' };
    const m = await importFiles(t.store, 'piqa', [file], { mapping });
    expect(m.rows).toBe(50);
    expect(await t.store.getMapping('piqa')).toEqual({ layout: 'hf:piqa', mapping });
    const rows = await allRows(await openRowSource(t.store, 'piqa'));
    const labels = readFileSync(join(SHARED, 'piqa/valid-labels.lst'), 'utf8').trim().split('\n').map(Number);
    expect(rows).toEqual(lines('piqa/valid.jsonl').slice(0, 50).map((o, i) => ({ goal: o.goal, sol1: o.sol1, sol2: o.sol2, label: labels[i] })));

    // Next time the saved mapping applies by itself.
    expect((await planImport(t.store, 'piqa', [file])).problem).toBeNull();
    expect((await importFiles(t.store, 'piqa', [file])).rows).toBe(50);
  });
});
