/**
 * The dataset store for the command line: the same chunks as files in the cache folder
 * (`$QUANTLAB_CACHE/datasets`, else ~/.cache/quantlab/datasets, as src/cli/source.ts keeps models).
 *
 *   <root>/<name>/manifest.json           the committed manifest (written to a temporary file, then renamed)
 *   <root>/<name>/<importId>/<split>-<i>.json   its chunks
 *   <root>/<name>/<importId>.part/        an import in progress (with the writer's pid in `pid`)
 *   <root>/mappings/<dataset>.json        saved field mappings
 *
 * Only a committed manifest makes chunks reachable; recover() removes the rest.
 */
import { mkdir, readdir, readFile, rename, rm, rmdir, statfs, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseManifest, SavedMappingSchema, type DatasetManifest, type DatasetStore } from './store';

export function defaultCacheDir(): string {
  return process.env.QUANTLAB_CACHE ?? join(homedir(), '.cache', 'quantlab');
}

const enc = (s: string) => encodeURIComponent(s);

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || e instanceof SyntaxError) return null;
    throw e;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Opens the store and removes what imports cut short (a killed process) left behind. */
export async function openFileStore(root = join(defaultCacheDir(), 'datasets')): Promise<DatasetStore> {
  await mkdir(root, { recursive: true });
  const dir = (name: string) => join(root, enc(name));
  const chunkFile = (split: string, index: number) => `${enc(split)}-${index}.json`;
  const manifestOf = async (name: string) => parseManifest(await readJson(join(dir(name), 'manifest.json')));
  const datasetDirs = async () =>
    (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && e.name !== 'mappings' && !e.name.startsWith('.'));

  const store: DatasetStore = {
    kind: 'files',
    location: root,

    async recover() {
      const removed = new Set<string>();
      for (const entry of await datasetDirs()) {
        const name = decodeURIComponent(entry.name);
        const base = join(root, entry.name);
        const manifest = await manifestOf(name);
        for (const sub of await readdir(base, { withFileTypes: true })) {
          if (!sub.isDirectory()) continue;
          if (sub.name.endsWith('.part')) {
            const pid = Number(await readFile(join(base, sub.name, 'pid'), 'utf8').catch(() => 'NaN'));
            if (Number.isInteger(pid) && alive(pid)) continue;
          } else if (sub.name === manifest?.importId) {
            continue;
          }
          await rm(join(base, sub.name), { recursive: true, force: true });
          removed.add(name);
        }
        if (!manifest && (await readdir(base)).every((f) => f.endsWith('.tmp'))) await rm(base, { recursive: true, force: true });
      }
      return [...removed];
    },

    async list() {
      const out: DatasetManifest[] = [];
      for (const entry of await datasetDirs()) {
        const m = await manifestOf(decodeURIComponent(entry.name));
        if (m) out.push(m);
      }
      return out;
    },

    get: manifestOf,

    async delete(name) {
      // Renamed away first, so no reader ever sees a half-deleted dataset.
      const trash = join(root, `.deleting-${enc(name)}-${process.pid}-${Date.now()}`);
      try {
        await rename(dir(name), trash);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      await rm(trash, { recursive: true, force: true });
    },

    async beginImport(name, importId) {
      const part = join(dir(name), `${importId}.part`);
      await mkdir(part, { recursive: true });
      await writeFile(join(part, 'pid'), String(process.pid));
    },

    async putChunk(name, importId, split, index, rows) {
      await writeFile(join(dir(name), `${importId}.part`, chunkFile(split, index)), JSON.stringify(rows));
    },

    async commit(manifest) {
      const base = dir(manifest.name);
      const old = await manifestOf(manifest.name);
      await rename(join(base, `${manifest.importId}.part`), join(base, manifest.importId));
      await writeAtomically(join(base, 'manifest.json'), JSON.stringify(manifest, null, 1));
      if (old && old.importId !== manifest.importId) await rm(join(base, old.importId), { recursive: true, force: true });
    },

    async abortImport(name, importId) {
      await rm(join(dir(name), `${importId}.part`), { recursive: true, force: true });
      // A dataset that was new leaves no empty folder behind.
      await rmdir(dir(name)).catch(() => {});
    },

    async getChunk(name, importId, split, index) {
      const value = await readJson(join(dir(name), importId, chunkFile(split, index)));
      return Array.isArray(value) ? value : null;
    },

    async getMapping(dataset) {
      const parsed = SavedMappingSchema.safeParse(await readJson(join(root, 'mappings', `${enc(dataset)}.json`)));
      return parsed.success ? parsed.data : null;
    },

    async saveMapping(dataset, mapping) {
      const path = join(root, 'mappings', `${enc(dataset)}.json`);
      if (!mapping) return rm(path, { force: true });
      await mkdir(join(root, 'mappings'), { recursive: true });
      await writeAtomically(path, JSON.stringify(mapping));
    },

    async space() {
      const s = await statfs(root);
      return { free: Number(s.bavail) * Number(s.bsize), persisted: null };
    },
  };
  await store.recover();
  return store;
}
