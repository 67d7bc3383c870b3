/**
 * Models from the Hugging Face Hub: a repo id or URL resolves to
 * `<hub>/<repo>/resolve/<revision>/<file>`; the needed files are downloaded
 * with progress and kept in a DownloadCache (the browser's Cache Storage by
 * default), so a reload reads them from there without touching the network.
 *
 * Plain fetch rather than @huggingface/hub: downloadFile there hands back a
 * Blob with no progress and no say over where the bytes go, while here the
 * response streams, counted, straight into the cache.
 */
import { ModelError } from './errors';
import { blobFile, fetchOrFail, httpError, ModelFiles, type ModelFile } from './files';
import { gatherModelFiles } from './remote';

export const HUB_URL = 'https://huggingface.co';

export interface HubRepo {
  /** owner/name */
  repo: string;
  /** The revision named in a URL (…/tree/<rev>), else null. */
  revision: string | null;
}

const NAME_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * `owner/name`, or a Hub URL of the repo or of something in it:
 * `https://huggingface.co/owner/name`, `…/tree/<rev>`, `…/blob/<rev>/<file>`,
 * `…/resolve/<rev>/<file>`. `hubUrl` is the Hub the URL must point to.
 */
export function parseHubRepo(input: string, hubUrl = HUB_URL): HubRepo {
  const text = input.trim();
  const bad = (why: string) => new ModelError(`"${text}" is not a Hub model: ${why}`);
  let parts: string[];
  let revision: string | null = null;
  if (/^https?:\/\//i.test(text)) {
    const url = new URL(text);
    const hub = new URL(hubUrl);
    const hosts = hub.host === 'huggingface.co' ? ['huggingface.co', 'www.huggingface.co', 'hf.co'] : [hub.host];
    if (!hosts.includes(url.host)) throw bad(`expected a ${hub.host} address`);
    parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'datasets' || parts[0] === 'spaces') throw bad(`it is a ${parts[0].slice(0, -1)}, not a model`);
    if (['tree', 'blob', 'resolve'].includes(parts[2])) {
      if (!parts[3]) throw bad(`no revision after /${parts[2]}/`);
      revision = parts[3];
    }
    parts = parts.slice(0, 2);
  } else {
    parts = text.split('/');
  }
  if (parts.length !== 2 || !parts.every((p) => NAME_PART.test(p))) {
    throw bad(`expected owner/name (e.g. Qwen/Qwen2.5-0.5B) or ${hubUrl}/owner/name`);
  }
  return { repo: parts.join('/'), revision };
}

/** The download URL of `file` in `repo` at `revision`; the revision is one path segment (refs/pr/1 is escaped). */
export function hubFileUrl(repo: string, revision: string, file: string, hubUrl = HUB_URL): string {
  const path = [...repo.split('/'), 'resolve', revision, ...file.split('/')].map(encodeURIComponent).join('/');
  return new URL(path, hubUrl.endsWith('/') ? hubUrl : `${hubUrl}/`).href;
}

export interface DownloadProgress {
  file: string;
  /** Bytes received so far. */
  loaded: number;
  /** The file's size where the server said it, else null. */
  total: number | null;
  /** Read from the cache, not downloaded. */
  cached: boolean;
}

/** Where downloaded files are kept, by URL. The Node host has one over a directory (nodeFiles.ts). */
export interface DownloadCache {
  match(url: string, name: string): Promise<ModelFile | null>;
  /** Stores the body as it streams in; the returned file reads from the store. */
  store(url: string, name: string, body: ReadableStream<Uint8Array>): Promise<ModelFile>;
}

/** The browser's Cache Storage. A full quota becomes a ModelError that says so. */
export function cacheStorage(storage: CacheStorage = globalThis.caches, name = 'quantlab-models'): DownloadCache {
  const fromResponse = async (url: string, file: string, res: Response | undefined) =>
    res ? blobFile(await res.blob(), url, file) : null;
  return {
    async match(url, file) {
      return fromResponse(url, file, await (await storage.open(name)).match(url));
    },
    async store(url, file, body) {
      const cache = await storage.open(name);
      try {
        await cache.put(url, new Response(body));
      } catch (e) {
        if ((e as Error).name !== 'QuotaExceededError') throw e;
        throw new ModelError(`the browser has no room left to keep ${file}: free some site storage and try again`, { cause: e });
      }
      const stored = await fromResponse(url, file, await cache.match(url));
      if (!stored) throw new ModelError(`the browser's cache dropped ${file} right after storing it`);
      return stored;
    },
  };
}

/** No cache: each file is held in memory for this session. */
const inMemory: DownloadCache = {
  match: async () => null,
  async store(url, name, body) {
    return blobFile(await new Response(body).blob(), url, name);
  },
};

export interface HubOptions {
  /** Branch, tag or commit; a revision in the URL is used when this is not given. Default main. */
  revision?: string;
  /** An access token (hf_…) for gated or private repos. */
  token?: string;
  hubUrl?: string;
  fetch?: typeof fetch;
  /** Default: the browser's Cache Storage where there is one, else none (memory). null: none. */
  cache?: DownloadCache | null;
  onProgress?: (progress: DownloadProgress) => void;
}

/**
 * Downloads (or finds in the cache) what a model needs from the Hub:
 * config.json, tokenizer.json, tokenizer_config.json if there is one, and
 * model.safetensors or its index and shards. A cached manifest lists what a
 * completed download found, so a later open needs no request at all.
 */
export async function hubModelFiles(input: string, options: HubOptions = {}): Promise<ModelFiles> {
  const hubUrl = options.hubUrl ?? HUB_URL;
  const parsed = parseHubRepo(input, hubUrl);
  if (parsed.revision && options.revision && parsed.revision !== options.revision) {
    throw new ModelError(`the URL names revision ${parsed.revision} but revision ${options.revision} was asked for`);
  }
  const repo = parsed.repo;
  const revision = parsed.revision ?? options.revision ?? 'main';
  const cache = options.cache === undefined ? (globalThis.caches ? cacheStorage() : inMemory) : (options.cache ?? inMemory);
  const fetchFn = options.fetch ?? fetch;
  const report = options.onProgress ?? (() => {});
  const label = revision === 'main' ? repo : `${repo}@${revision}`;
  const manifestUrl = `${hubFileUrl(repo, revision, '', hubUrl)}?quantlab-files`;

  const cached = await fromManifest(cache, manifestUrl, (file) => hubFileUrl(repo, revision, file, hubUrl));
  if (cached) {
    for (const f of cached) report({ file: f.name, loaded: f.size, total: f.size, cached: true });
    return new ModelFiles(label, cached);
  }

  const access = new HubAccess(repo, revision, hubUrl, Boolean(options.token));
  const files = await gatherModelFiles(label, `${label} on ${new URL(hubUrl).host}`, async (file) => {
    const url = hubFileUrl(repo, revision, file, hubUrl);
    const hit = await cache.match(url, file);
    if (hit) {
      report({ file, loaded: hit.size, total: hit.size, cached: true });
      return hit;
    }
    const res = await fetchOrFail(fetchFn, file, url, {
      headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
    });
    if (!res.ok) {
      access.check(file, url, res);
      return null;
    }
    // With a Content-Encoding the length is that of the compressed bytes, not of what the stream yields.
    const length = res.headers.get('content-encoding') ? null : res.headers.get('content-length');
    const download = countedBody(res, file, url, length === null ? null : Number(length), report);
    try {
      return await cache.store(url, file, download.body);
    } catch (e) {
      // A failed download is reported as such, whatever error the cache made of it.
      const failure = download.failure();
      if (failure) throw failure;
      if (e instanceof ModelError) throw e;
      throw new ModelError(`could not keep ${file} in the download cache: ${(e as Error).message}`, { cause: e });
    }
  });
  await cache.store(manifestUrl, 'manifest', new Blob([JSON.stringify(files.list())]).stream());
  return files;
}

/**
 * The response body, counted into progress reports. A network failure or a
 * body shorter than its Content-Length fails the stream, which keeps the
 * file out of the cache, and is remembered as a ModelError for the caller.
 */
function countedBody(
  res: Response,
  file: string,
  url: string,
  total: number | null,
  report: (p: DownloadProgress) => void,
): { body: ReadableStream<Uint8Array>; failure(): ModelError | null } {
  const reader = (res.body ?? new ReadableStream<Uint8Array>()).getReader();
  let loaded = 0;
  let failure: ModelError | null = null;
  report({ file, loaded, total, cached: false });
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        failure = httpError(file, url, { cause });
        throw failure;
      }
      if (!chunk.done) {
        loaded += chunk.value.length;
        report({ file, loaded, total, cached: false });
        controller.enqueue(chunk.value);
      } else if (total !== null && loaded !== total) {
        failure = new ModelError(`the download of ${file} stopped at ${loaded} of ${total} bytes (${url})`);
        controller.error(failure);
      } else {
        controller.close();
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { body, failure: () => failure };
}

/** The files a manifest lists, if it and every one of them are in the cache. */
async function fromManifest(cache: DownloadCache, manifestUrl: string, urlOf: (file: string) => string): Promise<ModelFile[] | null> {
  const manifest = await cache.match(manifestUrl, 'manifest');
  if (!manifest) return null;
  let names: unknown;
  try {
    names = JSON.parse(await manifest.text());
  } catch {
    return null; // a damaged manifest only costs a fresh look at the Hub
  }
  if (!Array.isArray(names)) return null;
  const files: ModelFile[] = [];
  for (const name of names) {
    const file = typeof name === 'string' ? await cache.match(urlOf(name), name) : null;
    if (!file) return null;
    files.push(file);
  }
  return files;
}

/** Turns the Hub's refusals into messages that say what to do. */
class HubAccess {
  constructor(
    private readonly repo: string,
    private readonly revision: string,
    private readonly hubUrl: string,
    private readonly hasToken: boolean,
  ) {}

  /** Throws for every failure except a missing file (404 EntryNotFound, or a plain 404), which the caller handles. */
  check(file: string, url: string, res: Response): void {
    const code = res.headers.get('x-error-code');
    const page = `${this.hubUrl.replace(/\/$/, '')}/${this.repo}`;
    const token = this.hasToken
      ? 'the access token given has no access to it'
      : 'an access token (hf_…) with access to it is needed';
    if (code === 'RepoNotFound') {
      throw new ModelError(
        `repository ${this.repo} was not found on the Hub (HTTP ${res.status}): check the name; if it is private, ${token}`,
      );
    }
    if (code === 'RevisionNotFound') throw new ModelError(`repository ${this.repo} has no revision ${this.revision}`);
    if (code === 'GatedRepo') {
      throw new ModelError(
        `${this.repo} is gated (HTTP ${res.status}): accept its conditions at ${page}; then ${this.hasToken ? 'retry' : 'give an access token (hf_…)'}`,
      );
    }
    if (res.status === 401 || res.status === 403) {
      // Without a token the Hub answers 401 for repositories that do not exist too, so as not to reveal private ones.
      const which = res.status === 401 && !this.hasToken ? 'gated or private (or does not exist)' : 'gated or private';
      throw new ModelError(`the Hub refused ${file} of ${this.repo} (HTTP ${res.status}): the repository is ${which}, and ${token}`);
    }
    if (res.status !== 404) throw httpError(file, url, res);
  }
}
