/**
 * The datasets stored in this browser (src/data's IndexedDB store): listing, importing from the
 * Hub, a URL or dropped files, and deleting. Imports run on the page's thread: they stream and
 * await between chunks, so the page stays responsive.
 */
import { blobDataFile, DataError, importFiles, importHub, importUrl, openIndexedDbStore, planImport, type DatasetStore, type FieldMapping, type ImportProgress } from '../data';
import { requestPersistence } from '../results/storage';
import { counted, megabytes } from './format';
import { useLab } from './store';

export type ImportSource = { kind: 'hub' } | { kind: 'url'; url: string } | { kind: 'files'; files: File[]; mapping?: FieldMapping };

const set = useLab.setState;
let store: Promise<DatasetStore> | null = null;
let importing: AbortController | null = null;

function datasetStore(): Promise<DatasetStore> {
  store ??= openIndexedDbStore();
  return store;
}

export async function refreshDatasets(): Promise<void> {
  try {
    const stored = await (await datasetStore()).list();
    set((s) => ({ datasets: { ...s.datasets, loaded: true, stored: stored.sort((a, b) => a.name.localeCompare(b.name)) } }));
  } catch (e) {
    set((s) => ({ datasets: { ...s.datasets, loaded: true, problem: { title: 'The stored datasets could not be read', message: (e as Error).message } } }));
  }
}

export async function importDataset(dataset: string, source: ImportSource): Promise<void> {
  if (importing) return;
  const controller = new AbortController();
  importing = controller;
  set((s) => ({ datasets: { ...s.datasets, importing: { dataset, progress: null }, mapping: null, message: '', problem: undefined } }));
  const options = {
    signal: controller.signal,
    mapping: source.kind === 'files' ? source.mapping : undefined,
    onProgress: (progress: ImportProgress) =>
      set((s) => ({ datasets: { ...s.datasets, importing: { dataset, progress } } })),
  };
  try {
    const s = await datasetStore();
    if (source.kind === 'files' && !source.mapping) {
      // Fields named otherwise than the layout expects are shown for the person to map, not refused.
      const plan = await planImport(s, dataset, source.files.map((f) => blobDataFile(f, f.name)));
      if (plan.problem && plan.fields.length) {
        set((st) => ({ datasets: { ...st.datasets, mapping: { files: source.files, plan } } }));
        return;
      }
    }
    await requestPersistence();
    const manifest =
      source.kind === 'hub'
        ? await importHub(s, dataset, options)
        : source.kind === 'url'
          ? await importUrl(s, dataset, source.url, options)
          : await importFiles(s, dataset, source.files.map((f) => blobDataFile(f, f.name)), options);
    set((st) => ({ datasets: { ...st.datasets, message: `Stored ${manifest.name}: ${counted(manifest.rows, 'row')}, ${megabytes(manifest.bytes)}.` } }));
  } catch (e) {
    const cancelled = (e as Error).name === 'AbortError';
    set((st) => ({
      datasets: {
        ...st.datasets,
        message: cancelled ? `The import of ${dataset} was cancelled; nothing of it was kept.` : '',
        problem: cancelled ? undefined : { title: `${dataset} could not be imported`, message: (e as Error).message, advice: e instanceof DataError ? undefined : 'Check the address or the file, then try again.' },
      },
    }));
  } finally {
    importing = null;
    set((st) => ({ datasets: { ...st.datasets, importing: null } }));
    await refreshDatasets();
  }
}

/** Imports the files waiting for a mapping with the fields the person chose (remembered for the dataset). */
export async function importWithMapping(mapping: FieldMapping): Promise<void> {
  const pending = useLab.getState().datasets.mapping;
  if (pending) await importDataset(pending.plan.dataset, { kind: 'files', files: pending.files, mapping });
}

export function dropMapping(): void {
  set((s) => ({ datasets: { ...s.datasets, mapping: null } }));
}

export function cancelImport(): void {
  importing?.abort();
}

export async function removeDataset(name: string): Promise<void> {
  await (await datasetStore()).delete(name);
  await refreshDatasets();
}
