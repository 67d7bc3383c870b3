import { describe, expect, it } from 'vitest';
import { parseJsonl } from '../../src/eval/merge';
import { historyJson, recordsCsv, recordsJsonl } from '../../src/results/export';
import { sweepRecords } from './sweepFixture';

/** A small RFC 4180 reader, to check the writer against the standard rather than against itself. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
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
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field, 'the file ends with CRLF').toBe('');
  return rows;
}

describe('CSV export', () => {
  it('writes one row a record, the preset, task and model first, a column a metric', () => {
    const records = sweepRecords(31, ['fp16', 'w4g128'], 2);
    const rows = parseCsv(recordsCsv(records));
    const [header, ...body] = rows;
    expect(header.slice(0, 4)).toEqual(['preset', 'bits_per_weight', 'task', 'task_version']);
    expect(header.slice(11, 15)).toEqual(['model', 'model_sha256', 'parameters', 'architecture']);
    expect(header).toEqual(expect.arrayContaining(['setting:n_ctx', 'perplexity', 'acc', 'acc_norm_stderr', 'tokens_per_second', 'id']));
    expect(body).toHaveLength(4);
    for (const row of body) expect(row).toHaveLength(header.length);
    const col = (name: string) => header.indexOf(name);
    const ppl = body.find((r) => r[col('task')] === 'perplexity' && r[col('preset')] === 'w4g128')!;
    const record = records.find((r) => r.task.name === 'perplexity' && r.preset.name === 'w4g128')!;
    expect(Number(ppl[col('perplexity')])).toBe(record.metrics.perplexity);
    expect(ppl[col('acc')]).toBe('');
    expect(ppl[col('setting:n_ctx')]).toBe('512');
    expect(ppl[col('limit')]).toBe('');
    expect(ppl[col('chat_template')]).toBe('false');
    expect(ppl[col('id')]).toBe(record.id);
  });

  it('quotes as RFC 4180 says and keeps spreadsheets from running a cell as a formula', () => {
    const [r] = sweepRecords(32, ['fp16'], 1);
    const cases: [string, string][] = [
      ['=HYPERLINK("http://evil.example","open")', `'=HYPERLINK("http://evil.example","open")`],
      ['+1+1', "'+1+1"],
      ['-2+3', "'-2+3"],
      ['@SUM(A1)', "'@SUM(A1)"],
      ['\tTAB', "'\tTAB"],
      ['a, b', 'a, b'],
      ['say "hi"', 'say "hi"'],
      ['two\r\nlines', 'two\r\nlines'],
      ['plain', 'plain'],
    ];
    for (const [name, expected] of cases) {
      const text = recordsCsv([{ ...r, model: { ...r.model, name } }]);
      const [header, row] = parseCsv(text);
      expect(row[header.indexOf('model')], name).toBe(expected);
    }
    expect(recordsCsv([{ ...r, model: { ...r.model, name: 'a,"b"' } }])).toContain(',"a,""b""",');
    // Negative numbers are numbers, not formulas.
    const negative = recordsCsv([{ ...r, metrics: { ...r.metrics, delta: -0.25 } }]);
    expect(parseCsv(negative)[1]).toContain('-0.25');
  });

  it('reads a metric only from the record that has it, prototype names included', () => {
    const [a, b] = sweepRecords(33, ['fp16', 'w8g128'], 1);
    const rows = parseCsv(recordsCsv([{ ...a, metrics: { ...a.metrics, constructor: 3 } }, b]));
    const col = rows[0].indexOf('constructor');
    expect(rows[1][col]).toBe('3');
    expect(rows[2][col]).toBe('');
  });
});

describe('JSON export', () => {
  it('holds the records as stored, items included, under a header', () => {
    const records = sweepRecords(34, ['fp16'], 1);
    const doc = JSON.parse(historyJson(records, new Date('2026-12-01T00:00:00Z')));
    expect(doc).toEqual({ format: 'quantlab-history', exportedAt: '2026-12-01T00:00:00.000Z', records });
  });

  it('as JSON lines: one record a line, each read back as it was', () => {
    const records = sweepRecords(35, ['fp16', 'w4g128'], 2);
    const text = recordsJsonl(records);
    expect(text.split('\n')).toHaveLength(records.length + 1);
    expect(text.endsWith('\n')).toBe(true);
    expect(parseJsonl(text, 'sweep.jsonl')).toEqual(records);
  });
});
