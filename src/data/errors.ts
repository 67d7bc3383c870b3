/**
 * What goes wrong with a dataset, said so the user can act on it: the file, the row and the
 * field where there is one. Every refusal of the importers and the store is a DataError.
 */
export interface DataErrorWhere {
  /** The file (or URL) the problem is in. */
  file?: string;
  /** 1-based row of the dataset the problem is in. */
  row?: number;
  /** The field, as a dotted path (e.g. `choices.label`). */
  field?: string;
}

export class DataError extends Error {
  readonly where: DataErrorWhere;
  constructor(message: string, where: DataErrorWhere = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataError';
    this.where = where;
  }
}

/** An import stopped by its AbortSignal; nothing of it was kept. */
export class ImportCancelled extends DataError {
  constructor(what: string) {
    super(`the import of ${what} was cancelled; nothing of it was kept`);
    this.name = 'AbortError';
  }
}

/** The storage filled up during an import; the partial dataset was removed. */
export class StorageFull extends DataError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, {}, options);
    this.name = 'QuotaExceededError';
  }
}

/** A browser QuotaExceededError (also inside an aborted IndexedDB transaction) or a full disk in Node. */
export function isQuotaError(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const err = e as { name?: string; code?: string; inner?: unknown };
  return err.name === 'QuotaExceededError' || err.code === 'ENOSPC' || err.code === 'EDQUOT';
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new ImportCancelled(what);
}
