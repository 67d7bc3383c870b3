import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmbedded, continuationRows, documents, lastWordRows } from '../../scripts/build-datasets';
import { EMBEDDED, ensureEmbedded, fetchEmbedded } from '../../src/data/embedded';
import { bytesDataFile } from '../../src/data/files';
import { nodeEmbedded, PUBLIC_DIR } from '../../src/data/nodeFiles';
import { DATASETS } from '../../src/data/registry';
import { openRowSource } from '../../src/data/rowSource';
import { allRows, tempStore, type TempStore } from './helpers';

const heldout = readFileSync(join(PUBLIC_DIR, 'models/quantlab-tiny/heldout.txt'), 'utf8');
const committed = (path: string) => readFileSync(join(PUBLIC_DIR, path), 'utf8');

describe('the shipped datasets', () => {
  it('are what scripts/build-datasets.ts builds from heldout.txt, byte for byte', () => {
    const { files, index } = buildEmbedded(heldout);
    for (const [file, text] of Object.entries(files)) expect(committed(`datasets/${file}`)).toBe(text);
    expect(JSON.parse(committed('datasets/index.json'))).toEqual(index);
    expect(EMBEDDED).toEqual(index);
    for (const e of index) expect(DATASETS[e.id].embedded).toBe(e.path);
  });

  it('last word: the target ends the passage, follows a space and occurs earlier in it', () => {
    const rows = lastWordRows(heldout);
    expect(rows.length).toBeGreaterThanOrEqual(200);
    const docs = documents(heldout);
    for (const { text } of rows) {
      const words = text.split(' ');
      const target = words.at(-1)!;
      expect(target).toMatch(/^[A-Za-z]{4,}$/);
      const context = words.slice(0, -1).join(' ');
      expect(context.split(/\s+/).length).toBeGreaterThanOrEqual(20);
      expect(context.toLowerCase()).toMatch(new RegExp(`(^|[^a-z])${target.toLowerCase()}([^a-z]|$)`));
      // A passage is a piece of one held-out document, as it is written there.
      expect(docs.some((d) => d.includes(text))).toBe(true);
    }
  });

  it('continuation: the true ending follows its context in the document; the others come from other documents', () => {
    const rows = continuationRows(heldout);
    expect(rows.length).toBeGreaterThanOrEqual(200);
    const docs = documents(heldout);
    const labels = new Set<number>();
    for (const r of rows) {
      expect(r.endings).toHaveLength(4);
      labels.add(r.label);
      const doc = docs.findIndex((d) => d.includes(`${r.context} ${r.endings[r.label]}`));
      expect(doc).toBeGreaterThanOrEqual(0);
      r.endings.forEach((e, i) => {
        expect(e.split(/\s+/)).toHaveLength(10);
        expect(e).not.toContain('\n');
        if (i !== r.label) expect(docs[doc].includes(`${r.context} ${e}`)).toBe(false);
      });
      expect(new Set(r.endings).size).toBe(4);
    }
    expect(labels).toEqual(new Set([0, 1, 2, 3]));
  });
});

describe('ensureEmbedded', () => {
  let t: TempStore;
  beforeAll(async () => {
    t = await tempStore();
  });
  afterAll(() => t.remove());

  it('imports each shipped dataset once and then reuses it', async () => {
    for (const e of EMBEDDED) {
      const m = await ensureEmbedded(t.store, e.id, nodeEmbedded());
      expect(m).toMatchObject({ name: e.id, rows: e.rows, sha256: e.sha256, bytes: e.bytes, source: { kind: 'embedded' } });
      expect(await ensureEmbedded(t.store, e.id, () => Promise.reject(new Error('not read again')))).toEqual(m);
    }
    const lastword = await allRows(await openRowSource(t.store, 'quantlab_lastword'));
    expect(lastword).toEqual(committed('datasets/quantlab_lastword.jsonl').trim().split('\n').map((l) => JSON.parse(l)));
    expect(await allRows(await openRowSource(t.store, 'quantlab_heldout'))).toEqual([{ text: heldout }]);
  });

  it('refuses a shipped file that is not the one built, and keeps nothing of it', async () => {
    const store = (await tempStore()).store;
    const changed = committed('datasets/quantlab_lastword.jsonl').replace('"text":"', '"text":"X');
    await expect(ensureEmbedded(store, 'quantlab_lastword', async () => bytesDataFile(changed, 'quantlab_lastword.jsonl'))).rejects.toThrow(
      /^the lab's own datasets\/quantlab_lastword\.jsonl is not the file it was built as \(sha256 [0-9a-f]{64}, expected d14d/,
    );
    expect(await store.list()).toEqual([]);
  });

  it('in the page, fetches the files from where public/ is served', async () => {
    const asked: string[] = [];
    const load = fetchEmbedded('/lab/', async (url) => {
      asked.push(String(url));
      return new Response(committed('datasets/quantlab_continuation.jsonl'));
    });
    const file = await load('datasets/quantlab_continuation.jsonl');
    expect(asked).toEqual(['http://localhost/lab/datasets/quantlab_continuation.jsonl']);
    expect(file.name).toBe('quantlab_continuation.jsonl');
    const failing = fetchEmbedded('/', async () => new Response('', { status: 404 }));
    await expect(failing('datasets/x.jsonl')).rejects.toThrow("the lab's own datasets/x.jsonl could not be loaded (HTTP 404 from http://localhost/datasets/x.jsonl)");
  });
});
