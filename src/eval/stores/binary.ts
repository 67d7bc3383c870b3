/**
 * A small key-value store of bytes, one interface with two backends: IndexedDB in the browser
 * (stores/idb.ts, through idb-keyval) and files in a folder for the CLI (stores/node.ts). The
 * evaluation keeps two things in it: the checkpoints of unfinished cells (checkpoint.ts) and the
 * 16-bit model's top-k log-probabilities that KL divergence is measured against (kldReference.ts).
 */
export interface BinaryStore {
  /** Where, in words (a database or a folder), for messages. */
  readonly location: string;
  get(key: string): Promise<Uint8Array | null>;
  /** Replaces the value at once: a reader sees the old value or the new one, never a part. */
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys that start with `prefix`. */
  keys(prefix?: string): Promise<string[]>;
}

/** A store held in memory, for tests and for runs that keep nothing. */
export function memoryStore(): BinaryStore {
  const map = new Map<string, Uint8Array>();
  return {
    location: 'memory',
    async get(key) {
      const v = map.get(key);
      return v ? v.slice() : null;
    },
    async put(key, value) {
      map.set(key, value.slice());
    },
    async delete(key) {
      map.delete(key);
    },
    async keys(prefix = '') {
      return [...map.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
  };
}

export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

export function parseJsonBytes(bytes: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(bytes));
}
