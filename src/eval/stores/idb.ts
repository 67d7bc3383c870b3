/** The browser's backend of BinaryStore: one IndexedDB database with one object store, through idb-keyval. */
import { createStore, del, get, keys, set } from 'idb-keyval';
import type { BinaryStore } from './binary';

export function indexedDbStore(dbName: string, storeName = 'entries'): BinaryStore {
  const store = createStore(dbName, storeName);
  return {
    location: `IndexedDB database ${dbName}`,
    async get(key) {
      const v = await get<Uint8Array>(key, store);
      return v instanceof Uint8Array ? v : null;
    },
    async put(key, value) {
      try {
        await set(key, value, store);
      } catch (e) {
        const full = e instanceof DOMException && e.name === 'QuotaExceededError';
        throw new Error(full ? `the browser's storage is full: ${dbName} could not save ${key}` : `saving ${key} in ${dbName} failed: ${(e as Error).message}`);
      }
    },
    async delete(key) {
      await del(key, store);
    },
    async keys(prefix = '') {
      return (await keys<string>(store)).filter((k) => typeof k === 'string' && k.startsWith(prefix)).sort();
    },
  };
}
