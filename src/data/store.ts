/**
 * Where datasets are kept: rows in chunks (a few thousand rows or about 1 MB each) under a
 * manifest. One interface, two backends: IndexedDB in the browser (idbStore.ts) and files in
 * the CLI's cache folder (nodeStore.ts).
 *
 * An import writes its chunks under a fresh import id and becomes visible only when its manifest
 * is committed; the commit also drops the chunks of the import it replaces. An import that
 * never commits (cancelled, refused, storage full, tab closed) leaves chunks that are not
 * reachable from any manifest, and those are removed (abortImport, or recover() on the next open).
 */
import { z } from 'zod';
import { ROW_SCHEMAS, type RowSchemaName } from './schemas';

export const MANIFEST_VERSION = 1;

const OriginalFileSchema = z.object({
  name: z.string(),
  bytes: z.number().int().nonnegative(),
  /** sha256 of the file's bytes, hex; null where it could not be had (a URL read by ranges whose server states none). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  /** computed: hashed here from every byte; stated: the server's (the Hub's LFS/Xet sha256), not recomputed. */
  sha256From: z.enum(['computed', 'stated']).nullable(),
});

export const SplitInfoSchema = z.object({
  rows: z.number().int().nonnegative(),
  /** Rows in each chunk, in order. */
  chunkRows: z.array(z.number().int().positive()),
  /** Bytes of the rows as stored (their JSON length). */
  storedBytes: z.number().int().nonnegative(),
});

export const DatasetManifestSchema = z.object({
  version: z.literal(MANIFEST_VERSION),
  name: z.string().min(1),
  schema: z.enum(Object.keys(ROW_SCHEMAS) as [RowSchemaName, ...RowSchemaName[]]),
  importId: z.string().min(1),
  source: z.object({
    kind: z.enum(['hub', 'url', 'file', 'embedded']),
    /** The Hub repo/config or the URL or the file names, in words. */
    label: z.string(),
    layout: z.string(),
    format: z.string(),
    mapping: z.record(z.string(), z.string()),
  }),
  files: z.array(OriginalFileSchema),
  /** One file: its sha256; several: sha256 of their `name sha256` lines (sorted by name); null if any file has none. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  rows: z.number().int().nonnegative(),
  /** Bytes of the original file(s). */
  bytes: z.number().int().nonnegative(),
  importedAt: z.string(),
  splits: z.record(z.string(), SplitInfoSchema),
});

export type DatasetManifest = z.infer<typeof DatasetManifestSchema>;
export type OriginalFile = z.infer<typeof OriginalFileSchema>;

/** A correction of a dataset's field names, kept for its next import. */
export const SavedMappingSchema = z.object({ layout: z.string(), mapping: z.record(z.string(), z.string()) });
export type SavedMapping = z.infer<typeof SavedMappingSchema>;

export interface StorageSpace {
  /** Bytes still free for this store, where the platform says. */
  free: number | null;
  /** Whether the browser keeps the data under storage pressure (persist() granted); null where not a browser. */
  persisted: boolean | null;
}

export interface DatasetStore {
  readonly kind: 'indexeddb' | 'files';
  /** Where, in words (the database name or the folder). */
  readonly location: string;
  /** Removes what imports that never committed left behind; returns their dataset names. */
  recover(): Promise<string[]>;
  /** Manifests of the stored datasets, readable ones only. */
  list(): Promise<DatasetManifest[]>;
  get(name: string): Promise<DatasetManifest | null>;
  /** Deletes the dataset and every chunk of it; other datasets are not touched. */
  delete(name: string): Promise<void>;

  beginImport(name: string, importId: string): Promise<void>;
  putChunk(name: string, importId: string, split: string, index: number, rows: unknown[]): Promise<void>;
  /** Makes the import visible, replacing (and deleting the chunks of) the dataset of that name, all at once. */
  commit(manifest: DatasetManifest): Promise<void>;
  /** Removes the chunks of an import that will not commit. */
  abortImport(name: string, importId: string): Promise<void>;
  getChunk(name: string, importId: string, split: string, index: number): Promise<unknown[] | null>;

  getMapping(dataset: string): Promise<SavedMapping | null>;
  saveMapping(dataset: string, mapping: SavedMapping | null): Promise<void>;

  /** Free space; asks the browser to keep the data (navigator.storage.persist) when `persist` is set. */
  space(persist?: boolean): Promise<StorageSpace>;
}

export function parseManifest(value: unknown): DatasetManifest | null {
  const parsed = DatasetManifestSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
