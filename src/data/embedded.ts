/**
 * The datasets that ship with the lab, so it works offline on first open: quantlab-tiny's
 * held-out text (perplexity), the last-word task and the 4-way continuation task built from it
 * (scripts/build-datasets.ts, public/datasets/README.md). On first use each is imported into the
 * store like any file, and checked against the sha256 the build recorded.
 */
import index from '../../public/datasets/index.json';
import { DataError } from './errors';
import { bytesDataFile, type DataFile } from './files';
import { importFiles, type ImportOptions } from './importer';
import { datasetSpec } from './registry';
import type { DatasetManifest, DatasetStore } from './store';

export interface EmbeddedEntry {
  id: string;
  /** Path under public/. */
  path: string;
  schema: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export const EMBEDDED: readonly EmbeddedEntry[] = index;

/** Opens a shipped file by its path under public/. */
export type EmbeddedLoader = (path: string) => Promise<DataFile>;

/** In the page: the files as the server serves public/ (Vite's base URL by default). */
export function fetchEmbedded(baseUrl = import.meta.env?.BASE_URL ?? '/', fetchFn: typeof fetch = fetch): EmbeddedLoader {
  return async (path) => {
    const url = new URL(path, new URL(baseUrl, globalThis.location?.href ?? 'http://localhost/')).href;
    const res = await fetchFn(url);
    if (!res.ok) throw new DataError(`the lab's own ${path} could not be loaded (HTTP ${res.status} from ${url})`, { file: url });
    return bytesDataFile(new Uint8Array(await res.arrayBuffer()), path.split('/').pop()!);
  };
}

/** The shipped dataset in the store, imported now if it is not there or is not the shipped version. */
export async function ensureEmbedded(store: DatasetStore, id: string, load: EmbeddedLoader, options: ImportOptions = {}): Promise<DatasetManifest> {
  const spec = datasetSpec(id);
  const entry = EMBEDDED.find((e) => e.id === id);
  if (!spec.embedded || !entry) throw new DataError(`${id} does not ship with the lab`);
  const stored = await store.get(spec.storedAs);
  if (stored && stored.sha256 === entry.sha256) return stored;
  const manifest = await importFiles(store, id, [await load(entry.path)], options, 'embedded');
  if (manifest.sha256 !== entry.sha256) {
    await store.delete(spec.storedAs);
    throw new DataError(`the lab's own ${entry.path} is not the file it was built as (sha256 ${manifest.sha256}, expected ${entry.sha256}); rebuild or reinstall the lab`, { file: entry.path });
  }
  return manifest;
}
