/**
 * The sha256 that names a model in result records: the sha256 of the `sha256sum` listing of its
 * weight files (`<sha256>  <name>\n` a file, sorted by name), so `sha256sum *.safetensors |
 * sha256sum` in the model's folder gives the same hex. Each file is streamed through an
 * incremental sha256 in slices, never held whole; a file whose sha256 the Hub already states (the
 * LFS object id) is not read at all.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ModelFile, ModelFiles } from './files';
import { HUB_URL } from './hub';

export const HASH_SLICE_BYTES = 8 << 20;

export interface HashProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface HashOptions {
  /** sha256 hex the source states for a file (e.g. the Hub's LFS oid), by file name. */
  stated?: ReadonlyMap<string, string>;
  onProgress?: (p: HashProgress) => void;
  signal?: AbortSignal;
}

/** The weight files a model hash covers: every *.safetensors, sorted by name. */
export function weightFiles(files: ModelFiles): ModelFile[] {
  return files
    .list()
    .filter((n) => n.endsWith('.safetensors'))
    .map((n) => files.require(n));
}

/** sha256 of one file, read in slices. */
export async function fileSha256(file: ModelFile, onBytes?: (done: number) => void, signal?: AbortSignal): Promise<string> {
  const h = sha256.create();
  for (let start = 0; start < file.size; start += HASH_SLICE_BYTES) {
    if (signal?.aborted) throw new Error('hashing the model was cancelled');
    const end = Math.min(start + HASH_SLICE_BYTES, file.size);
    h.update(await file.slice(start, end));
    onBytes?.(end);
  }
  return bytesToHex(h.digest());
}

export function listingSha256(entries: readonly { name: string; sha256: string }[]): string {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return bytesToHex(sha256(new TextEncoder().encode(sorted.map((e) => `${e.sha256}  ${e.name}\n`).join(''))));
}

export async function modelSha256(files: ModelFiles, options: HashOptions = {}): Promise<string> {
  const weights = weightFiles(files);
  if (weights.length === 0) throw new Error(`${files.name} has no .safetensors files to hash`);
  const total = weights.reduce((a, f) => a + (options.stated?.has(f.name) ? 0 : f.size), 0);
  let before = 0;
  const entries: { name: string; sha256: string }[] = [];
  for (const f of weights) {
    const stated = options.stated?.get(f.name);
    if (stated && /^[0-9a-f]{64}$/.test(stated)) {
      entries.push({ name: f.name, sha256: stated });
      continue;
    }
    const digest = await fileSha256(f, (done) => options.onProgress?.({ file: f.name, bytesDone: before + done, bytesTotal: total }), options.signal);
    before += f.size;
    entries.push({ name: f.name, sha256: digest });
  }
  return listingSha256(entries);
}

/**
 * The LFS sha256 of a Hub repo's files, from the Hub's tree API (`lfs.oid`), by file name; an
 * empty map when the API cannot be reached or says nothing, so the files are then hashed here.
 */
export async function hubLfsSha256(
  repo: string,
  revision = 'main',
  options: { token?: string; hubUrl?: string; fetch?: typeof fetch } = {},
): Promise<Map<string, string>> {
  const fetchFn = options.fetch ?? fetch;
  const base = (options.hubUrl ?? HUB_URL).replace(/\/$/, '');
  const url = `${base}/api/models/${repo.split('/').map(encodeURIComponent).join('/')}/tree/${encodeURIComponent(revision)}`;
  const out = new Map<string, string>();
  try {
    const res = await fetchFn(url, options.token ? { headers: { Authorization: `Bearer ${options.token}` } } : undefined);
    if (!res.ok) return out;
    const entries: unknown = await res.json();
    if (!Array.isArray(entries)) return out;
    for (const e of entries) {
      const oid = e?.lfs?.oid ?? e?.lfs?.sha256;
      if (typeof e?.path === 'string' && typeof oid === 'string' && /^[0-9a-f]{64}$/.test(oid)) out.set(e.path.split('/').pop()!, oid);
    }
  } catch {
    return out;
  }
  return out;
}
