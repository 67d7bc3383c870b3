import { describe, expect, it } from 'vitest';
import { approximateBytes, formatBytes, isQuotaError, requestPersistence, StorageError, storageFailure } from '../../src/results/storage';

/** IndexedDB's failures as browsers raise them: DOMExceptions whose message may be empty. */
const domError = (name: string, message = '') => new DOMException(message, name);

describe('storage failures in plain words', () => {
  it("names a full disk, which IndexedDB reports as a QuotaExceededError with no message", async () => {
    for (const e of [domError('QuotaExceededError'), domError('AbortError', 'Transaction aborted: quota exceeded'), domError('UnknownError', 'Quota exceeded.')]) {
      expect(isQuotaError(e), e.message).toBe(true);
      const error = await storageFailure(e, 'saving this result', 12_300, 'Export it, or delete old results in History.');
      expect(error).toBeInstanceOf(StorageError);
      expect(error.problem).toBe('full');
      // Node has no storage estimate: the message goes without figures rather than with wrong ones.
      expect(error.message).toBe("This browser's storage for QuantLab is full; saving this result needs about 12 KB more. Export it, or delete old results in History.");
    }
    expect(isQuotaError(domError('AbortError'))).toBe(false);
  });

  it('says which other failure it was, never an empty message', async () => {
    const unavailable = await storageFailure(domError('InvalidStateError'), 'saving this result', null, 'Export it.');
    expect(unavailable.problem).toBe('unavailable');
    expect(unavailable.message).toBe('Saving this result failed: this browser does not let QuantLab keep data here (InvalidStateError: no details given). Export it.');
    const failed = await storageFailure(domError('UnknownError', 'Internal error writing to disk.'), 'reading the history', null, 'Reload.');
    expect(failed.problem).toBe('failed');
    expect(failed.message).toBe("Reading the history failed in this browser's storage (UnknownError: Internal error writing to disk.). Reload.");
    const odd = await storageFailure('a string thrown', 'deleting this sweep', null, 'Reload.');
    expect(odd.message).toBe("Deleting this sweep failed in this browser's storage (Error: a string thrown). Reload.");
    const same = new StorageError('already explained', 'full', 1, null);
    expect(await storageFailure(same, 'x', null, 'y')).toBe(same);
  });

  it('writes sizes with units and estimates a record as V8 stores it', () => {
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(12_345)).toBe('12 KB');
    expect(formatBytes(4_900_000)).toBe('4.9 MB');
    expect(formatBytes(1_463_563_518)).toBe('1.5 GB');
    expect(approximateBytes({ window_nll: new Array(1000).fill(1.5) })).toBe(9000 + 5 + 'window_nll'.length + 5 + 5);
  });

  it('says persistence is unsupported where there is no StorageManager', async () => {
    expect(await requestPersistence()).toBe('unsupported');
  });
});
