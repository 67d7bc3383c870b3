/**
 * A dataset file as the importers read it: streamed front to back (JSONL, CSV, text, llama.cpp
 * files) or read at offsets (Parquet). A browser File or Blob, bytes in memory, a file on disk
 * (nodeFiles.ts) and a URL over HTTP (http.ts) all give one.
 */
import { DataError } from './errors';

export interface DataFile {
  /** The file's name as the user knows it (its base name, or the URL). */
  readonly name: string;
  readonly size: number;
  /** The bytes from `start` (default 0) to the end, in pieces. */
  stream(start?: number, signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /** Exactly the bytes [start, end). */
  slice(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** The sha256 the server states for the file (the Hub's for LFS and Xet files), where it states one. */
  readonly statedSha256?: string | null;
}

export function checkSlice(file: DataFile, start: number, end: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > file.size) {
    throw new DataError(`${file.name}: bytes ${start}-${end} are outside the file (${file.size} bytes); it may be truncated`, { file: file.name });
  }
}

/** A Blob or browser File. */
export function blobDataFile(blob: Blob, name = (blob as File).name ?? 'data'): DataFile {
  const file: DataFile = {
    name,
    size: blob.size,
    async *stream(start = 0, signal) {
      const reader = blob.slice(start).stream().getReader();
      try {
        for (;;) {
          if (signal?.aborted) return;
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
    async slice(start, end) {
      checkSlice(file, start, end);
      return new Uint8Array(await blob.slice(start, end).arrayBuffer());
    },
  };
  return file;
}

/** Bytes or text in memory (tests, embedded files fetched whole). */
export function bytesDataFile(content: Uint8Array | string, name: string): DataFile {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  const piece = 1 << 16;
  const file: DataFile = {
    name,
    size: bytes.length,
    async *stream(start = 0) {
      for (let at = start; at < bytes.length; at += piece) yield bytes.subarray(at, Math.min(at + piece, bytes.length));
    },
    async slice(start, end) {
      checkSlice(file, start, end);
      return bytes.slice(start, end);
    },
  };
  return file;
}

/** The text of a stream of bytes, decoded as UTF-8 piece by piece (a character split across pieces is kept whole). */
export async function* utf8Pieces(bytes: AsyncIterable<Uint8Array>, fileName: string): AsyncIterable<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  try {
    for await (const piece of bytes) {
      const text = decoder.decode(piece, { stream: true });
      if (text) yield text;
    }
    const tail = decoder.decode();
    if (tail) yield tail;
  } catch (e) {
    if (e instanceof TypeError) throw new DataError(`${fileName} is not UTF-8 text`, { file: fileName }, { cause: e });
    throw e;
  }
}

/** The lines of a text stream, without their line ends (\n or \r\n), numbered from 1. */
export async function* textLines(pieces: AsyncIterable<string>): AsyncIterable<{ line: number; text: string }> {
  let rest = '';
  let line = 0;
  const strip = (text: string) => (text.endsWith('\r') ? text.slice(0, -1) : text);
  for await (const piece of pieces) {
    const text = rest + piece;
    let from = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', from)) {
      yield { line: ++line, text: strip(text.slice(from, at)) };
      from = at + 1;
    }
    rest = text.slice(from);
  }
  if (rest) yield { line: ++line, text: strip(rest) };
}
