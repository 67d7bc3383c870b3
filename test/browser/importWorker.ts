/**
 * A worker that imports a dataset slowly and says when chunks are stored, so that a test can
 * terminate it mid-import: the abrupt end of a tab (reload, crash) as IndexedDB and Web Locks see it.
 */
import type { DataFile } from '../../src/data/files';
import { openIndexedDbStore } from '../../src/data/idbStore';
import { importFiles } from '../../src/data/importer';

self.onmessage = async (event: MessageEvent<{ db: string; text: string }>) => {
  const { db, text } = event.data;
  const bytes = new TextEncoder().encode(text);
  const piece = 64 * 1024;
  // Slow: one 64 KiB piece every 100 ms, so the import is still running (seconds from its end) when the test ends it.
  const file: DataFile = {
    name: 'lambada_test.jsonl',
    size: bytes.length,
    async *stream() {
      for (let at = 0; at < bytes.length; at += piece) {
        await new Promise((r) => setTimeout(r, 100));
        yield bytes.subarray(at, at + piece);
      }
    },
    async slice(start, end) {
      return bytes.slice(start, end);
    },
  };
  const store = await openIndexedDbStore(db);
  let told = false;
  await importFiles(store, 'lambada_openai', [file], {
    onProgress: (p) => {
      if (!told && p.rows > 0) {
        told = true;
        self.postMessage({ rows: p.rows });
      }
    },
  });
  self.postMessage({ finished: true });
};
