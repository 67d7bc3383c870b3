/**
 * The CLI's backend of BinaryStore: a file a key in one folder (the key URI-encoded as the file
 * name). A value is written to a temporary file and renamed over the old one, so a crash or a full
 * disk leaves the old value, never half of the new one.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BinaryStore } from './binary';

export function folderStore(dir: string): BinaryStore {
  const path = (key: string) => join(dir, encodeURIComponent(key));
  let made: Promise<unknown> | null = null;
  return {
    location: dir,
    async get(key) {
      try {
        return new Uint8Array(await readFile(path(key)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async put(key, value) {
      made ??= mkdir(dir, { recursive: true });
      await made;
      const tmp = `${path(key)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        await writeFile(tmp, value);
        await rename(tmp, path(key));
      } catch (e) {
        await rm(tmp, { force: true });
        const code = (e as NodeJS.ErrnoException).code;
        throw new Error(code === 'ENOSPC' ? `the disk is full: ${path(key)} could not be written` : `writing ${path(key)} failed: ${(e as Error).message}`);
      }
    },
    async delete(key) {
      await rm(path(key), { force: true });
    },
    async keys(prefix = '') {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
      return names
        .filter((n) => !n.endsWith('.tmp'))
        .map((n) => decodeURIComponent(n))
        .filter((k) => k.startsWith(prefix))
        .sort();
    },
  };
}
