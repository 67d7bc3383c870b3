/**
 * Parquet through hyparquet, one row group at a time: the footer first, then each row group's
 * column chunks by offset (over HTTP, Range requests), so a file is never read, or held, whole.
 * hyparquet-compressors decodes every codec the Hub's files use (snappy, zstd, gzip, brotli, lz4).
 */
import { parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DataError } from '../errors';
import type { DataFile } from '../files';
import type { RawRecord } from '../records';

const MAGIC = 'PAR1';

function asyncBuffer(file: DataFile, signal?: AbortSignal): AsyncBuffer {
  return {
    byteLength: file.size,
    async slice(start, end = file.size) {
      const bytes = await file.slice(start, end, signal);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

/** The file's footer, checked against its length: a truncated file is refused here, before any row is read. */
export async function parquetFooter(file: DataFile, signal?: AbortSignal): Promise<FileMetaData> {
  const refuse = (why: string, cause?: unknown) =>
    new DataError(`${file.name} is not a complete Parquet file: ${why}`, { file: file.name }, { cause });
  if (file.size < 12) throw refuse(`it has only ${file.size} bytes`);
  const head = new TextDecoder().decode(await file.slice(0, 4, signal));
  const tail = new TextDecoder().decode(await file.slice(file.size - 4, file.size, signal));
  if (head !== MAGIC) throw refuse('it does not start with PAR1');
  if (tail !== MAGIC) throw refuse('it does not end with PAR1 (truncated?)');
  let metadata: FileMetaData;
  try {
    // The footer is usually a few KB: ask for 64 KiB from the end (hyparquet asks again if it is longer).
    metadata = await parquetMetadataAsync(asyncBuffer(file, signal), { initialFetchSize: 1 << 16 });
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw refuse(`its footer cannot be read (${(e as Error).message})`, e);
  }
  metadata.row_groups.forEach((group, g) => {
    for (const column of group.columns) {
      const meta = column.meta_data;
      if (!meta) continue;
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      const end = start + Number(meta.total_compressed_size);
      if (end > file.size) {
        throw refuse(`column ${meta.path_in_schema.join('.')} of row group ${g + 1} ends at byte ${end}, past the file's end (${file.size}); truncated?`);
      }
    }
  });
  return metadata;
}

export function parquetRowCount(metadata: FileMetaData): number {
  return Number(metadata.num_rows);
}

/** The top-level column names. */
export function parquetColumns(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/** hyparquet gives INT64 as bigint; rows are JSON-like, so they become numbers (all dataset integers are small). */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/** Rows in batches, one batch a row group. */
export async function* parquetRecordBatches(file: DataFile, signal?: AbortSignal, footer?: FileMetaData): AsyncIterable<RawRecord[]> {
  const metadata = footer ?? (await parquetFooter(file, signal));
  const buffer = asyncBuffer(file, signal);
  let rowStart = 0;
  for (const [g, group] of metadata.row_groups.entries()) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, compressors });
    } catch (e) {
      if (e instanceof DataError || (e as Error).name === 'AbortError') throw e;
      throw new DataError(`${file.name}: row group ${g + 1} cannot be read (${(e as Error).message}); the file may be damaged`, { file: file.name }, { cause: e });
    }
    yield rows.map((row, k) => ({ value: plain(row), at: `row ${k + 1} of row group ${g + 1}` }));
    rowStart = rowEnd;
  }
}
