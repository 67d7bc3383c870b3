/**
 * The dataset store in IndexedDB (through `idb`, for transactions over several object stores):
 * manifests, chunks keyed [name, importId, split, index], the imports in progress, and saved
 * field mappings. A commit is one transaction (manifest in, replaced chunks out), so a crash
 * leaves either the old dataset or the new one. An import in progress holds a Web Lock; recover()
 * removes the chunks of imports whose lock is gone (the tab that wrote them closed or crashed).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { parseManifest, SavedMappingSchema, type DatasetManifest, type DatasetStore, type SavedMapping, type StorageSpace } from './store';

interface PendingImport {
  importId: string;
  name: string;
  startedAt: number;
}

interface Schema extends DBSchema {
  manifests: { key: string; value: DatasetManifest };
  chunks: { key: [string, string, string, number]; value: unknown[] };
  imports: { key: string; value: PendingImport };
  mappings: { key: string; value: SavedMapping };
}

export const DATASET_DB = 'quantlab-datasets';
const LOCK_PREFIX = 'quantlab-dataset-import:';
/** Without Web Locks, an import not committed after this long is taken for abandoned. */
const STALE_MS = 6 * 3600_000;

const importRange = (name: string, importId: string) => IDBKeyRange.bound([name, importId], [name, importId, []]);
const nameRange = (name: string) => IDBKeyRange.bound([name], [name, []]);

/** Opens the store and removes what imports cut short (a closed or crashed tab) left behind. */
export async function openIndexedDbStore(dbName = DATASET_DB): Promise<DatasetStore> {
  const db: IDBPDatabase<Schema> = await openDB<Schema>(dbName, 1, {
    upgrade(d) {
      d.createObjectStore('manifests', { keyPath: 'name' });
      d.createObjectStore('chunks');
      d.createObjectStore('imports', { keyPath: 'importId' });
      d.createObjectStore('mappings');
    },
  });
  /** Releases the Web Lock of each import in progress in this context. */
  const releases = new Map<string, () => void>();
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;

  const release = (importId: string) => {
    releases.get(importId)?.();
    releases.delete(importId);
  };

  const store: DatasetStore = {
    kind: 'indexeddb',
    location: `IndexedDB database ${dbName}`,

    async recover() {
      const pending = await db.getAll('imports');
      const held = locks ? new Set(((await locks.query()).held ?? []).map((l) => l.name)) : null;
      const stale = pending.filter((p) =>
        held ? !held.has(LOCK_PREFIX + p.importId) : !releases.has(p.importId) && Date.now() - p.startedAt > STALE_MS,
      );
      for (const p of stale) {
        const tx = db.transaction(['chunks', 'imports', 'manifests'], 'readwrite');
        // An import whose manifest did commit (the lock went between commit and cleanup) keeps its chunks.
        const live = await tx.objectStore('manifests').get(p.name);
        if (live?.importId !== p.importId) await tx.objectStore('chunks').delete(importRange(p.name, p.importId));
        await tx.objectStore('imports').delete(p.importId);
        await tx.done;
      }
      return stale.map((p) => p.name);
    },

    async list() {
      const all = await db.getAll('manifests');
      return all.flatMap((m) => parseManifest(m) ?? []);
    },

    async get(name) {
      return parseManifest(await db.get('manifests', name));
    },

    async delete(name) {
      const tx = db.transaction(['manifests', 'chunks'], 'readwrite');
      await tx.objectStore('manifests').delete(name);
      await tx.objectStore('chunks').delete(nameRange(name));
      await tx.done;
    },

    async beginImport(name, importId) {
      if (locks) {
        await new Promise<void>((granted, failed) => {
          locks
            .request(LOCK_PREFIX + importId, { ifAvailable: true }, (lock) => {
              if (!lock) throw new Error(`import ${importId} is already running`);
              granted();
              return new Promise<void>((done) => releases.set(importId, done));
            })
            .catch(failed);
        });
      } else {
        releases.set(importId, () => {});
      }
      await db.put('imports', { importId, name, startedAt: Date.now() });
    },

    async putChunk(name, importId, split, index, rows) {
      await db.put('chunks', rows, [name, importId, split, index]);
    },

    async commit(manifest) {
      const tx = db.transaction(['manifests', 'chunks', 'imports'], 'readwrite');
      const old = await tx.objectStore('manifests').get(manifest.name);
      if (old && old.importId !== manifest.importId) await tx.objectStore('chunks').delete(importRange(old.name, old.importId));
      await tx.objectStore('manifests').put(manifest);
      await tx.objectStore('imports').delete(manifest.importId);
      await tx.done;
      release(manifest.importId);
    },

    async abortImport(name, importId) {
      try {
        const tx = db.transaction(['chunks', 'imports'], 'readwrite');
        await tx.objectStore('chunks').delete(importRange(name, importId));
        await tx.objectStore('imports').delete(importId);
        await tx.done;
      } finally {
        release(importId);
      }
    },

    async getChunk(name, importId, split, index) {
      return (await db.get('chunks', [name, importId, split, index])) ?? null;
    },

    async getMapping(dataset) {
      const parsed = SavedMappingSchema.safeParse(await db.get('mappings', dataset));
      return parsed.success ? parsed.data : null;
    },

    async saveMapping(dataset, mapping) {
      if (mapping) await db.put('mappings', mapping, dataset);
      else await db.delete('mappings', dataset);
    },

    async space(persist = false): Promise<StorageSpace> {
      const storage = typeof navigator !== 'undefined' ? navigator.storage : undefined;
      if (!storage?.estimate) return { free: null, persisted: null };
      const { quota, usage } = await storage.estimate();
      let persisted = storage.persisted ? await storage.persisted() : null;
      if (persist && persisted === false && storage.persist) persisted = await storage.persist();
      return { free: quota === undefined ? null : Math.max(0, quota - (usage ?? 0)), persisted };
    },
  };
  await store.recover();
  return store;
}
