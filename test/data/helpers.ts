import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeDataFile } from '../../src/data/nodeFiles';
import { openFileStore } from '../../src/data/nodeStore';
import type { DatasetStore } from '../../src/data/store';

/** The real benchmark files (../shared/datasets, README there), never copied into the repository. */
export const SHARED = join(__dirname, '../../../shared/datasets');
export const shared = (path: string) => nodeDataFile(join(SHARED, path));

export interface TempStore {
  store: DatasetStore;
  dir: string;
  remove(): void;
}

export async function tempStore(): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'quantlab-datasets-'));
  return { store: await openFileStore(dir), dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** All rows of a stored split. */
export async function allRows(source: { chunks(start?: number): AsyncIterable<unknown[]> }, start = 0): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const chunk of source.chunks(start)) out.push(...chunk);
  return out;
}
