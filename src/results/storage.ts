/**
 * What the results layer says when the browser's storage lets it down. IndexedDB reports a full
 * disk as a `QuotaExceededError` with no message, and other failures as bare DOMException names;
 * every write in src/results turns them into a StorageError whose message a person can act on,
 * with the figures of `navigator.storage.estimate()` where the browser gives them.
 */

export type StorageProblem =
  /** The origin's quota is used up. */
  | 'full'
  /** The browser does not let this page keep data (a private window, storage turned off, a newer database version). */
  | 'unavailable'
  /** Anything else IndexedDB reported (a disk error, a connection closed under the write). */
  | 'failed';

export class StorageError extends Error {
  constructor(
    message: string,
    readonly problem: StorageProblem,
    /** Bytes the failed write needed, roughly (its JSON size), where known. */
    readonly neededBytes: number | null,
    /** `navigator.storage.estimate()` at the time of the failure, where the browser gives it. */
    readonly estimate: StorageSpace | null,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export interface StorageSpace {
  usage: number;
  quota: number;
}

/** The origin's storage use and quota, or null where the browser does not say. */
/** The StorageManager where there is one (pages and workers; not Node). */
const storageManager = (): StorageManager | undefined => (typeof navigator === 'undefined' ? undefined : navigator.storage);

export async function storageSpace(): Promise<StorageSpace | null> {
  try {
    const e = await storageManager()?.estimate?.();
    if (!e || typeof e.usage !== 'number' || typeof e.quota !== 'number') return null;
    return { usage: e.usage, quota: e.quota };
  } catch {
    return null;
  }
}

export type Persistence = 'granted' | 'denied' | 'unsupported';

/**
 * Asks the browser to keep QuantLab's storage when space runs low (otherwise it may evict the
 * whole origin without asking). Chromium grants it without a prompt to sites a person uses;
 * Firefox asks. Safe to call more than once.
 */
export async function requestPersistence(): Promise<Persistence> {
  const storage = storageManager();
  if (!storage?.persist) return 'unsupported';
  try {
    if (await storage.persisted?.()) return 'granted';
    return (await storage.persist()) ? 'granted' : 'denied';
  } catch {
    return 'unsupported';
  }
}

/** Bytes as the page writes them: 12 KB, 4.9 MB, 1.2 GB (powers of 1000, as browsers report quotas). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${units[unit]}`;
}

/**
 * Roughly what a value costs in IndexedDB, as V8 serializes it: 9 bytes a number, a string's
 * length and a few bytes, the keys of objects. (JSON would count a double's 17 digits.)
 */
export function approximateBytes(value: unknown): number {
  let bytes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') bytes += 9;
    else if (typeof v === 'string') bytes += v.length + 5;
    else if (v !== null && typeof v === 'object') {
      for (const [key, inner] of Object.entries(v)) {
        if (!Array.isArray(v)) bytes += key.length + 5;
        stack.push(inner);
      }
      bytes += 5;
    } else bytes += 1;
  }
  return bytes;
}

function errorName(e: unknown): string {
  return e && typeof e === 'object' && 'name' in e && typeof e.name === 'string' ? e.name : '';
}

function errorMessage(e: unknown): string {
  return e && typeof e === 'object' && 'message' in e && typeof e.message === 'string' ? e.message : String(e);
}

/** Whether `e` says the origin's quota is used up, however the browser words it. */
export function isQuotaError(e: unknown): boolean {
  const name = errorName(e);
  if (name === 'QuotaExceededError') return true;
  // An aborted transaction carries the request's error; Firefox and older Chromium name it in the message.
  return (name === 'AbortError' || name === 'UnknownError') && /quota/i.test(errorMessage(e));
}

/**
 * ": 4.9 MB of 5.0 MB used", where the browser's estimate agrees that the write does not fit.
 * Browsers round or pad the estimate (private windows report a fixed quota), and figures that
 * show room to spare beside "full" would only confuse; then none are given.
 */
function usedFigures(space: StorageSpace | null, neededBytes: number | null): string {
  if (!space || space.quota <= 0) return '';
  const free = space.quota - space.usage;
  const agrees = neededBytes ? free < neededBytes : free < space.quota * 0.1;
  return agrees ? `: ${formatBytes(space.usage)} of ${formatBytes(space.quota)} used` : '';
}

/**
 * The StorageError for a failed IndexedDB operation. `doing` names it as a person would, e.g.
 * "saving this result", "reading the history"; `neededBytes` is the size of what was being
 * written (null for reads and deletes); `advice` says what to do instead.
 */
export async function storageFailure(e: unknown, doing: string, neededBytes: number | null, advice: string): Promise<StorageError> {
  if (e instanceof StorageError) return e;
  const space = await storageSpace();
  if (isQuotaError(e)) {
    const need = neededBytes ? `; ${doing} needs about ${formatBytes(neededBytes)} more` : '';
    return new StorageError(`This browser's storage for QuantLab is full${usedFigures(space, neededBytes)}${need}. ${advice}`, 'full', neededBytes, space);
  }
  const name = errorName(e) || 'Error';
  const detail = errorMessage(e) || 'no details given';
  const Doing = doing.charAt(0).toUpperCase() + doing.slice(1);
  if (name === 'InvalidStateError' || name === 'SecurityError' || name === 'VersionError') {
    const why = `this browser does not let QuantLab keep data here (${name}: ${detail})`;
    return new StorageError(`${Doing} failed: ${why}. ${advice}`, 'unavailable', neededBytes, space);
  }
  return new StorageError(`${Doing} failed in this browser's storage (${name}: ${detail}). ${advice}`, 'failed', neededBytes, space);
}
