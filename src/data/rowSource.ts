/**
 * Reading a stored dataset: its rows chunk by chunk, each row checked again against its schema
 * (a chunk damaged in storage is refused, not scored), so only one chunk is in memory at a time.
 */
import { DataError } from './errors';
import { DATASETS, specOfStored } from './registry';
import { ROW_SCHEMAS, type RowOf, type RowSchemaName, type RowSource } from './schemas';
import type { DatasetManifest, DatasetStore } from './store';

export interface StoredRowSource<Row> extends RowSource<Row> {
  readonly manifest: DatasetManifest;
  readonly split: string;
}

/** The stored name for a registry id (truthfulqa_mc1 and _mc2 share `truthfulqa_mc`) or a stored name itself. */
function storedName(id: string): string {
  return DATASETS[id]?.storedAs ?? id;
}

/**
 * A stored dataset's rows. `split` defaults to the split its task scores (the registry's);
 * MMLU's few-shot rows are `split: 'dev'`.
 */
export async function openRowSource<S extends RowSchemaName = RowSchemaName>(
  store: DatasetStore,
  datasetId: string,
  options: { split?: string; schema?: S } = {},
): Promise<StoredRowSource<RowOf<S>>> {
  const name = storedName(datasetId);
  const manifest = await store.get(name);
  const spec = DATASETS[datasetId] ?? specOfStored(name);
  if (!manifest) {
    const how = spec?.embedded ? 'it ships with the lab: open it with ensureEmbedded' : 'import it first (from the Hub, a URL or your files)';
    throw new DataError(`${datasetId} is not stored here (${store.location}); ${how}`);
  }
  if (options.schema && options.schema !== manifest.schema) {
    throw new DataError(`${datasetId} holds ${manifest.schema} rows, not ${options.schema}`);
  }
  const split = options.split ?? spec?.split ?? Object.keys(manifest.splits)[0];
  const info = manifest.splits[split];
  if (!info) throw new DataError(`${datasetId} has no ${split} split; it has ${Object.keys(manifest.splits).join(', ')}`);
  const schema = ROW_SCHEMAS[manifest.schema];

  return {
    manifest,
    split,
    info: { name: datasetId, sha256: manifest.sha256, rows: info.rows },
    async *chunks(start = 0) {
      let first = 0;
      for (const [index, count] of info.chunkRows.entries()) {
        if (first + count <= start) {
          first += count;
          continue;
        }
        const rows = await store.getChunk(manifest.name, manifest.importId, split, index);
        if (!rows || rows.length !== count) {
          throw new DataError(`chunk ${index + 1} of ${datasetId} (${split}) is missing or damaged in ${store.location}; import the dataset again`);
        }
        const out = rows.slice(Math.max(0, start - first)).map((row, k) => {
          const parsed = schema.safeParse(row);
          if (!parsed.success) {
            const n = first + Math.max(0, start - first) + k + 1;
            throw new DataError(`row ${n} of ${datasetId} (${split}) is damaged in storage: ${parsed.error.issues[0].message}; import the dataset again`, { row: n });
          }
          return parsed.data as RowOf<S>;
        });
        first += count;
        if (out.length) yield out;
      }
    },
  };
}

/** The first `count` rows of a stored dataset's split, for the page's dataset view. */
export async function inspectDataset(store: DatasetStore, datasetId: string, options: { split?: string; count?: number } = {}): Promise<{ manifest: DatasetManifest; split: string; rows: unknown[] }> {
  const source = await openRowSource(store, datasetId, options);
  const count = options.count ?? 5;
  const rows: unknown[] = [];
  for await (const chunk of source.chunks()) {
    rows.push(...chunk.slice(0, count - rows.length));
    if (rows.length >= count) break;
  }
  return { manifest: source.manifest, split: source.split, rows };
}

/** Deletes a stored dataset by registry id or stored name. */
export async function deleteDataset(store: DatasetStore, datasetId: string): Promise<void> {
  await store.delete(storedName(datasetId));
}
