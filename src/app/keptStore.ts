/**
 * The engine's IndexedDB stores (checkpoints, the KL-divergence reference) with a way out when
 * the browser's storage is full: the value is kept in this tab's memory instead, and the person
 * is told what that means, once per kind of data, rather than the run failing or the checkpoint
 * vanishing without a word.
 */
import type { BinaryStore } from '../eval/stores/binary';
import { formatBytes, isQuotaError, storageSpace } from '../results/storage';

export type StorageFullReport = (message: string, neededBytes: number) => void;

/** indexedDbStore words a full disk as "the browser's storage is full"; a raw QuotaExceededError may come from elsewhere. */
function isFull(e: unknown): boolean {
  return isQuotaError(e) || (e instanceof Error && /storage is full/i.test(e.message));
}

/**
 * `what` names the data for the message ("the progress of this run"); `consequence` says what
 * keeping it in memory costs ("a reload now would start the unfinished task again").
 */
export function keptStore(inner: BinaryStore, what: string, consequence: string, onFull: StorageFullReport): BinaryStore {
  const memory = new Map<string, Uint8Array>();
  let told = false;
  return {
    location: inner.location,
    async get(key) {
      return memory.get(key)?.slice() ?? inner.get(key);
    },
    async put(key, value) {
      try {
        await inner.put(key, value);
        memory.delete(key);
      } catch (e) {
        if (!isFull(e)) throw e;
        memory.set(key, value.slice());
        if (told) return;
        told = true;
        const space = await storageSpace();
        const used = space ? ` (${formatBytes(space.usage)} of ${formatBytes(space.quota)} used)` : '';
        onFull(
          `This browser's storage for QuantLab is full${used}: saving ${what} needs about ${formatBytes(value.length)} more. ` +
            `The run goes on and keeps it in this tab's memory, but ${consequence}. Free space by deleting old results or datasets.`,
          value.length,
        );
      }
    },
    async delete(key) {
      memory.delete(key);
      await inner.delete(key);
    },
    async keys(prefix = '') {
      const stored = await inner.keys(prefix);
      return [...new Set([...stored, ...[...memory.keys()].filter((k) => k.startsWith(prefix))])].sort();
    },
  };
}
