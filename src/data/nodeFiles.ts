/** Dataset files on disk, for the CLI and tests; apart from files.ts so the page never imports node:fs. */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from './errors';
import { checkSlice, type DataFile } from './files';

export async function nodeDataFile(path: string, name = basename(path)): Promise<DataFile> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new DataError(`cannot read ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, { file: path });
  });
  if (!info.isFile()) throw new DataError(`${path} is not a file`, { file: path });
  const file: DataFile = {
    name,
    size: info.size,
    async *stream(start = 0, signal) {
      const stream = createReadStream(path, { start, highWaterMark: 1 << 16, signal });
      try {
        for await (const piece of stream) yield new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength);
      } finally {
        stream.destroy();
      }
    },
    async slice(start, end) {
      checkSlice(file, start, end);
      const out = new Uint8Array(end - start);
      const handle = await open(path, 'r');
      try {
        for (let done = 0; done < out.length; ) {
          const { bytesRead } = await handle.read(out, done, out.length - done, start + done);
          if (bytesRead === 0) throw new DataError(`${path} became shorter than ${end} bytes while being read`, { file: path });
          done += bytesRead;
        }
      } finally {
        await handle.close();
      }
      return out;
    },
  };
  return file;
}

/** public/ of the project: src/data/ and the CLI bundle in dist/cli/ both sit two folders below the root. */
export const PUBLIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../public');

/** The shipped datasets from public/ on disk (ensureEmbedded's loader for the CLI). */
export const nodeEmbedded = (publicDir = PUBLIC_DIR) => (path: string) => nodeDataFile(join(publicDir, path));
