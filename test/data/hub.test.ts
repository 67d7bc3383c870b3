/**
 * The Hub's Parquet, from a Hub on 127.0.0.1: the API lists a split's files, each redirects to its
 * resolve URL (as the real Hub does), and is read over Range requests row group by row group.
 * The Parquet files are written (hyparquet-writer) from rows read from the real files.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors';
import { importFiles, importHub, importUrl, type ImportProgress } from '../../src/data/importer';
import { openRowSource } from '../../src/data/rowSource';
import { localServer } from '../model/synthetic';
import { allRows, shared, SHARED, tempStore, type TempStore } from './helpers';
import { hfParquet } from './parquetRows';


/** repo -> config -> split -> Parquet bytes */
const hub = new Map<string, Map<string, Map<string, Uint8Array>>>();
const serve = (repo: string, config: string, split: string, bytes: Uint8Array) => {
  const configs = hub.get(repo) ?? new Map();
  hub.set(repo, configs);
  const splits = configs.get(config) ?? new Map();
  configs.set(config, splits);
  splits.set(split, bytes);
};

let server: Awaited<ReturnType<typeof localServer>>;
const ranges: { path: string; range: string | undefined; method: string }[] = [];
let t: TempStore;
let expected: Record<string, { test?: unknown[]; dev?: unknown[] }> = {};

beforeAll(async () => {
  t = await tempStore();
  // Rows as the original files give them (import.test.ts checks that mapping), then written as the Hub's Parquet.
  const originals = await tempStore();
  const rowsOf = async (id: string, split?: string) => allRows(await openRowSource(originals.store, id, { split }));
  await importFiles(originals.store, 'arc_easy', [await shared('arc-easy/ARC-Easy-Test.jsonl')]);
  await importFiles(originals.store, 'boolq', [await shared('boolq/dev.jsonl')]);
  await importFiles(originals.store, 'truthfulqa_mc1', [await shared('truthfulqa/mc_task.json')]);
  const mmluFiles = ['test', 'dev'].flatMap((s) => readdirSync(join(SHARED, 'mmlu', s)).map((f) => `mmlu/${s}/${f}`));
  await importFiles(originals.store, 'mmlu', await Promise.all(mmluFiles.map(shared)));
  expected = {
    arc_easy: { test: await rowsOf('arc_easy') },
    boolq: { test: await rowsOf('boolq') },
    truthfulqa_mc1: { test: await rowsOf('truthfulqa_mc1') },
    mmlu: { test: await rowsOf('mmlu'), dev: await rowsOf('mmlu', 'dev') },
  };
  originals.remove();
  const heldout = readFileSync(join(__dirname, '../../public/models/quantlab-tiny/heldout.txt'), 'utf8');
  const pages = heldout.split('\n\n').slice(0, 200).map((page) => ({ page }));
  expected.wikitext = { test: pages.map((p) => ({ text: p.page })) };

  serve('allenai/ai2_arc', 'ARC-Easy', 'test', hfParquet(expected.arc_easy.test as Record<string, unknown>[], 500));
  serve('aps/super_glue', 'boolq', 'validation', hfParquet(expected.boolq.test as Record<string, unknown>[], 1000));
  serve('truthfulqa/truthful_qa', 'multiple_choice', 'validation', hfParquet(expected.truthfulqa_mc1.test as Record<string, unknown>[], 300));
  serve('cais/mmlu', 'all', 'test', hfParquet(expected.mmlu.test as Record<string, unknown>[], 1000));
  serve('cais/mmlu', 'all', 'dev', hfParquet(expected.mmlu.dev as Record<string, unknown>[], 100));
  serve('EleutherAI/wikitext_document_level', 'wikitext-2-raw-v1', 'test', hfParquet(pages, 50));

  server = await localServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    ranges.push({ path: url, range: req.headers.range, method: req.method ?? '' });
    const fail = (status: number, code?: string) => {
      res.writeHead(status, code ? { 'X-Error-Code': code, 'Content-Type': 'application/json' } : {});
      res.end();
    };
    if (url.includes('owner/gated')) return fail(401, 'GatedRepo');
    if (url.startsWith('/files/')) {
      const body = readFileSync(join(SHARED, url.slice('/files/'.length)));
      res.writeHead(200, { 'Content-Length': body.length });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }
    const list = /^\/api\/datasets\/(.+)\/parquet\/([^/]+)\/([^/]+)$/.exec(url);
    const redirect = /^\/api\/datasets\/(.+)\/parquet\/([^/]+)\/([^/]+)\/0\.parquet$/.exec(url);
    const resolve = /^\/datasets\/(.+)\/resolve\/refs\/convert\/parquet\/([^/]+)\/([^/]+)\/0000\.parquet$/.exec(url);
    const m = list ?? redirect ?? resolve;
    const bytes = m && hub.get(m[1])?.get(m[2])?.get(m[3]);
    if (!m || !bytes) return fail(404, 'RepoNotFound');
    if (list) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify([`${server.url}${req.url}/0.parquet`]));
    }
    if (redirect) {
      res.writeHead(302, { Location: `/datasets/${m[1]}/resolve/refs%2Fconvert%2Fparquet/${m[2]}/${m[3]}/0000.parquet` });
      return res.end();
    }
    const headers = { 'Accept-Ranges': 'bytes', 'X-Linked-Etag': `"${createHash('sha256').update(bytes).digest('hex')}"` };
    const r = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!r) {
      res.writeHead(200, { ...headers, 'Content-Length': bytes.length });
      return res.end(req.method === 'HEAD' ? undefined : bytes);
    }
    const [start, end] = [Number(r[1]), Math.min(Number(r[2]), bytes.length - 1)];
    res.writeHead(206, { ...headers, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${bytes.length}` });
    res.end(bytes.subarray(start, end + 1));
  });
});
afterAll(async () => {
  await server.close();
  t.remove();
});
beforeEach(() => {
  ranges.length = 0;
});

describe('importing from the Hub', () => {
  it('ARC-Easy: listed, redirected, read by Range row group by row group, with the Hub\'s sha256', async () => {
    const progress: ImportProgress[] = [];
    const m = await importHub(t.store, 'arc_easy', { hubUrl: server.url, onProgress: (p) => progress.push(p) });
    expect(await allRows(await openRowSource(t.store, 'arc_easy'))).toEqual(expected.arc_easy.test);
    const bytes = hub.get('allenai/ai2_arc')!.get('ARC-Easy')!.get('test')!;
    expect(m).toMatchObject({ rows: 2376, bytes: bytes.length, source: { kind: 'hub', layout: 'hf:arc', format: 'parquet' } });
    expect(m.files).toEqual([{ name: 'allenai/ai2_arc ARC-Easy/test/0.parquet', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), sha256From: 'stated' }]);
    expect(ranges[0]).toEqual({ path: '/api/datasets/allenai/ai2_arc/parquet/ARC-Easy/test', range: undefined, method: 'GET' });
    const gets = ranges.filter((r) => r.method === 'GET' && r.path.includes('/resolve/'));
    // Every read of the file is a Range request, several of them (footer, then the 5 row groups), and
    // together they fetch the file about once.
    expect(gets.every((r) => /^bytes=\d+-\d+$/.test(r.range ?? ''))).toBe(true);
    expect(gets.length).toBeGreaterThanOrEqual(5);
    const fetched = gets.reduce((s, r) => {
      const [a, b] = r.range!.slice(6).split('-').map(Number);
      return s + Math.min(b, bytes.length - 1) - a + 1;
    }, 0);
    expect(fetched).toBeLessThan(bytes.length * 2);
    expect(progress.at(-1)).toMatchObject({ done: true, rows: 2376, totalBytes: bytes.length });
  });

  it('MMLU: test and dev splits from config `all`, subjects and answers as the CSVs give them', async () => {
    const progress: ImportProgress[] = [];
    const m = await importHub(t.store, 'mmlu', { hubUrl: server.url, onProgress: (p) => progress.push(p) });
    // A report for every chunk stored, rows and bytes growing, and a rate and time left on the way.
    const rows = progress.map((p) => p.rows);
    expect(rows.filter((r, i) => r > (rows[i - 1] ?? 0)).length).toBeGreaterThanOrEqual(m.splits.test.chunkRows.length);
    expect(progress.every((p, i) => i === 0 || (p.rows >= progress[i - 1].rows && p.bytes >= progress[i - 1].bytes))).toBe(true);
    expect(progress.some((p) => !p.done && p.rows > 0 && p.bytesPerSecond > 0 && p.secondsLeft !== null && p.secondsLeft > 0)).toBe(true);
    expect(Object.fromEntries(Object.entries(m.splits).map(([s, i]) => [s, i.rows]))).toEqual({ test: 14042, dev: 285 });
    expect(await allRows(await openRowSource(t.store, 'mmlu'))).toEqual(expected.mmlu.test);
    expect(await allRows(await openRowSource(t.store, 'mmlu', { split: 'dev' }))).toEqual(expected.mmlu.dev);
  });

  it('BoolQ (INT64 labels), TruthfulQA (structs of lists), WikiText (page -> text)', async () => {
    // A mapping saved for the user's own files does not apply to the Hub's.
    await t.store.saveMapping('boolq', { layout: 'hf:boolq', mapping: { question: 'q' } });
    await importHub(t.store, 'boolq', { hubUrl: server.url });
    expect(await allRows(await openRowSource(t.store, 'boolq'))).toEqual(expected.boolq.test);
    await importHub(t.store, 'truthfulqa_mc2', { hubUrl: server.url });
    expect(await allRows(await openRowSource(t.store, 'truthfulqa_mc2'))).toEqual(expected.truthfulqa_mc1.test);
    const w = await importHub(t.store, 'wikitext', { hubUrl: server.url });
    expect(w.source.mapping).toEqual({ text: 'page' });
    expect(await allRows(await openRowSource(t.store, 'wikitext'))).toEqual(expected.wikitext.test);
  });

  it('cancels mid-import: nothing of it is kept, the stored copy stays', async () => {
    await importHub(t.store, 'mmlu', { hubUrl: server.url });
    const before = await t.store.get('mmlu');
    const controller = new AbortController();
    const error = await importHub(t.store, 'mmlu', {
      hubUrl: server.url,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.rows > 0) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect((error as Error).message).toBe('the import of mmlu was cancelled; nothing of it was kept');
    expect(await t.store.get('mmlu')).toEqual(before);
    expect(readdirSync(join(t.dir, 'mmlu')).sort()).toEqual([before!.importId, 'manifest.json'].sort());
  });

  it('says what to do when the Hub refuses', async () => {
    await expect(importHub(t.store, 'gsm8k', { hubUrl: server.url })).rejects.toThrow(
      `the Hub has no Parquet files for openai/gsm8k at this config and split (HTTP 404): check the name at ${server.url}/datasets/openai/gsm8k`,
    );
    const { hubParquetFiles } = await import('../../src/data/hub');
    await expect(hubParquetFiles('owner/gated', 'default', 'test', { hubUrl: server.url })).rejects.toThrow(
      `owner/gated is gated (HTTP 401): accept its conditions at ${server.url}/datasets/owner/gated, then give an access token (hf_…)`,
    );
    await expect(importHub(t.store, 'arc_easy', { hubUrl: 'http://127.0.0.1:9' })).rejects.toThrow(/^could not reach the Hub at http:\/\/127\.0\.0\.1:9: /);
  });
});

describe('importing from a URL', () => {
  it('a Parquet file by Range requests, and a truncated one refused', async () => {
    const url = `${server.url}/datasets/allenai/ai2_arc/resolve/refs%2Fconvert%2Fparquet/ARC-Easy/test/0000.parquet`;
    const m = await importUrl(t.store, 'arc_easy', url);
    expect(m.source).toMatchObject({ kind: 'url', label: url });
    expect(await allRows(await openRowSource(t.store, 'arc_easy'))).toEqual(expected.arc_easy.test);

    const bytes = hub.get('allenai/ai2_arc')!.get('ARC-Easy')!.get('test')!;
    serve('cut/arc', 'ARC-Easy', 'test', bytes.slice(0, bytes.length - 100));
    await expect(importUrl(t.store, 'arc_easy', `${server.url}/datasets/cut/arc/resolve/refs%2Fconvert%2Fparquet/ARC-Easy/test/0000.parquet`)).rejects.toThrow(
      '0000.parquet is not a complete Parquet file: it does not end with PAR1 (truncated?)',
    );
    expect((await t.store.get('arc_easy'))!.importId).toBe(m.importId);
  });

  it('a JSONL file streamed whole and hashed on the way', async () => {
    const m = await importUrl(t.store, 'gsm8k', `${server.url}/files/gsm8k/test.jsonl`);
    expect(m).toMatchObject({ rows: 1319, sha256: '3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14', files: [{ sha256From: 'computed' }] });
  });

  it('a missing file is refused with the HTTP status', async () => {
    await expect(importUrl(t.store, 'arc_easy', `${server.url}/nothing/here.parquet`)).rejects.toBeInstanceOf(DataError);
  });
});
