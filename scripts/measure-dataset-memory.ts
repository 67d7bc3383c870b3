/**
 * Measures that an import and a read-back stream: a JSONL file of LAMBADA's rows repeated
 * `times` times (73 MB at 40) is imported into a temporary cache-folder store and read back,
 * with the live heap (after a GC at every progress report and every chunk) printed against the
 * start, and the time taken.
 *
 *   node --expose-gc node_modules/.bin/vite-node scripts/measure-dataset-memory.ts [times]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importFiles } from '../src/data/importer';
import { nodeDataFile } from '../src/data/nodeFiles';
import { openFileStore } from '../src/data/nodeStore';
import { openRowSource } from '../src/data/rowSource';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (see the comment at the top)');
const times = Number(process.argv[2] ?? 40);
const dir = mkdtempSync(join(tmpdir(), 'quantlab-memory-'));
try {
  const path = join(dir, 'lambada.jsonl');
  writeFileSync(path, readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../shared/datasets/lambada/lambada_test.jsonl'), 'utf8').repeat(times));
  const store = await openFileStore(join(dir, 'store'));
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  gc();
  const base = process.memoryUsage().heapUsed;
  let importPeak = 0;
  const t0 = performance.now();
  const m = await importFiles(store, 'lambada_openai', [await nodeDataFile(path)], {
    onProgress: () => {
      gc();
      importPeak = Math.max(importPeak, process.memoryUsage().heapUsed - base);
    },
  });
  const t1 = performance.now();
  let readPeak = 0;
  let rows = 0;
  for await (const chunk of (await openRowSource(store, 'lambada_openai')).chunks()) {
    rows += chunk.length;
    gc();
    readPeak = Math.max(readPeak, process.memoryUsage().heapUsed - base);
  }
  const t2 = performance.now();
  console.log(`file: ${mb(m.bytes)}, ${m.rows} rows, ${m.splits.test.chunkRows.length} chunks`);
  console.log(`import: ${((t1 - t0) / 1000).toFixed(1)} s with a GC at each report; live heap at most ${mb(importPeak)} above the start`);
  console.log(`read back: ${rows} rows in ${((t2 - t1) / 1000).toFixed(1)} s; live heap at most ${mb(readPeak)} above the start`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
