import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/model/errors';
import { cacheStorage, hubFileUrl, hubModelFiles, parseHubRepo, type DownloadProgress } from '../../src/model/hub';
import { loadModel } from '../../src/model/load';
import { directoryCache } from '../../src/model/nodeFiles';
import { localServer, sendBytes, syntheticModel, toBytes, type SyntheticModel } from './synthetic';

describe('Hub repo ids and URLs', () => {
  it('accepts ids and URLs of a repo, optionally with a revision', () => {
    expect(parseHubRepo('Qwen/Qwen2.5-0.5B')).toEqual({ repo: 'Qwen/Qwen2.5-0.5B', revision: null });
    expect(parseHubRepo(' https://huggingface.co/TinyLlama/TinyLlama_v1.1 ')).toEqual({ repo: 'TinyLlama/TinyLlama_v1.1', revision: null });
    expect(parseHubRepo('https://huggingface.co/a/b/tree/v2.0')).toEqual({ repo: 'a/b', revision: 'v2.0' });
    expect(parseHubRepo('https://hf.co/a/b/blob/main/config.json')).toEqual({ repo: 'a/b', revision: 'main' });
    expect(parseHubRepo('https://huggingface.co/a/b/resolve/refs%2Fpr%2F3/model.safetensors')).toEqual({ repo: 'a/b', revision: 'refs/pr/3' });
    expect(parseHubRepo('https://huggingface.co/a/b/discussions')).toEqual({ repo: 'a/b', revision: null });
    expect(parseHubRepo('http://127.0.0.1:9/a/b', 'http://127.0.0.1:9')).toEqual({ repo: 'a/b', revision: null });
  });

  it('refuses what is not a model repo', () => {
    const refuse = (input: string, why: string) => {
      expect(() => parseHubRepo(input)).toThrow(ModelError);
      expect(() => parseHubRepo(input)).toThrow(why);
    };
    refuse('gpt2', `"gpt2" is not a Hub model: expected owner/name (e.g. Qwen/Qwen2.5-0.5B) or https://huggingface.co/owner/name`);
    refuse('a/b/c', 'expected owner/name');
    refuse('a/../b', 'expected owner/name');
    refuse('https://huggingface.co/datasets/a/b', 'it is a dataset, not a model');
    refuse('https://huggingface.co/spaces/a/b', 'it is a space, not a model');
    refuse('https://example.com/a/b', 'expected a huggingface.co address');
    refuse('https://huggingface.co/a/b/tree/', 'no revision after /tree/');
  });

  it('builds resolve URLs with each part escaped', () => {
    expect(hubFileUrl('a/b', 'main', 'config.json')).toBe('https://huggingface.co/a/b/resolve/main/config.json');
    expect(hubFileUrl('a/b', 'refs/pr/3', 'sub dir/x.json', 'http://127.0.0.1:8/')).toBe(
      'http://127.0.0.1:8/a/b/resolve/refs%2Fpr%2F3/sub%20dir/x.json',
    );
  });
});

/** A stand-in for the browser's Cache Storage, over a Map. */
function fakeCaches(put?: () => never): CacheStorage {
  const stores = new Map<string, Map<string, Blob>>();
  return {
    async open(name: string) {
      const store = stores.get(name) ?? new Map<string, Blob>();
      stores.set(name, store);
      return {
        match: async (url: string) => (store.has(url) ? new Response(store.get(url)) : undefined),
        put: async (url: string, res: Response) => {
          if (put) put();
          store.set(url, await res.blob());
        },
      };
    },
  } as unknown as CacheStorage;
}

describe('downloading from a Hub on 127.0.0.1', () => {
  const repos = new Map<string, SyntheticModel>([
    ['owner/tiny', syntheticModel()],
    ['owner/sharded', syntheticModel(undefined, { shards: 3 })],
    ['owner/private', syntheticModel()],
    ['owner/noshard', syntheticModel(undefined, { shards: 2 })],
    ['owner/cut', syntheticModel()],
    ['owner/gpt2', syntheticModel()],
    ['owner/noweights', syntheticModel()],
    ['owner/notokenizer', syntheticModel()],
  ]);
  repos.get('owner/notokenizer')!.files.delete('tokenizer.json');
  repos.get('owner/noshard')!.files.delete('model-00002-of-00002.safetensors');
  repos.get('owner/noweights')!.files.delete('model.safetensors');
  repos.get('owner/gpt2')!.files.set('config.json', JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }));
  let hub: Awaited<ReturnType<typeof localServer>>;

  beforeAll(async () => {
    hub = await localServer((req, res) => {
      const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? '');
      const fail = (status: number, code?: string) => {
        res.writeHead(status, code ? { 'X-Error-Code': code } : {});
        res.end();
      };
      if (!m) return fail(404);
      const [repo, revision, file] = [m[1], decodeURIComponent(m[2]), decodeURIComponent(m[3])];
      if (repo === 'owner/gated') return fail(403, 'GatedRepo');
      if (repo === 'owner/private' && req.headers.authorization !== 'Bearer hf_good') {
        return fail(req.headers.authorization ? 403 : 401);
      }
      const model = repos.get(repo);
      if (!model) return fail(401, 'RepoNotFound');
      if (revision !== 'main' && revision !== 'v1.0') return fail(404, 'RevisionNotFound');
      const content = model.files.get(file);
      if (!content) return fail(404, 'EntryNotFound');
      const bytes = toBytes(content);
      if (repo === 'owner/cut' && file === 'model.safetensors') {
        // Announce the whole file, send half, hang up.
        res.writeHead(200, { 'Content-Length': bytes.length });
        res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.destroy());
        return;
      }
      sendBytes(req, res, bytes, false);
    });
  });
  afterAll(() => hub.close());
  beforeEach(() => {
    hub.requests.length = 0;
  });

  const open = (repo: string, options: Parameters<typeof hubModelFiles>[1] = {}) =>
    hubModelFiles(repo, { hubUrl: hub.url, cache: null, ...options });

  it('downloads a model with progress per file, and the model loads', async () => {
    const progress: DownloadProgress[] = [];
    const files = await open('owner/tiny', { onProgress: (p) => progress.push(p) });
    expect(files.name).toBe('owner/tiny');
    expect(files.list()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    const size = toBytes(repos.get('owner/tiny')!.files.get('model.safetensors')!).length;
    const weights = progress.filter((p) => p.file === 'model.safetensors');
    expect(weights[0]).toEqual({ file: 'model.safetensors', loaded: 0, total: size, cached: false });
    expect(weights.at(-1)).toEqual({ file: 'model.safetensors', loaded: size, total: size, cached: false });
    expect(weights.every((p, i) => i === 0 || p.loaded >= weights[i - 1].loaded)).toBe(true);
    expect(new Set(progress.map((p) => p.file))).toEqual(new Set(files.list()));
    const loaded = await loadModel(files);
    const name = 'model.layers.1.mlp.gate_proj.weight';
    expect(new Uint8Array((await loaded.weights.readF16(name)).buffer)).toEqual(repos.get('owner/tiny')!.tensors.get(name));
    expect(hub.requests).toContain('GET /owner/tiny/resolve/main/model.safetensors.index.json');
  });

  it('downloads the index and every shard of a sharded model, at a revision', async () => {
    const files = await open(`${hub.url}/owner/sharded/tree/v1.0`);
    expect(files.name).toBe('owner/sharded@v1.0');
    expect(files.list()).toContain('model-00003-of-00003.safetensors');
    expect(hub.requests.every((r) => r.includes('/resolve/v1.0/'))).toBe(true);
    await loadModel(files);
    await expect(open(`${hub.url}/owner/sharded/tree/v1.0`, { revision: 'main' })).rejects.toThrow(
      'the URL names revision v1.0 but revision main was asked for',
    );
  });

  it("keeps files in the browser's Cache Storage, so a reload downloads nothing", async () => {
    const cache = cacheStorage(fakeCaches());
    const first = await open('owner/sharded', { cache });
    const downloaded = hub.requests.length;
    expect(downloaded).toBeGreaterThan(4);
    const progress: DownloadProgress[] = [];
    const again = await open('owner/sharded', { cache, onProgress: (p) => progress.push(p) });
    expect(hub.requests.length).toBe(downloaded);
    expect(again.list()).toEqual(first.list());
    expect(progress.every((p) => p.cached && p.loaded === p.total)).toBe(true);
    await loadModel(again);
  });

  it('uses Cache Storage by default where the platform has one', async () => {
    const g = globalThis as { caches?: CacheStorage };
    g.caches = fakeCaches();
    try {
      await hubModelFiles('owner/tiny', { hubUrl: hub.url });
      const before = hub.requests.length;
      await hubModelFiles('owner/tiny', { hubUrl: hub.url });
      expect(hub.requests.length).toBe(before);
    } finally {
      delete g.caches;
    }
  });

  it('says when the browser has no room left to cache a file', async () => {
    const full = cacheStorage(
      fakeCaches(() => {
        throw new DOMException('quota', 'QuotaExceededError');
      }),
    );
    await expect(open('owner/tiny', { cache: full })).rejects.toThrow(
      'the browser has no room left to keep config.json: free some site storage and try again',
    );
  });

  it('tells a failed download from a failing cache', async () => {
    await expect(open('owner/cut', { cache: cacheStorage(fakeCaches()) })).rejects.toThrow(
      new RegExp(`^could not download model\\.safetensors from ${hub.url}/owner/cut/resolve/main/model\\.safetensors: network failure`),
    );
    const broken = { match: async () => null, store: () => Promise.reject(new Error('disk full')) };
    await expect(open('owner/tiny', { cache: broken })).rejects.toThrow('could not keep config.json in the download cache: disk full');
  });

  describe('with a directory cache (Node)', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'quantlab-hub-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('stores files on disk and reads them back without the network', async () => {
      const cache = directoryCache(join(dir, 'cache'));
      await open('owner/tiny', { cache });
      const downloaded = hub.requests.length;
      const files = await open('owner/tiny', { cache });
      expect(hub.requests.length).toBe(downloaded);
      expect(files.require('model.safetensors').path).toMatch(/-model\.safetensors$/);
      await loadModel(files);
    });

    it('keeps nothing of an interrupted download', async () => {
      const cache = directoryCache(join(dir, 'cut'));
      await expect(open('owner/cut', { cache })).rejects.toThrow(
        new RegExp(`^could not download model\\.safetensors from ${hub.url}/owner/cut/resolve/main/model\\.safetensors: network failure`),
      );
      expect(readdirSync(join(dir, 'cut')).some((f) => f.includes('model.safetensors'))).toBe(false);
      expect(existsSync(join(dir, 'cut'))).toBe(true);
    });
  });

  it('refuses a body shorter than its Content-Length', async () => {
    const short: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).endsWith('model.safetensors') || !res.ok) return res;
      const body = new Uint8Array(await res.arrayBuffer());
      return new Response(body.subarray(0, 100), { headers: { 'content-length': String(body.length) } });
    };
    await expect(open('owner/tiny', { fetch: short })).rejects.toThrow(/^the download of model\.safetensors stopped at 100 of \d+ bytes/);
  });

  it('says a private or gated repo needs a token, and uses one', async () => {
    await expect(open('owner/private')).rejects.toThrow(
      'the Hub refused config.json of owner/private (HTTP 401): the repository is gated or private (or does not exist), and an access token (hf_…) with access to it is needed',
    );
    await expect(open('owner/private', { token: 'hf_bad' })).rejects.toThrow(
      'the Hub refused config.json of owner/private (HTTP 403): the repository is gated or private, and the access token given has no access to it',
    );
    expect((await open('owner/private', { token: 'hf_good' })).list()).toContain('model.safetensors');
    await expect(open('owner/gated')).rejects.toThrow(
      `owner/gated is gated (HTTP 403): accept its conditions at ${hub.url}/owner/gated; then give an access token (hf_…)`,
    );
  });

  it('names a missing repo, revision, file or shard', async () => {
    await expect(open('owner/nothere')).rejects.toThrow(
      'repository owner/nothere was not found on the Hub (HTTP 401): check the name; if it is private, an access token (hf_…) with access to it is needed',
    );
    await expect(open('owner/tiny', { revision: 'v9' })).rejects.toThrow('repository owner/tiny has no revision v9');
    await expect(open('owner/noshard')).rejects.toThrow(
      `model.safetensors.index.json names the shard model-00002-of-00002.safetensors, which is missing at owner/noshard on 127.0.0.1:`,
    );
    await expect(open('owner/notokenizer')).rejects.toThrow(
      /^no tokenizer\.json at owner\/notokenizer on 127\.0\.0\.1:\d+: QuantLab needs the model's tokenizer\.json$/,
    );
    await expect(open('owner/noweights')).rejects.toThrow(
      /^no model\.safetensors or model\.safetensors\.index\.json at owner\/noweights on 127\.0\.0\.1:\d+: QuantLab reads safetensors weights$/,
    );
  });

  it('refuses an unsupported architecture before downloading any weights', async () => {
    await expect(open('owner/gpt2')).rejects.toThrow('QuantLab runs Llama-family models (llama, qwen2, mistral); this config is gpt2 (GPT2LMHeadModel)');
    expect(hub.requests).toEqual(['GET /owner/gpt2/resolve/main/config.json']);
  });

  it('reports a network failure as such', async () => {
    const down = await localServer(() => {});
    await down.close();
    await expect(hubModelFiles('owner/tiny', { hubUrl: down.url, cache: null })).rejects.toThrow(
      new RegExp(`^could not download config\\.json from ${down.url}/owner/tiny/resolve/main/config\\.json: network failure \\(fetch failed\\)`),
    );
  });
});
