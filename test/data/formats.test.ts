import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors';
import { textLines } from '../../src/data/files';
import { csvRecords } from '../../src/data/formats/csv';
import { jsonArrayRecords, jsonLinesRecords } from '../../src/data/formats/json';
import { textRecords } from '../../src/data/formats/text';
import { SHARED } from './helpers';

/** The text in pieces cut at the given places, as a stream delivers it. */
async function* piecesAt(text: string, cuts: number[]): AsyncIterable<string> {
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    yield text.slice(at, cut);
    at = cut;
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const csv = async (text: string, cuts: number[] = []) => (await collect(csvRecords(piecesAt(text, cuts), 'test.csv'))).map((r) => r.fields);

describe('CSV (RFC 4180)', () => {
  const tricky = 'a,"b, with comma","c ""quoted""","multi\nline\r\nfield",\r\n"",plain,x"y,"z"\n\nlast,row';
  const expected = [
    ['a', 'b, with comma', 'c "quoted"', 'multi\nline\r\nfield', ''],
    ['', 'plain', 'x"y', 'z'],
    ['last', 'row'],
  ];

  it('reads quoted fields with commas, doubled quotes, line breaks and CRLF', async () => {
    expect(await csv(tricky)).toEqual(expected);
  });

  it('gives the same records wherever the stream cuts the text', async () => {
    for (let cut = 0; cut <= tricky.length; cut++) expect(await csv(tricky, [cut])).toEqual(expected);
    // Every character its own piece.
    expect(await csv(tricky, [...tricky].map((_, i) => i))).toEqual(expected);
  });

  it('numbers records by the line they start on', async () => {
    const records = await collect(csvRecords(piecesAt(tricky, []), 'test.csv'));
    expect(records.map((r) => r.line)).toEqual([1, 4, 6]);
  });

  it('refuses an unterminated quote and text after a closing quote, naming the line', async () => {
    await expect(csv('a,b\n"open,\nstill open')).rejects.toThrow('test.csv: the quoted field opened on line 2 never closes; the file may be truncated');
    await expect(csv('a,b\n"x"y,z')).rejects.toThrow('test.csv, line 2: text after the closing quote of a quoted field');
  });

  it("reads Hendrycks' MMLU CSVs: six fields a record, quoted newlines kept", async () => {
    const dir = join(SHARED, 'mmlu/test');
    const text = readFileSync(join(dir, 'high_school_us_history_test.csv'), 'utf8');
    const records = await csv(text, [1000, 50_000, 50_001]);
    expect(records.length).toBe(204);
    expect(records.every((r) => r.length === 6 && 'ABCD'.includes(r[5]))).toBe(true);
    expect(records.some((r) => r[0].includes('\n'))).toBe(true);
  });
});

describe('JSON Lines and JSON arrays', () => {
  it('reads a JSON array element by element wherever the stream cuts it', async () => {
    const values = [{ a: '[,]', b: ['x', { c: '"}' }] }, 2, 'three', null, [1, [2]]];
    const text = ` \n[ ${values.map((v) => JSON.stringify(v)).join(' ,\n')} ]\n`;
    for (let cut = 0; cut <= text.length; cut++) {
      const got = await collect(jsonArrayRecords(piecesAt(text, [cut]), 'x.json'));
      expect(got.map((r) => r.value)).toEqual(values);
    }
  });

  it("reads TruthfulQA's mc_task.json, all 817 questions", async () => {
    const text = readFileSync(join(SHARED, 'truthfulqa/mc_task.json'), 'utf8');
    const got = await collect(jsonArrayRecords(piecesAt(text, [100_000, 300_001]), 'mc_task.json'));
    expect(got.map((r) => r.value)).toEqual(JSON.parse(text));
    expect(got[5].at).toMatch(/^element 6 \(line \d+\)$/);
  });

  it('refuses a truncated array or a bad element, naming where', async () => {
    const text = readFileSync(join(SHARED, 'truthfulqa/mc_task.json'), 'utf8');
    await expect(collect(jsonArrayRecords(piecesAt(text.slice(0, 200_000), []), 'mc_task.json'))).rejects.toThrow(
      /^mc_task\.json ends inside the JSON array \(after \d+ elements\); the file may be truncated$/,
    );
    await expect(collect(jsonArrayRecords(piecesAt('[{"a":1}, {"a":}]', []), 'x.json'))).rejects.toThrow(/^x\.json, element 2 \(line 1\): not valid JSON/);
    await expect(collect(jsonArrayRecords(piecesAt('{"a":1}', []), 'x.json'))).rejects.toThrow('x.json, line 1: expected a JSON array ([ ... ])');
  });

  it('refuses a line that is not JSON, naming the line', async () => {
    const text = '{"text": "a"}\n\n{"text": "b"\n';
    await expect(collect(jsonLinesRecords(piecesAt(text, []), 'l.jsonl'))).rejects.toThrow(/^l\.jsonl, line 3: not valid JSON/);
  });
});

describe('text', () => {
  it('cuts a text into pieces after line ends that join back into it', async () => {
    const text = readFileSync(join(__dirname, '../../public/models/quantlab-tiny/heldout.txt'), 'utf8');
    // Its longest line has 11,272 characters: with pieces of 12,000 every cut falls after a line end.
    const rows = (await collect(textRecords(piecesAt(text, [777, 40_000]), 12_000))).map((r) => (r.value as { text: string }).text);
    expect(rows.join('')).toBe(text);
    expect(rows.length).toBeGreaterThan(12);
    expect(rows.slice(0, -1).every((r) => r.endsWith('\n') && r.length <= 12_000)).toBe(true);
  });

  it('cuts a line longer than a piece without splitting a surrogate pair', async () => {
    const text = 'ab😀cd😀😀e';
    const rows = (await collect(textRecords(piecesAt(text, [3]), 3))).map((r) => (r.value as { text: string }).text);
    expect(rows.join('')).toBe(text);
    expect(rows.every((r) => !/[\uD800-\uDBFF]$/.test(r))).toBe(true);
  });

  it('splits lines on LF and CRLF across pieces', async () => {
    const lines = await collect(textLines(piecesAt('a\r\nb\n\nc', [2, 3])));
    expect(lines).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
      { line: 3, text: '' },
      { line: 4, text: 'c' },
    ]);
  });
});

it('format errors are DataErrors', async () => {
  await expect(csv('"')).rejects.toBeInstanceOf(DataError);
});
