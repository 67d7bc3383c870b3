/**
 * Where the CLI's tasks get their rows, through the datasets module's store in the cache folder
 * (src/data/): files named with --data TASK=FILE are imported into it (any format the data
 * importers read: the authors' originals, Hugging Face JSONL/Parquet, llama.cpp's files; several
 * files comma-separated, or a folder); a task without --data reads the dataset stored there by an
 * earlier import, else the one the lab ships with, else fails naming what to pass. Text tasks
 * (perplexity, kl-divergence, speed) read a --data file's raw text, as llama-perplexity does, and
 * otherwise the model's own held-out text.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ensureEmbedded, importFiles, openRowSource, type DatasetStore, type RowSource } from '../data';
import { DATASETS } from '../data/registry';
import { nodeDataFile, nodeEmbedded } from '../data/nodeFiles';
import { openFileStore } from '../data/nodeStore';
import { taskEntry } from '../eval/tasks/registry';
import { readTextFile } from './options';
import type { ModelSource } from './source';

function textSource(name: string, text: string, sha256: string): RowSource<unknown> {
  return {
    info: { name, sha256, rows: 1 },
    async *chunks(start = 0) {
      if (start === 0) yield [{ text }];
    },
  };
}

/** The files a --data value names: comma-separated paths, a folder standing for the files in it and its subfolders. */
async function filesOf(value: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string, depth: number) => {
    const info = await stat(path).catch(() => {
      throw new Error(`cannot read ${path}: no such file or folder`);
    });
    if (!info.isDirectory()) out.push(path);
    else if (depth < 3) for (const name of (await readdir(path)).sort()) if (!name.startsWith('.')) await walk(join(path, name), depth + 1);
  };
  for (const p of value.split(',').map((s) => s.trim()).filter(Boolean)) await walk(p, 0);
  return out;
}

export interface CliDatasets {
  rows(task: string, split: 'eval' | 'fewshot'): Promise<RowSource<unknown>>;
}

/** `files`: --data's TASK -> FILE (`*text` for every text task). */
export function cliDatasets(files: Record<string, string>, model: ModelSource, cacheDir: string, log: (text: string) => void): CliDatasets {
  let store: Promise<DatasetStore> | null = null;
  const imported = new Map<string, Promise<unknown>>();
  const cache = new Map<string, Promise<RowSource<unknown>>>();

  const open = async (task: string, split: 'eval' | 'fewshot'): Promise<RowSource<unknown>> => {
    const entry = taskEntry(task);
    const given = files[task] ?? (entry.schema === 'text' ? files['*text'] : undefined);
    if (entry.schema === 'text') {
      if (given) {
        const text = await readTextFile(given, "--data");
        return textSource(basename(given), text, createHash('sha256').update(text).digest('hex'));
      }
      const text = await model.heldOutText();
      return textSource(entry.dataset, text, createHash('sha256').update(text).digest('hex'));
    }
    store ??= openFileStore(join(cacheDir, 'datasets'));
    const s = await store;
    const id = entry.dataset;
    const spec = DATASETS[id];
    if (given) {
      if (!imported.has(id)) {
        imported.set(
          id,
          (async () => {
            const paths = await filesOf(given);
            log(`importing ${paths.length === 1 ? paths[0] : `${paths.length} files`} as ${id} into ${s.location}`);
            await importFiles(s, id, await Promise.all(paths.map((p) => nodeDataFile(p))));
          })(),
        );
      }
      await imported.get(id);
    } else if (!(await s.get(spec?.storedAs ?? id))) {
      if (spec?.embedded) await ensureEmbedded(s, id, nodeEmbedded());
      else throw new Error(`${task} needs its rows: pass --data ${task}=FILE (${spec?.files ?? `${entry.schema} rows`}); once imported, the cache folder keeps them`);
    }
    const fewshotSplit = entry.shots.fewshotSplit;
    return openRowSource(s, id, split === 'fewshot' && fewshotSplit ? { split: fewshotSplit } : {});
  };

  return {
    rows(task, split) {
      const key = `${task}|${split}`;
      if (!cache.has(key)) cache.set(key, open(task, split));
      return cache.get(key)!;
    },
  };
}
