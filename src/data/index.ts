/**
 * The datasets module as the page and the task scorers use it (browser-safe; the CLI adds
 * nodeStore.ts and nodeFiles.ts for its cache folder and files on disk).
 */
export { DataError, ImportCancelled, StorageFull } from './errors';
export { blobDataFile, bytesDataFile, type DataFile } from './files';
export { FORMAT_NAMES } from './detect';
export { EMBEDDED, ensureEmbedded, fetchEmbedded, type EmbeddedLoader } from './embedded';
export { hubParquetFiles, HUB_URL } from './hub';
export { openIndexedDbStore, DATASET_DB } from './idbStore';
export { CHUNK_BYTES, CHUNK_ROWS, importFiles, importHub, importUrl, planImport, type ImportOptions, type ImportPlan, type ImportProgress } from './importer';
export { findLayout, layoutsFor, type FieldMapping, type FormatId, type Layout } from './layouts';
export { DATASET_IDS, DATASETS, datasetSpec, MMLU_SUBJECTS, type DatasetSpec } from './registry';
export { deleteDataset, inspectDataset, openRowSource, type StoredRowSource } from './rowSource';
export * from './schemas';
export type { DatasetManifest, DatasetStore, SavedMapping, StorageSpace } from './store';
