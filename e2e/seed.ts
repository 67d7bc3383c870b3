/**
 * Results put straight into the page's IndexedDB, as the history stores them, so the results
 * views can be tested without running the model. The lab opens (and creates) the database
 * first; the records and their sweep summaries are then written in one transaction, in the page.
 */
import { expect, type Page } from '@playwright/test';
import type { ResultRecord } from '../src/results/record';

/** The lab without its model: every model file refused, so nothing heavy runs on SwiftShader while the results views are tested. */
export async function openLabWithoutModel(page: Page, path = '/'): Promise<void> {
  await page.route('**/models/**', (route) => route.abort());
  await page.goto(path);
  await expect(page.getByRole('heading', { name: 'History' })).toBeVisible();
  await expect(page.getByText('Reading the history…')).toHaveCount(0);
}

/**
 * Stores `records` (their per-item scores dropped) `copies` times, each copy a sweep of its own an
 * hour older than the one before, then reloads the page. Returns the number of records stored.
 */
export async function seedHistory(page: Page, records: readonly ResultRecord[], copies = 1): Promise<number> {
  const plain = records.map(({ items: _, ...r }) => r);
  const stored = await page.evaluate(
    async ({ plain, copies }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('quantlab-results');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const tx = db.transaction(['records', 'sweeps'], 'readwrite');
      const summaries = new Map<string, { id: string; model: string; presets: string[]; tasks: string[]; startedAt: string; finishedAt: string; count: number }>();
      let n = 0;
      for (let c = 0; c < copies; c++) {
        for (const r of plain) {
          const createdAt = new Date(Date.parse(r.createdAt) - c * 3_600_000).toISOString();
          const copy = { ...r, id: c ? `${r.id}-c${c}` : r.id, sweep: c ? `${r.sweep}-c${c}` : r.sweep, createdAt };
          tx.objectStore('records').put(copy, copy.id);
          n++;
          const s = summaries.get(copy.sweep);
          if (!s) summaries.set(copy.sweep, { id: copy.sweep, model: copy.model.name, presets: [copy.preset.name], tasks: [copy.task.name], startedAt: createdAt, finishedAt: createdAt, count: 1 });
          else {
            if (!s.presets.includes(copy.preset.name)) s.presets.push(copy.preset.name);
            if (!s.tasks.includes(copy.task.name)) s.tasks.push(copy.task.name);
            if (createdAt < s.startedAt) s.startedAt = createdAt;
            if (createdAt > s.finishedAt) s.finishedAt = createdAt;
            s.count++;
          }
        }
      }
      for (const s of summaries.values()) tx.objectStore('sweeps').put(s);
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
      return n;
    },
    { plain, copies },
  );
  await page.reload();
  await expect(page.getByText('Reading the history…')).toHaveCount(0);
  return stored;
}

/** Puts a value no schema reads into the history's store of unreadable entries, as the upgrade leaves one. */
export async function seedUnreadable(page: Page, key: string, value: unknown, problems: string[]): Promise<void> {
  await page.evaluate(
    async ({ key, value, problems }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('quantlab-results');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const tx = db.transaction('unreadable', 'readwrite');
      tx.objectStore('unreadable').put({ value, problems, foundAt: new Date().toISOString() }, key);
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { key, value, problems },
  );
  await page.reload();
}
