/**
 * A model is a handful of files (config.json, tokenizer.json, safetensors).
 * Wherever they come from (files the user picked, a folder on disk, a URL, the
 * Hub), the readers see the same small interface and read byte ranges, so a
 * multi-gigabyte checkpoint never has to sit in memory at once.
 */
import { ModelError } from './errors';

export interface ModelFile {
  /** The file's base name (`model.safetensors`), which is how the loader finds it. */
  name: string;
  size: number;
  /** Where it came from (a relative path, a disk path or a URL), for messages. */
  path?: string;
  /** Bytes [start, end) of the file. */
  slice(start: number, end: number): Promise<Uint8Array>;
  text(): Promise<string>;
}

export function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** The files of one model, looked up by base name. */
export class ModelFiles {
  private readonly byName = new Map<string, ModelFile[]>();

  /** `name` names the model (a folder name, a repo id) in the UI and in messages. */
  constructor(
    readonly name: string,
    files: readonly ModelFile[],
  ) {
    for (const f of files) {
      const same = this.byName.get(f.name);
      if (same) same.push(f);
      else this.byName.set(f.name, [f]);
    }
  }

  /** Base names, sorted. */
  list(): string[] {
    return [...this.byName.keys()].sort();
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * The file called `name`, or undefined. Two files of that name (a folder
   * holding two models) is an error only when that name is asked for: a
   * duplicate README.md in a subfolder must not stop a load.
   */
  get(name: string): ModelFile | undefined {
    const found = this.byName.get(name);
    if (found && found.length > 1) {
      throw new ModelError(
        `${found.length} files are named ${name} (${found.map((f) => f.path ?? f.name).join(', ')}); ` +
          `pick the folder or files of a single model`,
      );
    }
    return found?.[0];
  }

  /** Like get, but a missing file is a ModelError that lists what is there. */
  require(name: string): ModelFile {
    const f = this.get(name);
    if (!f) throw new ModelError(`no ${name} found among the files: ${this.list().join(', ') || '(none)'}`);
    return f;
  }
}

/** Throws unless [start, end) lies within a file of `size` bytes; implementations call it before reading. */
export function checkRange(file: { name: string; size: number }, start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > file.size) {
    throw new ModelError(`cannot read bytes ${start}..${end} of ${file.name}: the file has ${file.size} bytes`);
  }
}

/** A file the user picked or dropped (a File is a Blob), or any Blob. */
export function blobFile(blob: Blob, path: string, name = baseName(path)): ModelFile {
  const file: ModelFile = {
    name,
    size: blob.size,
    path,
    async slice(start, end) {
      checkRange(file, start, end);
      return new Uint8Array(await blob.slice(start, end).arrayBuffer());
    },
    text: () => blob.text(),
  };
  return file;
}

/**
 * Files picked with <input type=file multiple webkitdirectory> or dropped:
 * their paths may carry folder prefixes (`quantlab-tiny/config.json`); the
 * model takes the name of the folder they share.
 */
export function filesFromBlobs(items: ReadonlyArray<File | { path: string; blob: Blob }>): ModelFiles {
  const files = items.map((item) =>
    item instanceof Blob ? blobFile(item, item.webkitRelativePath || item.name) : blobFile(item.blob, item.path),
  );
  return new ModelFiles(commonFolder(files.map((f) => f.path ?? f.name)) ?? 'local files', files);
}

function commonFolder(paths: string[]): string | null {
  // A dropped folder's entries have paths like /quantlab-tiny/config.json.
  const split = paths.map((p) => p.replace(/^[/\\]+/, '').split(/[/\\]/));
  if (!split.length || split.some((parts) => parts.length < 2)) return null;
  const folder = split[0][0];
  return split.every((parts) => parts[0] === folder) ? folder : null;
}

/** A fetch failed to connect, or answered something other than `ok`: say which file, where, and why. */
export function httpError(what: string, url: string, res: Response | { cause: unknown }): ModelError {
  if (!('status' in res)) {
    const why = res.cause instanceof Error ? res.cause.message : String(res.cause);
    return new ModelError(`could not download ${what} from ${url}: network failure (${why})`, { cause: res.cause });
  }
  return new ModelError(`could not download ${what} from ${url}: HTTP ${res.status} ${res.statusText}`.trimEnd());
}

/** fetch, with a refused connection turned into a ModelError naming the file. */
export async function fetchOrFail(fetchFn: typeof fetch, what: string, url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetchFn(url, init);
  } catch (cause) {
    throw httpError(what, url, { cause });
  }
}

/**
 * A file at a URL. Asking for its first byte tells both its size and whether
 * the server honours Range requests: if so, each slice is one Range request;
 * if not (200 with the whole body), the body it already sent is kept.
 */
export async function urlFile(url: string, name: string, fetchFn: typeof fetch = fetch): Promise<ModelFile | null> {
  const probe = await fetchOrFail(fetchFn, name, url, { headers: { Range: 'bytes=0-0' } });
  if (probe.status === 404) return null;
  if (probe.status === 200) return blobFile(await probe.blob(), url, name);
  await probe.body?.cancel();
  if (probe.status !== 206 && probe.status !== 416) throw httpError(name, url, probe);
  const size = rangeTotal(probe);
  if (size === null) {
    throw new ModelError(`could not download ${name} from ${url}: the server's Content-Range header is missing or invalid`);
  }
  const file: ModelFile = {
    name,
    size,
    path: url,
    async slice(start, end) {
      checkRange(file, start, end);
      if (start === end) return new Uint8Array(0);
      const res = await fetchOrFail(fetchFn, name, url, { headers: { Range: `bytes=${start}-${end - 1}` } });
      if (res.status !== 206) throw httpError(`bytes ${start}..${end} of ${name}`, url, res);
      if (rangeTotal(res) !== size) throw new ModelError(`${name} changed on the server while QuantLab was reading it (${url})`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length !== end - start) {
        throw new ModelError(`the server sent ${bytes.length} bytes for bytes ${start}..${end} of ${name} (${url})`);
      }
      return bytes;
    },
    async text() {
      return new TextDecoder().decode(await file.slice(0, size));
    },
  };
  return file;
}

/** The file's total size from `Content-Range: bytes 0-0/1234` (or `bytes *\/0` with a 416 for an empty file). */
function rangeTotal(res: Response): number | null {
  const m = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : null;
}
