/**
 * A file behind a URL, as a DataFile: its size from a HEAD request, ranges with `Range:` GETs
 * (Parquet is read row group by row group this way), or the whole body streamed. A server that
 * ignores Range is read whole once. Failures become DataErrors that say what to do.
 */
import { DataError } from './errors';
import { checkSlice, type DataFile } from './files';

export interface HttpOptions {
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** Names the dataset in refusals, e.g. for a gated Hub repo. */
  describe?: (status: number, res: Response) => string | null;
}

const SHA256 = /^"?([0-9a-f]{64})"?$/;

function refusal(url: string, res: Response, options: HttpOptions): DataError {
  const advice = options.describe?.(res.status, res);
  return new DataError(advice ?? `${url} answered HTTP ${res.status} ${res.statusText}`.trim(), { file: url });
}

async function request(url: string, init: RequestInit, options: HttpOptions): Promise<Response> {
  try {
    return await (options.fetch ?? fetch)(url, { ...init, headers: { ...options.headers, ...(init.headers as Record<string, string>) } });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new DataError(`could not reach ${url}: ${(e as Error).message}`, { file: url }, { cause: e });
  }
}

/** `name` is what messages call the file (default: the URL's last path segment). */
export async function httpDataFile(url: string, options: HttpOptions = {}, name?: string, signal?: AbortSignal): Promise<DataFile> {
  const label = name ?? (decodeURIComponent(new URL(url).pathname.split('/').pop() || url) || url);
  let res = await request(url, { method: 'HEAD', signal }, options);
  let size: number | null = null;
  if (res.ok && res.headers.get('content-length') && !res.headers.get('content-encoding')) size = Number(res.headers.get('content-length'));
  if (!res.ok && res.status !== 403 && res.status !== 405) throw refusal(url, res, options);
  let stated = res.headers.get('x-linked-etag') ?? res.headers.get('etag');
  if (size === null) {
    // Some servers refuse HEAD (signed URLs answer 403) or leave the length out: ask for one byte.
    res = await request(url, { headers: { Range: 'bytes=0-0' }, signal }, options);
    if (!res.ok) throw refusal(url, res, options);
    const total = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1];
    await res.body?.cancel();
    if (!total) throw new DataError(`${url} does not say how long it is (no Content-Length or Content-Range)`, { file: url });
    size = Number(total);
    stated ??= res.headers.get('x-linked-etag') ?? res.headers.get('etag');
  }
  let whole: Promise<Uint8Array> | null = null;

  const file: DataFile = {
    name: label,
    size,
    statedSha256: SHA256.exec(stated ?? '')?.[1] ?? null,
    async slice(start, end, sig) {
      checkSlice(file, start, end);
      if (start === end) return new Uint8Array(0);
      if (whole) return (await whole).slice(start, end);
      const r = await request(url, { headers: { Range: `bytes=${start}-${end - 1}` }, signal: sig ?? signal }, options);
      if (r.status === 200) {
        whole = r.arrayBuffer().then((b) => new Uint8Array(b));
        return (await whole).slice(start, end);
      }
      if (r.status !== 206) throw refusal(url, r, options);
      const bytes = new Uint8Array(await r.arrayBuffer());
      if (bytes.length !== end - start) {
        throw new DataError(`${url} sent ${bytes.length} bytes for a request of ${end - start} (bytes ${start}-${end - 1}); the download was cut`, { file: url });
      }
      return bytes;
    },
    async *stream(start = 0, sig) {
      const r = await request(url, { headers: start > 0 ? { Range: `bytes=${start}-` } : {}, signal: sig ?? signal }, options);
      if (!r.ok) throw refusal(url, r, options);
      const reader = (r.body ?? new ReadableStream<Uint8Array>()).getReader();
      let received = 0;
      let skip = start > 0 && r.status === 200 ? start : 0;
      try {
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (e) {
            if ((e as Error).name === 'AbortError') throw e;
            throw new DataError(`the download of ${url} failed after ${received} bytes: ${(e as Error).message}`, { file: url }, { cause: e });
          }
          if (chunk.done) break;
          received += chunk.value.length;
          let value = chunk.value;
          if (skip > 0) {
            const drop = Math.min(skip, value.length);
            value = value.subarray(drop);
            skip -= drop;
          }
          if (value.length) yield value;
        }
      } finally {
        reader.releaseLock();
      }
      if (received !== size! - (r.status === 206 ? start : 0)) {
        throw new DataError(`the download of ${url} stopped at ${received} of ${size} bytes`, { file: url });
      }
    },
  };
  return file;
}
