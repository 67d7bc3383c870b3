/**
 * Importing a dataset: files (dropped, on disk, or behind a URL) or the Hub's Parquet, streamed
 * through parse -> map (layouts.ts) -> check (schemas.ts) -> write a chunk, so no more than a
 * chunk of rows is ever held. The first bad row stops the import with a message naming the file,
 * the row and the field; a cancel, a refusal or a full disk removes what the import wrote, and
 * nothing stored before is touched. The import becomes visible only when it is complete.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { FileMetaData } from 'hyparquet';
import { bytesToHex } from '@noble/hashes/utils.js';
import { detectFormat, FORMAT_NAMES, isLabelFile } from './detect';
import { DataError, ImportCancelled, isQuotaError, StorageFull, throwIfAborted } from './errors';
import { textLines, utf8Pieces, type DataFile } from './files';
import { csvRecords } from './formats/csv';
import { jsonArrayRecords, jsonLinesRecords } from './formats/json';
import { llamaHellaswagRecords, llamaMultipleChoiceRecords, llamaWinograndeRecords } from './formats/llamacpp';
import { parquetFooter, parquetRecordBatches } from './formats/parquet';
import { textRecords } from './formats/text';
import { hubParquetFiles, type HubDatasetOptions } from './hub';
import { httpDataFile, type HttpOptions } from './http';
import { effectiveMapping, FieldError, fieldPaths, findLayout, layoutsFor, valueAt, type FieldMapping, type FormatId, type Layout } from './layouts';
import type { RawRecord } from './records';
import { datasetSpec, MMLU_SUBJECTS, type DatasetSpec } from './registry';
import { ROW_SCHEMAS } from './schemas';
import { MANIFEST_VERSION, type DatasetManifest, type DatasetStore, type OriginalFile } from './store';

/** A chunk closes at this many rows or this many bytes of JSON, whichever comes first. */
export const CHUNK_ROWS = 4096;
export const CHUNK_BYTES = 1 << 20;

export interface ImportProgress {
  dataset: string;
  /** The file being read. */
  file: string;
  /** Rows checked and stored so far. */
  rows: number;
  /** Bytes read so far, and in all (null where unknown). */
  bytes: number;
  totalBytes: number | null;
  bytesPerSecond: number;
  rowsPerSecond: number;
  secondsElapsed: number;
  /** Estimated from the bytes still to read; null where the total is unknown. */
  secondsLeft: number | null;
  done: boolean;
}

export interface ImportOptions {
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
  /** Read the files in this format instead of the one detected. */
  format?: FormatId;
  /** Use this layout (layouts.ts) instead of the one detected or saved. */
  layout?: string;
  /** Field paths over the layout's; remembered for the dataset when the import succeeds. */
  mapping?: FieldMapping;
  /** Put every file in this split (default: the dataset's, or the one an MMLU file name says). */
  split?: string;
}

interface Part {
  file: DataFile;
  split: string;
  format: FormatId;
  subject?: string;
  /** PIQA's labels, one a line, zipped with the rows. */
  labels?: DataFile;
}

/** What a set of files would import as, for the page to show before it starts (and to correct the mapping). */
export interface ImportPlan {
  dataset: string;
  parts: { file: string; split: string; format: FormatId; formatName: string; subject?: string; labels?: string }[];
  layout: string;
  layoutTitle: string;
  mapping: FieldMapping;
  /** Field paths found in the first record, for the mapping form. */
  fields: string[];
  /** The first records as read, before mapping. */
  sample: unknown[];
  /** What stops the import as planned (a field not found, a bad first row), else null. */
  problem: string | null;
}

const MMLU_FILE = /(?:^|[\\/])([a-z_]+)_(test|dev|val)\.csv$/i;
const MMLU_SPLITS: Record<string, string> = { test: 'test', dev: 'dev', val: 'validation' };

function planParts(spec: DatasetSpec, files: DataFile[], formats: FormatId[], split?: string): Part[] {
  const labels = files.filter(isLabelFile);
  const data = files.filter((f) => !isLabelFile(f));
  if (data.length === 0) throw new DataError(`no data file among ${files.map((f) => f.name).join(', ')}`);
  if (labels.length > 1 || (labels.length === 1 && data.length !== 1)) {
    throw new DataError('a labels file (.lst) goes with exactly one data file, as PIQA valid-labels.lst with valid.jsonl');
  }
  return data.map((file, i) => {
    const part: Part = { file, split: split ?? spec.split, format: formats[i] };
    if (labels.length) part.labels = labels[0];
    if (formats[i] === 'csv-headerless' && spec.schema === 'mmlu') {
      const m = MMLU_FILE.exec(file.name);
      if (m) {
        part.subject = m[1].toLowerCase();
        part.split = split ?? MMLU_SPLITS[m[2].toLowerCase()];
        if (!(MMLU_SUBJECTS as readonly string[]).includes(part.subject)) {
          throw new DataError(`${file.name}: "${part.subject}" is not one of MMLU's 57 subjects`, { file: file.name });
        }
      }
    }
    return part;
  });
}

async function* hashing(stream: AsyncIterable<Uint8Array>, hash: ReturnType<typeof sha256.create>, counted: (n: number) => void) {
  for await (const piece of stream) {
    hash.update(piece);
    counted(piece.length);
    yield piece;
  }
}

/** A Parquet file with every range it reads counted. */
function countingFile(file: DataFile, counted: (n: number) => void): DataFile {
  return {
    ...file,
    name: file.name,
    size: file.size,
    slice: async (start, end, signal) => {
      const bytes = await file.slice(start, end, signal);
      counted(bytes.length);
      return bytes;
    },
  };
}

async function* csvObjects(pieces: AsyncIterable<string>, name: string): AsyncIterable<RawRecord> {
  let header: string[] | null = null;
  for await (const { fields, line } of csvRecords(pieces, name)) {
    if (!header) {
      header = fields.map((f) => f.trim());
      continue;
    }
    if (fields.length !== header.length) {
      throw new DataError(`${name}, line ${line}: ${fields.length} fields where the header has ${header.length}`, { file: name });
    }
    yield { value: Object.fromEntries(header.map((h, i) => [h, fields[i]])), at: `line ${line}` };
  }
}

async function* csvArrays(pieces: AsyncIterable<string>, name: string): AsyncIterable<RawRecord> {
  for await (const { fields, line } of csvRecords(pieces, name)) yield { value: fields, at: `line ${line}` };
}

/** PIQA: the n-th label line is the n-th row's label. */
async function* withLabels(records: AsyncIterable<RawRecord>, labels: DataFile, dataName: string, signal?: AbortSignal): AsyncIterable<RawRecord> {
  const lines = textLines(utf8Pieces(labels.stream(0, signal), labels.name))[Symbol.asyncIterator]();
  let n = 0;
  for await (const record of records) {
    n++;
    const next = await lines.next();
    if (next.done) throw new DataError(`${labels.name} has ${n - 1} labels, and ${dataName} has more rows than that`, { file: labels.name, row: n });
    const text = next.value.text.trim();
    const label = /^-?\d+$/.test(text) ? Number(text) : text;
    const value = record.value && typeof record.value === 'object' ? { ...(record.value as object), label } : record.value;
    yield { value, at: `${record.at}, label on line ${next.value.line} of ${labels.name}` };
  }
  for (let rest = await lines.next(); !rest.done; rest = await lines.next()) {
    if (rest.value.text.trim()) throw new DataError(`${labels.name} has more labels than ${dataName} has rows (${n})`, { file: labels.name });
  }
}

function records(part: Part, bytes: AsyncIterable<Uint8Array>, file: DataFile, signal?: AbortSignal, footer?: FileMetaData): AsyncIterable<RawRecord> {
  const text = () => utf8Pieces(bytes, file.name);
  let out: AsyncIterable<RawRecord>;
  switch (part.format) {
    case 'jsonl':
      out = jsonLinesRecords(text(), file.name);
      break;
    case 'json':
      out = jsonArrayRecords(text(), file.name);
      break;
    case 'csv':
      out = csvObjects(text(), file.name);
      break;
    case 'csv-headerless':
      out = csvArrays(text(), file.name);
      break;
    case 'text':
      out = textRecords(text());
      break;
    case 'llama-hellaswag':
      out = llamaHellaswagRecords({ ...file, stream: () => bytes }, signal);
      break;
    case 'llama-winogrande':
      out = llamaWinograndeRecords({ ...file, stream: () => bytes }, signal);
      break;
    case 'llama-mc':
      out = llamaMultipleChoiceRecords({ ...file, stream: () => bytes }, signal);
      break;
    case 'parquet':
      out = (async function* () {
        for await (const batch of parquetRecordBatches(file, signal, footer)) yield* batch;
      })();
      break;
  }
  return part.labels ? withLabels(out, part.labels, file.name, signal) : out;
}

function plainIssue(issue: { path: PropertyKey[]; message: string; code: string }): { field: string; message: string } {
  const field = issue.path.map(String).join('.') || '(row)';
  const message = issue.message.replace(/^Invalid input: /, '');
  return { field, message: field === '(row)' ? message : `${field}: ${message}` };
}

/** The fields that are numbers in the schemas, for CSV files with a header (whose fields are all text). */
const NUMBER_FIELDS: Partial<Record<string, readonly string[]>> = { piqa: ['label'], boolq: ['label'], mmlu: ['answer'], continuation: ['label'] };

/** One record as a checked row of the schema, or a DataError naming the file, row and field. */
function toRow(layout: Layout, mapping: FieldMapping, record: RawRecord, index: number, part: Part): unknown {
  const where = `${part.file.name}, row ${index + 1} (${record.at})`;
  let row: unknown;
  try {
    row = layout.convert(
      (field) => {
        const path = mapping[field];
        const v = valueAt(record.value, path);
        if (v === undefined || v === null) throw new FieldError(field, `${field} is missing${path !== field ? ` (looked for "${path}")` : ''}`);
        // CSV has only text: a whole number where the schema has one is read as that number.
        if (part.format === 'csv' && NUMBER_FIELDS[layout.schema]?.includes(field) && typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
        return v;
      },
      { subject: part.subject, index },
    );
  } catch (e) {
    if (e instanceof FieldError) {
      const path = mapping[e.field];
      const column = /^\d+$/.test(path ?? '') ? `column ${Number(path) + 1}` : `"${path}"`;
      const at = path && path !== e.field && !e.message.includes(`"${path}"`) ? ` (at ${column} in the file)` : '';
      throw new DataError(`${where}: ${e.message}${at}`, { file: part.file.name, row: index + 1, field: e.field });
    }
    throw e;
  }
  const parsed = ROW_SCHEMAS[layout.schema].safeParse(row);
  if (!parsed.success) {
    const { field, message } = plainIssue(parsed.error.issues[0]);
    throw new DataError(`${where}: ${message}`, { file: part.file.name, row: index + 1, field });
  }
  return parsed.data;
}

async function firstRecords(part: Part, n: number, signal?: AbortSignal): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  if (part.format === 'parquet') {
    for await (const batch of parquetRecordBatches(part.file, signal)) {
      out.push(...batch.slice(0, n));
      break;
    }
    return out;
  }
  const controller = new AbortController();
  for await (const r of records(part, part.file.stream(0, controller.signal), part.file, controller.signal)) {
    out.push(r);
    if (out.length >= n) break;
  }
  controller.abort();
  return out;
}

function layoutsReading(spec: DatasetSpec, format: FormatId): Layout[] {
  return layoutsFor(spec.layouts).filter((l) => l.formats.includes(format));
}

/** The record as a row under the layout, or the DataError that refuses it. */
function tryRow(layout: Layout, mapping: FieldMapping, record: RawRecord, part: Part): DataError | null {
  try {
    toRow(layout, mapping, record, 0, part);
    return null;
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
}

/**
 * The layout for a file: the first of the dataset's layouts for this format under which the
 * first record makes a valid row; failing that, the one that finds most of its fields.
 * `overrides` (the Hub's names, the user's mapping) apply over each layout's paths.
 */
function chooseLayout(spec: DatasetSpec, part: Part, first: RawRecord | undefined, overrides: FieldMapping): { layout: Layout; mapping: FieldMapping; problem: DataError | null } {
  const candidates = layoutsReading(spec, part.format);
  if (candidates.length === 0) {
    throw new DataError(`${part.file.name}: ${spec.id} cannot be read from ${FORMAT_NAMES[part.format]}; it reads ${spec.files}`, { file: part.file.name });
  }
  if (!first) return { layout: candidates[0], mapping: effectiveMapping(candidates[0], overrides), problem: new DataError(`${part.file.name} has no rows`, { file: part.file.name }) };
  let best: { layout: Layout; mapping: FieldMapping; found: number; problem: DataError } | null = null;
  for (const layout of candidates) {
    const mapping = effectiveMapping(layout, overrides);
    const problem = tryRow(layout, mapping, first, part);
    if (!problem) return { layout, mapping, problem };
    const found = Object.values(mapping).filter((p) => valueAt(first.value, p) !== undefined).length;
    if (!best || found > best.found) best = { layout, mapping, found, problem };
  }
  return best!;
}

/** `hubMapping`: the Hub's own column names; a Hub import ignores the mapping saved for the user's files. */
async function resolvePlan(store: DatasetStore, spec: DatasetSpec, parts: Part[], options: ImportOptions, hubMapping?: FieldMapping) {
  const sample = await firstRecords(parts[0], 3, options.signal);
  const saved = options.layout || options.mapping || hubMapping ? null : await store.getMapping(spec.storedAs);
  const layoutId = options.layout ?? saved?.layout;
  const overrides = { ...hubMapping, ...(options.mapping ?? saved?.mapping) };
  if (!layoutId) return { ...chooseLayout(spec, parts[0], sample[0], overrides), sample };
  const layout = findLayout(layoutId);
  if (!layout || layout.schema !== spec.schema) throw new DataError(`layout ${layoutId} does not make rows of ${spec.id} (${spec.schema})`);
  if (!layout.formats.includes(parts[0].format)) throw new DataError(`layout ${layoutId} does not read ${FORMAT_NAMES[parts[0].format]}`);
  const mapping = effectiveMapping(layout, overrides);
  const problem = sample[0] ? tryRow(layout, mapping, sample[0], parts[0]) : new DataError(`${parts[0].file.name} has no rows`, { file: parts[0].file.name });
  return { layout, mapping, sample, problem };
}

async function partsOf(spec: DatasetSpec, files: DataFile[], options: ImportOptions): Promise<Part[]> {
  const data = files.filter((f) => !isLabelFile(f));
  const formats = await Promise.all(data.map(async (f) => options.format ?? (await detectFormat(f, spec.schema))));
  return planParts(spec, files, formats, options.split);
}

/** How files would be imported, without importing: for the page to show the mapping, the first records and any problem. */
export async function planImport(store: DatasetStore, datasetId: string, files: DataFile[], options: ImportOptions = {}): Promise<ImportPlan> {
  const spec = datasetSpec(datasetId);
  const parts = await partsOf(spec, files, options);
  const { layout, mapping, sample, problem } = await resolvePlan(store, spec, parts, options);
  const fields = Array.isArray(sample[0]?.value) ? (sample[0].value as unknown[]).map((_, i) => String(i)) : fieldPaths(sample[0]?.value);
  return {
    dataset: spec.id,
    parts: parts.map((p) => ({ file: p.file.name, split: p.split, format: p.format, formatName: FORMAT_NAMES[p.format], subject: p.subject, labels: p.labels?.name })),
    layout: layout.id,
    layoutTitle: layout.title,
    mapping,
    fields,
    sample: sample.map((r) => r.value),
    problem: problem?.message ?? null,
  };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

class Progress {
  private readonly started = Date.now();
  private last = 0;
  rows = 0;
  bytes = 0;
  file = '';
  constructor(
    private readonly dataset: string,
    private readonly totalBytes: number | null,
    private readonly report?: (p: ImportProgress) => void,
  ) {}

  /** Reports at most every 100 ms while bytes are read; always when a chunk is stored (`always`) and at the end (`done`). */
  emit(always = false, done = false): void {
    const now = Date.now();
    if (!this.report || (!always && now - this.last < 100)) return;
    this.last = now;
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const rate = this.bytes / seconds;
    const left = this.totalBytes === null ? null : rate > 0 ? Math.max(0, this.totalBytes - this.bytes) / rate : null;
    this.report({
      dataset: this.dataset,
      file: this.file,
      rows: this.rows,
      bytes: this.bytes,
      totalBytes: this.totalBytes,
      bytesPerSecond: rate,
      rowsPerSecond: this.rows / seconds,
      secondsElapsed: seconds,
      secondsLeft: done ? 0 : left,
      done,
    });
  }
}

function combinedSha256(files: OriginalFile[]): string | null {
  if (files.some((f) => f.sha256 === null)) return null;
  if (files.length === 1) return files[0].sha256;
  const lines = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => `${f.name} ${f.sha256}\n`);
  return bytesToHex(sha256(new TextEncoder().encode(lines.join(''))));
}

interface Source {
  kind: DatasetManifest['source']['kind'];
  label: string;
  /** Files read over the network: a Parquet file's hash is the server's, not recomputed from ranges. */
  remote: boolean;
}

async function runImport(store: DatasetStore, spec: DatasetSpec, parts: Part[], source: Source, options: ImportOptions, hubMapping?: FieldMapping): Promise<DatasetManifest> {
  const name = spec.storedAs;
  throwIfAborted(options.signal, spec.id);
  const { layout, mapping, problem } = await resolvePlan(store, spec, parts, options, hubMapping);
  if (problem) throw problem;

  const allFiles = parts.flatMap((p) => (p.labels ? [p.file, p.labels] : [p.file]));
  const hashPass = (p: Part) => p.format === 'parquet' && !source.remote;
  const readBytes = parts.reduce((s, p) => s + p.file.size * (hashPass(p) ? 2 : 1) + (p.labels?.size ?? 0), 0);
  // Rows take about the room of their text, Parquet's (compressed) several times its size.
  const needed = parts.reduce((s, p) => s + p.file.size * (p.format === 'parquet' ? 4 : 1.2), 0);
  const space = await store.space(true);
  if (space.free !== null && needed > space.free) {
    throw new StorageFull(`${spec.id} needs about ${mb(needed)} of storage and only ${mb(space.free)} is free; nothing was imported. Free some space (delete datasets you no longer need) and try again`);
  }

  const importId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  const progress = new Progress(spec.id, readBytes, options.onProgress);
  const counted = (n: number) => {
    progress.bytes += n;
    progress.emit();
  };
  const splits: DatasetManifest['splits'] = {};
  const originals: OriginalFile[] = [];
  let began = false;
  try {
    await store.beginImport(name, importId);
    began = true;
    for (const split of [...new Set(parts.map((p) => p.split))]) {
      const info = { rows: 0, chunkRows: [] as number[], storedBytes: 0 };
      let chunk: unknown[] = [];
      let chunkBytes = 0;
      const flush = async () => {
        if (!chunk.length) return;
        throwIfAborted(options.signal, spec.id);
        await store.putChunk(name, importId, split, info.chunkRows.length, chunk);
        info.chunkRows.push(chunk.length);
        info.storedBytes += chunkBytes;
        progress.rows += chunk.length;
        progress.emit(true);
        chunk = [];
        chunkBytes = 0;
      };
      for (const part of parts.filter((p) => p.split === split)) {
        progress.file = part.file.name;
        const hash = sha256.create();
        let file = part.file;
        let bytes: AsyncIterable<Uint8Array>;
        let sha256From: 'computed' | 'stated' | null = 'computed';
        let footer: FileMetaData | undefined;
        if (part.format === 'parquet') {
          if (source.remote) {
            sha256From = part.file.statedSha256 ? 'stated' : null;
          } else {
            // A local file is cheap to read twice: once whole for its sha256, then by row groups.
            for await (const piece of hashing(part.file.stream(0, options.signal), hash, counted)) {
              void piece;
              throwIfAborted(options.signal, spec.id);
            }
          }
          file = countingFile(part.file, counted);
          footer = await parquetFooter(file, options.signal);
          bytes = (async function* () {})();
        } else {
          bytes = hashing(part.file.stream(0, options.signal), hash, counted);
        }
        let index = 0;
        for await (const record of records({ ...part, file }, bytes, file, options.signal, footer)) {
          throwIfAborted(options.signal, spec.id);
          const row = toRow(layout, mapping, record, index++, part);
          chunk.push(row);
          chunkBytes += JSON.stringify(row).length;
          if (chunk.length >= CHUNK_ROWS || chunkBytes >= CHUNK_BYTES) await flush();
        }
        if (index === 0) throw new DataError(`${part.file.name} has no rows`, { file: part.file.name });
        info.rows += index;
        const digest = sha256From === 'computed' ? bytesToHex(hash.digest()) : sha256From === 'stated' ? part.file.statedSha256! : null;
        originals.push({ name: part.file.name, bytes: part.file.size, sha256: digest, sha256From });
        if (part.labels) {
          const labelHash = sha256.create();
          for await (const piece of hashing(part.labels.stream(0, options.signal), labelHash, counted)) void piece;
          originals.push({ name: part.labels.name, bytes: part.labels.size, sha256: bytesToHex(labelHash.digest()), sha256From: 'computed' });
        }
      }
      await flush();
      splits[split] = info;
    }
    const manifest: DatasetManifest = {
      version: MANIFEST_VERSION,
      name,
      schema: spec.schema,
      importId,
      source: { kind: source.kind, label: source.label, layout: layout.id, format: [...new Set(parts.map((p) => p.format))].join(', '), mapping },
      files: originals,
      sha256: combinedSha256(originals),
      rows: Object.values(splits).reduce((s, i) => s + i.rows, 0),
      bytes: allFiles.reduce((s, f) => s + f.size, 0),
      importedAt: new Date().toISOString(),
      splits,
    };
    throwIfAborted(options.signal, spec.id);
    await store.commit(manifest);
    if (options.mapping || options.layout) await store.saveMapping(name, { layout: layout.id, mapping });
    progress.emit(true, true);
    return manifest;
  } catch (e) {
    // Should the removal fail too, the next open's recover() removes what is left; the first error is the one to tell.
    if (began) await store.abortImport(name, importId).catch(() => {});
    if (isQuotaError(e) || isQuotaError((e as { cause?: unknown })?.cause)) {
      throw new StorageFull(
        `the storage ran out after ${progress.rows} rows of ${spec.id}: the partial import was removed and nothing else was changed. Free some space (delete datasets you no longer need) and try again`,
        { cause: e },
      );
    }
    if ((e as Error).name === 'AbortError' || options.signal?.aborted) throw e instanceof ImportCancelled ? e : new ImportCancelled(spec.id);
    throw e;
  }
}

/** Files the user has: dropped in the page, or paths opened by the CLI (nodeFiles.ts). `kind` says where they came from. */
export async function importFiles(
  store: DatasetStore,
  datasetId: string,
  files: DataFile[],
  options: ImportOptions = {},
  kind: 'file' | 'embedded' = 'file',
): Promise<DatasetManifest> {
  const spec = datasetSpec(datasetId);
  const parts = await partsOf(spec, files, options);
  return runImport(store, spec, parts, { kind, label: files.map((f) => f.name).join(', '), remote: false }, options);
}

/** A file behind a URL, in any of the formats a dropped file may have. */
export async function importUrl(store: DatasetStore, datasetId: string, url: string, options: ImportOptions & Omit<HttpOptions, 'describe'> = {}): Promise<DatasetManifest> {
  const spec = datasetSpec(datasetId);
  const file = await httpDataFile(url, options, undefined, options.signal);
  const parts = await partsOf(spec, [file], options);
  return runImport(store, spec, parts, { kind: 'url', label: url, remote: true }, options);
}

/** The dataset's Hugging Face Parquet files, every split the registry stores. */
export async function importHub(store: DatasetStore, datasetId: string, options: ImportOptions & Omit<HubDatasetOptions, 'signal'> = {}): Promise<DatasetManifest> {
  const spec = datasetSpec(datasetId);
  if (!spec.hub) throw new DataError(`${spec.id} ships with the lab and has no Hub copy`);
  const hub = spec.hub;
  const parts: Part[] = [];
  for (const split of hub.splits) {
    const files = await hubParquetFiles(hub.repo, hub.config, split, { ...options, signal: options.signal });
    for (const file of files) parts.push({ file, split, format: 'parquet' });
  }
  return runImport(store, spec, parts, { kind: 'hub', label: `${hub.repo} ${hub.config} (${hub.splits.join(', ')})`, remote: true }, options, hub.mapping ?? {});
}

export { ImportCancelled, StorageFull };
