/**
 * What the results side of the page does: pick sweeps from the history to show and compare, lay
 * shared results over them, share, export and delete. Components call these; they read and write
 * IndexedDB through src/results/history.ts only.
 */
import { bundleJson, DamagedBundleError, readBundle } from '../results/bundle';
import { historyJson, recordsCsv } from '../results/export';
import { deleteSweep, deleteUnreadable, recordsOfSweep, storedHistoryFile } from '../results/history';
import { linkFor } from '../results/link';
import type { ResultRecord } from '../results/record';
import type { SweepSpec } from '../results/sweep';
import { TASKS } from '../eval/tasks/registry';
import { BUILTIN_PRESET_NAMES, formatPreset, parsePreset } from '../quant/presets';
import { offeredTasks } from './offeredTasks';
import { useLab, type LabState, type TaskChoice } from './store';

const set = useLab.setState;
const get = useLab.getState;

function setResults(patch: Partial<LabState['results']>): void {
  set((s) => ({ results: { ...s.results, ...patch } }));
}

function failed(doing: string, e: unknown): void {
  setResults({ problem: `${doing} failed: ${e instanceof Error ? e.message : String(e)}` });
}

/** Shows one sweep alone. */
export async function showSweep(sweep: string): Promise<void> {
  try {
    const records = await recordsOfSweep(sweep);
    setResults({ picked: [{ sweep, records }], problem: '' });
  } catch (e) {
    failed('Reading the sweep', e);
  }
}

/** Adds a sweep to those shown (to compare it with them), or takes it away. */
export async function toggleCompared(sweep: string): Promise<void> {
  const picked = get().results.picked ?? [];
  if (picked.some((p) => p.sweep === sweep)) {
    const rest = picked.filter((p) => p.sweep !== sweep);
    setResults({ picked: rest.length ? rest : null });
    return;
  }
  // Ticked at once (the box shows it), filled in when the records are read.
  setResults({ picked: [...picked, { sweep, records: [] }], problem: '' });
  const fill = (records: ResultRecord[] | null) => {
    const now = get().results.picked ?? [];
    const next = records ? now.map((p) => (p.sweep === sweep ? { sweep, records } : p)) : now.filter((p) => p.sweep !== sweep);
    setResults({ picked: next.length ? next : null });
  };
  try {
    fill(await recordsOfSweep(sweep));
  } catch (e) {
    fill(null);
    failed('Reading the sweep', e);
  }
}

export function showNewest(): void {
  setResults({ picked: null });
}

export async function removeSweep(sweep: string): Promise<void> {
  try {
    await deleteSweep(sweep);
  } catch (e) {
    failed('Deleting the sweep', e);
    return;
  }
  set((s) => {
    const picked = s.results.picked?.filter((p) => p.sweep !== sweep) ?? null;
    return { history: s.history.filter((r) => r.sweep !== sweep), results: { ...s.results, picked: picked?.length ? picked : null } };
  });
}

export async function removeUnreadable(key: IDBValidKey): Promise<void> {
  try {
    await deleteUnreadable(key);
  } catch (e) {
    failed('Deleting the unreadable entry', e);
  }
}

/** Starts the download of `blob` as `name`. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // The download has started from the object URL by the time the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const today = () => new Date().toISOString().slice(0, 10);

export async function exportSweep(sweep: string, format: 'json' | 'csv'): Promise<void> {
  try {
    const records = await recordsOfSweep(sweep);
    const blob = format === 'json' ? new Blob([historyJson(records)], { type: 'application/json' }) : new Blob([recordsCsv(records)], { type: 'text/csv' });
    download(blob, `quantlab-sweep-${sweep}.${format}`);
  } catch (e) {
    failed('Exporting the sweep', e);
  }
}

export async function exportAll(format: 'json' | 'csv'): Promise<void> {
  try {
    download(await storedHistoryFile(format), `quantlab-history-${today()}.${format}`);
  } catch (e) {
    failed('Exporting the history', e);
  }
}

/** Makes the link to `records`, puts it on the clipboard where it fits LINK_SHARE_LIMIT, and offers a file where it does not. */
export async function share(records: readonly ResultRecord[], where: 'results' | 'history'): Promise<void> {
  try {
    const link = await linkFor(records, location.href);
    let copied = false;
    if (link.fits) {
      try {
        await navigator.clipboard.writeText(link.url);
        copied = true;
      } catch {
        // Refused (no focus, no permission): the box shows the link for copying by hand.
      }
    }
    setResults({ share: { where, url: link.url, length: link.length, fits: link.fits, copied, records }, problem: '' });
  } catch (e) {
    failed('Making the link', e);
  }
}

export async function shareSweep(sweep: string): Promise<void> {
  try {
    await share(await recordsOfSweep(sweep), 'history');
  } catch (e) {
    failed('Reading the sweep', e);
  }
}

export function downloadBundle(records: readonly ResultRecord[]): void {
  download(new Blob([bundleJson(records)], { type: 'application/json' }), `quantlab-results-${today()}.json`);
}

let overlayCount = 0;

/** Lays `records` over one's own results (until the page is closed). */
export function addOverlay(label: string, records: readonly ResultRecord[]): void {
  overlayCount++;
  set((s) => ({ results: { ...s.results, overlays: [...s.results.overlays, { id: `overlay${overlayCount}`, label, records, bySweep: false }], problem: '' } }));
}

export function removeOverlay(id: string): void {
  set((s) => ({ results: { ...s.results, overlays: s.results.overlays.filter((o) => o.id !== id) } }));
}

/** Opens a bundle or history export and lays its results over one's own. */
export async function openResultsFile(file: File): Promise<void> {
  try {
    const { records } = await readBundle(file);
    addOverlay(`file ${file.name}`, records);
  } catch (e) {
    setResults({ problem: e instanceof DamagedBundleError ? `This file cannot be opened: ${e.message}.` : `This file cannot be opened: ${String(e)}.` });
  }
}

/**
 * Sets the lab up to run a shared sweep again on this GPU: its presets ticked (those this version
 * reads) and its window length; the person presses Run. Returns what could not be taken over.
 */
export function prepareRerun(spec: SweepSpec): { presets: string[]; unknown: string[]; tasks: string[] } {
  const presets: string[] = [];
  const unknown: string[] = [];
  for (const name of spec.presets) {
    try {
      presets.push(formatPreset(parsePreset(name)));
    } catch {
      unknown.push(name);
    }
  }
  const nCtx = spec.tasks.find((t) => t.settings.n_ctx !== undefined)?.settings.n_ctx;
  // Tasks this page can run now are ticked with the shared limit and shots; the others are named.
  const offered = new Set(offeredTasks(useLab.getState().datasets.stored.map((d) => d.name)).map((t) => t.name));
  const tasks: Record<string, TaskChoice> = {};
  const unknownTasks: string[] = [];
  const needData: string[] = [];
  for (const t of spec.tasks) {
    if (!TASKS.some((entry) => entry.name === t.name)) unknownTasks.push(t.name);
    else if (!offered.has(t.name)) needData.push(t.name);
    else tasks[t.name] = { on: true, limit: t.limit == null ? '' : String(t.limit), shots: t.shots == null ? '' : String(t.shots) };
  }
  const notUnderstood = [...unknown, ...unknownTasks];
  set((s) => ({
    selected: presets.length ? [...new Set(presets)] : s.selected,
    // Presets the picker does not list yet join its custom ones, so their rows (and ticks) show.
    customPresets: [...s.customPresets, ...presets.filter((p) => !(BUILTIN_PRESET_NAMES as readonly string[]).includes(p) && !s.customPresets.includes(p))],
    nCtx: nCtx !== undefined ? String(nCtx) : s.nCtx,
    tasks: Object.keys(tasks).length
      ? { ...Object.fromEntries(Object.entries(s.tasks).map(([name, c]) => [name, { ...c, on: false }])), ...tasks }
      : s.tasks,
    notice:
      `The shared sweep's presets are ticked (${presets.join(', ') || 'none this version reads'}), with its tasks this page can run ` +
      `(${Object.keys(tasks).join(', ') || 'none'}); it ran on ${spec.model.name}. Press Run to measure them on this GPU.` +
      (needData.length ? ` Import the datasets of ${needData.join(', ')} under "Datasets in this browser" to run them too.` : '') +
      (notUnderstood.length ? ` Not understood here: ${notUnderstood.join(', ')}.` : ''),
  }));
  return { presets, unknown, tasks: Object.keys(tasks) };
}
