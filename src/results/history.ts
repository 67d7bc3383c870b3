/**
 * The history: every finished result record, in IndexedDB, read a page at a time by index so
 * that ten thousand stored records cost the page no more than fifty.
 *
 * Database `quantlab-results` (the one QuantLab 0.1 wrote with idb-keyval), version 2:
 * - `records`: the records, keyed by id (out of line, as idb-keyval wrote them), indexed by
 *   createdAt, sweep and model name;
 * - `sweeps`: one summary a sweep (model, presets, tasks, times, count), kept in the same
 *   transaction as the records, so the sweep list never reads a record;
 * - `unreadable`: stored entries no schema reads (written by a broken build, damaged, or
 *   holding NaN), kept with what is wrong with them until the person deletes them.
 * Opening a version-1 database upgrades it in place: schema-1 records are rewritten as their
 * schema-2 upgrade, the sweep summaries are built, unreadable entries move aside; nothing is lost.
 *
 * Every write either lands or throws a StorageError that says why (storage.ts).
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { HISTORY_FORMAT, recordsCsv } from './export';
import { parseRecord, type ResultRecord } from './record';
import { approximateBytes, StorageError, storageFailure } from './storage';

export const HISTORY_DB = 'quantlab-results';
const HISTORY_DB_VERSION = 2;

export interface SweepSummary {
  id: string;
  /** The model's name (a sweep runs one model). */
  model: string;
  /** Preset names in the order first run. */
  presets: string[];
  /** Task names in the order first run. */
  tasks: string[];
  startedAt: string;
  finishedAt: string;
  /** Records stored for the sweep. */
  count: number;
}

interface StoredUnreadable {
  /** The value exactly as it was stored. */
  value: unknown;
  problems: string[];
  /** When the upgrade moved it aside. */
  foundAt: string;
}

export interface UnreadableEntry {
  key: IDBValidKey;
  /** What parseRecord says is wrong, field by field. */
  problems: string[];
  /** The start of the stored value as JSON (NaN and Infinity spelled out), at most PREVIEW_CHARS characters. */
  preview: string;
}

interface HistorySchema extends DBSchema {
  records: { key: string; value: ResultRecord; indexes: { createdAt: string; sweep: [string, string]; model: [string, string] } };
  sweeps: { key: string; value: SweepSummary; indexes: { finishedAt: string } };
  unreadable: { key: IDBValidKey; value: StoredUnreadable };
}
type HistoryDb = IDBPDatabase<HistorySchema>;

export const PREVIEW_CHARS = 300;
const SAVE_ADVICE = 'Export it, or delete old results in History.';
const READ_ADVICE = 'Results of this visit are shown but not kept.';

/** How long an upgrade waits for other tabs' connections to close before it says so. */
const BLOCKED_GRACE_MS = 3000;

let opened: Promise<HistoryDb> | null = null;

/** The database, opened (and upgraded) once per page. A failure is not cached: the next call tries again. */
/** Closes the connection (the next call opens it again): before deleting the database, and in tests. */
export async function closeHistory(): Promise<void> {
  const db = opened;
  opened = null;
  if (db) (await db.catch(() => null))?.close();
}

function database(): Promise<HistoryDb> {
  opened ??= openHistory().catch(async (e: unknown) => {
    opened = null;
    throw await storageFailure(e, 'opening the history', null, READ_ADVICE);
  });
  return opened;
}

async function openHistory(): Promise<HistoryDb> {
  let migrationError: unknown = null;
  let refuseBlocked: (e: Error) => void = () => {};
  const blocked = new Promise<never>((_, reject) => (refuseBlocked = reject));
  const opening = openDB<HistorySchema>(HISTORY_DB, HISTORY_DB_VERSION, {
    upgrade(d, oldVersion, _newVersion, tx) {
      const records = oldVersion < 1 ? d.createObjectStore('records') : tx.objectStore('records');
      records.createIndex('createdAt', 'createdAt');
      records.createIndex('sweep', ['sweep', 'createdAt']);
      records.createIndex('model', ['model.name', 'createdAt']);
      d.createObjectStore('sweeps', { keyPath: 'id' }).createIndex('finishedAt', 'finishedAt');
      d.createObjectStore('unreadable');
      // The open succeeds only once this transaction commits; a failed migration aborts it and leaves version 1 as it was.
      if (oldVersion >= 1) {
        void migrate(tx).catch((e: unknown) => {
          migrationError = e;
          tx.abort();
        });
      }
    },
    blocked() {
      // An older QuantLab (idb-keyval) in another tab keeps version 1 open and never lets go by
      // itself; a connection that is closing lets go within moments.
      setTimeout(
        () =>
          refuseBlocked(
            new StorageError('Another tab holds an older QuantLab open, so the history cannot be upgraded: close that tab, then reload this page.', 'unavailable', null, null),
          ),
        BLOCKED_GRACE_MS,
      );
    },
    blocking(_current, _blocked, event) {
      // A newer QuantLab in another tab wants to upgrade: let it, and reopen on the next call.
      (event.target as IDBDatabase).close();
      opened = null;
    },
    terminated() {
      opened = null;
    },
  });
  try {
    return await Promise.race([opening, blocked]);
  } catch (e) {
    // If the open goes through later (the other tab closed), this attempt was already given up: let that connection go.
    opening.then(
      (d) => d.close(),
      () => undefined,
    );
    throw migrationError ?? e;
  }
}

/** Values the upgrade reads at once: big enough to keep round trips few, small enough for memory. */
const MIGRATE_BATCH = 500;

/**
 * Version 1 to 2: every stored value read once (a batch at a time, by key), upgraded, summarised
 * or moved aside. Writes are issued without waiting on each; the transaction commits them all or none.
 */
async function migrate(tx: IDBPTransaction<HistorySchema, ('records' | 'sweeps' | 'unreadable')[], 'versionchange'>): Promise<void> {
  const sweeps = new Map<string, SweepSummary>();
  const foundAt = new Date().toISOString();
  const store = tx.objectStore('records');
  const writes: Promise<unknown>[] = [];
  let after: IDBKeyRange | null = null;
  for (;;) {
    const [keys, values] = await Promise.all([store.getAllKeys(after, MIGRATE_BATCH), store.getAll(after, MIGRATE_BATCH)]);
    if (keys.length === 0) break;
    keys.forEach((key, i) => {
      const value: unknown = values[i];
      const parsed = parseRecord(value);
      if (parsed.ok) {
        const record = normalised(parsed.record);
        if ((value as { schema?: unknown }).schema !== record.schema || record.createdAt !== (value as ResultRecord).createdAt) {
          writes.push(store.put(record, key));
        }
        sweeps.set(record.sweep, withRecord(sweeps.get(record.sweep), record));
      } else {
        writes.push(tx.objectStore('unreadable').put({ value, problems: parsed.problems, foundAt }, key));
        writes.push(store.delete(key));
      }
    });
    after = IDBKeyRange.lowerBound(keys[keys.length - 1], true);
  }
  for (const summary of sweeps.values()) writes.push(tx.objectStore('sweeps').put(summary));
  await Promise.all(writes);
}

/** createdAt in UTC, so the index orders records by time (an offset like +02:00 would sort as text). */
function normalised(record: ResultRecord): ResultRecord {
  const utc = new Date(record.createdAt).toISOString();
  if (utc === record.createdAt) return record;
  const again = parseRecord({ ...record, createdAt: utc });
  return again.ok ? again.record : record;
}

function withRecord(summary: SweepSummary | undefined, r: ResultRecord): SweepSummary {
  if (!summary) {
    return { id: r.sweep, model: r.model.name, presets: [r.preset.name], tasks: [r.task.name], startedAt: r.createdAt, finishedAt: r.createdAt, count: 1 };
  }
  return {
    ...summary,
    presets: summary.presets.includes(r.preset.name) ? summary.presets : [...summary.presets, r.preset.name],
    tasks: summary.tasks.includes(r.task.name) ? summary.tasks : [...summary.tasks, r.task.name],
    startedAt: r.createdAt < summary.startedAt ? r.createdAt : summary.startedAt,
    finishedAt: r.createdAt > summary.finishedAt ? r.createdAt : summary.finishedAt,
    count: summary.count + 1,
  };
}

function summarise(records: ResultRecord[]): SweepSummary | undefined {
  return [...records].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).reduce<SweepSummary | undefined>(withRecord, undefined);
}

type WriteTx = IDBPTransaction<HistorySchema, ('records' | 'sweeps')[], 'readwrite'>;

/** Every entry of the compound index [sweep or model, createdAt] that starts with `first` (arrays sort after strings). */
const startingWith = (first: string) => IDBKeyRange.bound([first], [first, []]);

/** Rebuilds a sweep's summary from its records (after a delete or an overwrite). */
async function resummarise(tx: WriteTx, sweep: string): Promise<void> {
  const summary = summarise(await tx.objectStore('records').index('sweep').getAll(startingWith(sweep)));
  if (summary) await tx.objectStore('sweeps').put(summary);
  else await tx.objectStore('sweeps').delete(sweep);
}

/** Runs `work` in one readwrite transaction over records and sweeps; any failure aborts it and becomes a StorageError. */
async function write(doing: string, neededBytes: number | null, advice: string, work: (tx: WriteTx) => Promise<void>): Promise<void> {
  const db = await database();
  let failure: unknown = null;
  try {
    const tx = db.transaction(['records', 'sweeps'], 'readwrite');
    try {
      await work(tx);
    } catch (e) {
      failure = e;
      // Nothing of a half-done write may commit. A failed request has aborted it already, and abort() then throws.
      if (!tx.error) tx.abort();
    }
    try {
      // A full disk shows up here, at commit: every request succeeded, then the transaction aborted.
      await tx.done;
    } catch (e) {
      failure ??= e;
    }
  } catch (e) {
    failure ??= e;
  }
  if (failure !== null) throw await storageFailure(failure, doing, neededBytes, advice);
}

/**
 * Stores a record (a valid one: it is checked again here) and updates its sweep's summary, in one
 * transaction. Throws StorageError when the browser refuses, e.g. when its storage is full.
 */
export async function saveRecord(record: ResultRecord): Promise<void> {
  const parsed = parseRecord(record);
  if (!parsed.ok) throw new Error(`Not a valid result record: ${parsed.problems.join('; ')}`);
  const r = normalised(parsed.record);
  await write('saving this result', approximateBytes(r), SAVE_ADVICE, async (tx) => {
    const records = tx.objectStore('records');
    const before = await records.get(r.id);
    await records.put(r, r.id);
    if (before) {
      await resummarise(tx, r.sweep);
      if (before.sweep !== r.sweep) await resummarise(tx, before.sweep);
    } else {
      const sweeps = tx.objectStore('sweeps');
      await sweeps.put(withRecord(await sweeps.get(r.sweep), r));
    }
  });
}

async function read<T>(work: (db: HistoryDb) => Promise<T>): Promise<T> {
  const db = await database();
  try {
    return await work(db);
  } catch (e) {
    throw await storageFailure(e, 'reading the history', null, READ_ADVICE);
  }
}

export function countRecords(): Promise<number> {
  return read((db) => db.count('records'));
}

export interface Page {
  offset: number;
  limit: number;
}

export interface RecordsPage {
  /** Newest first. */
  records: ResultRecord[];
  /** Records stored in all. */
  total: number;
  /** Stored values on this page that no schema reads (left out of `records`). */
  unreadable: number;
}

function readable(values: unknown[], withItems: boolean): { records: ResultRecord[]; unreadable: number } {
  const records: ResultRecord[] = [];
  for (const value of values) {
    const parsed = parseRecord(value);
    if (!parsed.ok) continue;
    if (withItems) records.push(parsed.record);
    else {
      const { items: _, ...rest } = parsed.record;
      records.push(rest);
    }
  }
  return { records, unreadable: values.length - records.length };
}

/**
 * One page of the history, newest first, read through the createdAt index. Per-item scores are
 * left out unless asked for (a page of a table does not need them).
 */
export function recordsPage({ offset, limit }: Page, { withItems = false } = {}): Promise<RecordsPage> {
  return read(async (db) => {
    const tx = db.transaction('records');
    const total = await tx.store.count();
    const values: unknown[] = [];
    let cursor = await tx.store.index('createdAt').openCursor(null, 'prev');
    if (cursor && offset > 0) cursor = await cursor.advance(offset);
    while (cursor && values.length < limit) {
      values.push(cursor.value);
      cursor = await cursor.continue();
    }
    return { ...readable(values, withItems), total };
  });
}

/** One record with its per-item scores, or null. */
export function getRecord(id: string): Promise<ResultRecord | null> {
  return read(async (db) => {
    const parsed = parseRecord(await db.get('records', id));
    return parsed.ok ? parsed.record : null;
  });
}

/** A sweep's records, oldest first (the index's order), with their per-item scores (what comparing presets item by item needs). */
export function recordsOfSweep(sweep: string): Promise<ResultRecord[]> {
  return read(async (db) => {
    return readable(await db.getAllFromIndex('records', 'sweep', startingWith(sweep)), true).records;
  });
}

/** A page of the records of one model, newest first, without per-item scores. */
export function recordsOfModel(model: string, { offset, limit }: Page): Promise<ResultRecord[]> {
  return read(async (db) => {
    const values: unknown[] = [];
    let cursor = await db.transaction('records').store.index('model').openCursor(startingWith(model), 'prev');
    if (cursor && offset > 0) cursor = await cursor.advance(offset);
    while (cursor && values.length < limit) {
      values.push(cursor.value);
      cursor = await cursor.continue();
    }
    return readable(values, false).records;
  });
}

/** Sweeps newest first (by their last record), from the summaries alone: no record is read. */
export function listSweeps({ offset, limit }: Page): Promise<{ sweeps: SweepSummary[]; total: number }> {
  return read(async (db) => {
    const tx = db.transaction('sweeps');
    const total = await tx.store.count();
    const sweeps: SweepSummary[] = [];
    let cursor = await tx.store.index('finishedAt').openCursor(null, 'prev');
    if (cursor && offset > 0) cursor = await cursor.advance(offset);
    while (cursor && sweeps.length < limit) {
      sweeps.push(cursor.value);
      cursor = await cursor.continue();
    }
    return { sweeps, total };
  });
}

export async function deleteRecord(id: string): Promise<void> {
  await write('deleting this result', null, 'Reload the page and try again.', async (tx) => {
    const records = tx.objectStore('records');
    const before = await records.get(id);
    if (!before) return;
    await records.delete(id);
    await resummarise(tx, before.sweep);
  });
}

export async function deleteSweep(sweep: string): Promise<void> {
  await write('deleting this sweep', null, 'Reload the page and try again.', async (tx) => {
    const keys = await tx.objectStore('records').index('sweep').getAllKeys(startingWith(sweep));
    for (const key of keys) await tx.objectStore('records').delete(key);
    await tx.objectStore('sweeps').delete(sweep);
  });
}

/** JSON that spells NaN and Infinity out (JSON.stringify would write null and hide the problem). */
function preview(value: unknown): string {
  let text: string;
  try {
    text =
      JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'bigint' ? `${v}n` : v)) ??
      String(value);
  } catch {
    text = String(value);
  }
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

/** The stored entries no schema could read, with what is wrong with each. */
export function unreadableEntries(): Promise<UnreadableEntry[]> {
  return read(async (db) => {
    const entries: UnreadableEntry[] = [];
    let cursor = await db.transaction('unreadable').store.openCursor();
    while (cursor) {
      entries.push({ key: cursor.primaryKey, problems: cursor.value.problems, preview: preview(cursor.value.value) });
      cursor = await cursor.continue();
    }
    return entries;
  });
}

export async function deleteUnreadable(key: IDBValidKey): Promise<void> {
  const db = await database();
  try {
    await db.delete('unreadable', key);
  } catch (e) {
    throw await storageFailure(e, 'deleting the unreadable entry', null, 'Reload the page and try again.');
  }
}

/**
 * Every record, newest first, read a page at a time (for an export of the whole history). The
 * callback gets each page in turn, so the caller can write it out and let it go.
 */
export async function eachRecordPage(pageSize: number, visit: (records: ResultRecord[]) => void, { withItems = true } = {}): Promise<void> {
  for (let offset = 0; ; offset += pageSize) {
    const page = await recordsPage({ offset, limit: pageSize }, { withItems });
    if (page.records.length + page.unreadable === 0) return;
    visit(page.records);
  }
}

/**
 * The whole stored history as a file, read a page at a time: JSON (records as stored, per-item
 * scores included, the format historyJson writes) or CSV (recordsCsv, one row a record).
 */
export async function storedHistoryFile(format: 'json' | 'csv', exportedAt = new Date()): Promise<Blob> {
  if (format === 'csv') {
    const records: ResultRecord[] = [];
    await eachRecordPage(1000, (page) => records.push(...page), { withItems: false });
    return new Blob([recordsCsv(records)], { type: 'text/csv' });
  }
  const parts: string[] = [`{"format":"${HISTORY_FORMAT}","exportedAt":"${exportedAt.toISOString()}","records":[`];
  let first = true;
  await eachRecordPage(200, (page) => {
    for (const r of page) {
      parts.push(first ? JSON.stringify(r) : `,${JSON.stringify(r)}`);
      first = false;
    }
  });
  parts.push(']}');
  return new Blob(parts, { type: 'application/json' });
}
