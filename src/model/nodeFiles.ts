/**
 * Model files on disk, for the Node host. Kept apart from files.ts so the
 * browser bundle never imports node:fs. Reads are positioned reads of the
 * asked range only.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ModelError } from './errors';
import { checkRange, ModelFiles, type ModelFile } from './files';
import type { DownloadCache } from './hub';

/** A file on disk; each slice opens it, reads exactly that range and closes it, so nothing stays open. */
export async function nodeFile(path: string, name = basename(path)): Promise<ModelFile> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new ModelError(`cannot read ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, { cause: e });
  });
  if (!info.isFile()) throw new ModelError(`${path} is not a file`);
  const file: ModelFile = {
    name,
    size: info.size,
    path,
    async slice(start, end) {
      checkRange(file, start, end);
      const out = new Uint8Array(end - start);
      const handle = await open(path, 'r');
      try {
        for (let done = 0; done < out.length; ) {
          const { bytesRead } = await handle.read(out, done, out.length - done, start + done);
          if (bytesRead === 0) throw new ModelError(`${path} became shorter than ${end} bytes while being read`);
          done += bytesRead;
        }
      } finally {
        await handle.close();
      }
      return out;
    },
    async text() {
      return new TextDecoder().decode(await file.slice(0, file.size));
    },
  };
  return file;
}

/**
 * A model folder (symlinks followed, as in a Hugging Face cache snapshot),
 * or a list of files. The model is named after the folder.
 */
export async function nodeModelFiles(pathOrPaths: string | readonly string[]): Promise<ModelFiles> {
  if (typeof pathOrPaths !== 'string') {
    const paths = pathOrPaths.map((p) => resolve(p));
    const folders = new Set(paths.map(dirname));
    const name = folders.size === 1 ? basename([...folders][0]) : 'local files';
    return new ModelFiles(name, await Promise.all(paths.map((p) => nodeFile(p))));
  }
  const dir = resolve(pathOrPaths);
  const info = await stat(dir).catch((e: NodeJS.ErrnoException) => {
    throw new ModelError(`cannot open ${dir}: ${e.code === 'ENOENT' ? 'no such file or folder' : e.message}`, { cause: e });
  });
  if (!info.isDirectory()) return nodeModelFiles([dir]);
  const files: ModelFile[] = [];
  for (const entry of await readdir(dir)) {
    const path = join(dir, entry);
    if ((await stat(path).catch(() => null))?.isFile()) files.push(await nodeFile(path));
  }
  return new ModelFiles(basename(dir), files);
}

/**
 * A DownloadCache in a directory, for the command line: each URL's file is
 * `<dir>/<hash of the URL>-<name>`, written as `.part` and renamed once
 * complete, so an interrupted download is never taken for a finished one.
 */
export function directoryCache(dir: string): DownloadCache {
  const pathOf = (url: string, name: string) =>
    join(dir, `${createHash('sha256').update(url).digest('hex').slice(0, 16)}-${name}`);
  return {
    async match(url, name) {
      const path = pathOf(url, name);
      return (await stat(path).catch(() => null))?.isFile() ? nodeFile(path, name) : null;
    },
    async store(url, name, body) {
      await mkdir(dir, { recursive: true });
      const path = pathOf(url, name);
      const part = `${path}.part`;
      const handle = await open(part, 'w');
      try {
        const reader = body.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          for (let at = 0; at < r.value.length; ) at += (await handle.write(r.value, at)).bytesWritten;
        }
      } catch (e) {
        await handle.close();
        await rm(part, { force: true });
        throw e;
      }
      await handle.close();
      await rename(part, path);
      return nodeFile(path, name);
    },
  };
}
