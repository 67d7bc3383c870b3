/**
 * Where the CLI's tasks get their rows: a file named with --data TASK=FILE, else the dataset the
 * task ships with (the default model's held-out text; public/datasets/quantlab_*.jsonl), else an
 * error naming what to pass. A row file holds the task's rows in the Hugging Face layout
 * (src/data/schemas.ts) as JSON lines or a JSON array; each row is checked, and a bad one is
 * named by file, line and field. Text tasks read a file's whole text.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ROW_SCHEMAS, type RowSource } from '../data/schemas';
import { taskEntry } from '../eval/tasks/registry';
import type { ModelSource } from './source';
import { DEFAULT_MODEL_DIR } from './source';

export const EMBEDDED_DIR = resolve(DEFAULT_MODEL_DIR, '../../datasets');

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function arraySource(name: string, rows: unknown[], digest: string | null): RowSource<unknown> {
  return {
    info: { name, sha256: digest, rows: rows.length },
    async *chunks(start = 0) {
      for (let i = start; i < rows.length; i += 1024) yield rows.slice(i, i + 1024);
    },
  };
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message}`);
  }
}

/** Rows of a JSONL or JSON-array file, each checked against the task's row schema. */
export function parseRows(text: string, file: string, schema: keyof typeof ROW_SCHEMAS): unknown[] {
  const trimmed = text.trimStart();
  let values: { line: number; value: unknown }[];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Error(`${file} is not valid JSON (${(e as Error).message})`);
    }
    values = (parsed as unknown[]).map((value, i) => ({ line: i + 1, value }));
  } else {
    values = [];
    text.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim()) return;
      try {
        values.push({ line: i + 1, value: JSON.parse(line) });
      } catch (e) {
        throw new Error(`${file}, line ${i + 1}: not JSON (${(e as Error).message})`);
      }
    });
  }
  const where = trimmed.startsWith('[') ? 'row' : 'line';
  return values.map(({ line, value }) => {
    const checked = ROW_SCHEMAS[schema].safeParse(value);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new Error(`${file}, ${where} ${line}: ${issue.path.join('.') || 'the row'}: ${issue.message} (a ${schema} row needs ${Object.keys((ROW_SCHEMAS[schema] as unknown as { shape?: object }).shape ?? {}).join(', ') || 'its fields'})`);
    }
    return checked.data;
  });
}

export interface CliDatasets {
  rows(task: string, split: 'eval' | 'fewshot'): Promise<RowSource<unknown>>;
}

/** `files`: --data's TASK -> FILE (TASK:fewshot for a few-shot split; `*text` for every text task). */
export function cliDatasets(files: Record<string, string>, model: ModelSource): CliDatasets {
  const cache = new Map<string, Promise<RowSource<unknown>>>();
  const open = async (task: string, split: 'eval' | 'fewshot'): Promise<RowSource<unknown>> => {
    const entry = taskEntry(task);
    const isText = entry.schema === 'text';
    const file = split === 'fewshot' ? files[`${task}:fewshot`] ?? files[`${task}:${entry.shots.fewshotSplit}`] : files[task] ?? (isText ? files['*text'] : undefined);
    if (file) {
      const bytes = await readBytes(file);
      if (isText) return arraySource(basename(file), [{ text: bytes.toString('utf8') }], sha256(bytes));
      return arraySource(basename(file), parseRows(bytes.toString('utf8'), file, entry.schema), sha256(bytes));
    }
    if (split === 'fewshot') {
      throw new Error(`${task} ${'with shots'} needs its ${entry.shots.fewshotSplit} split: pass --data ${task}:fewshot=FILE (or --shots 0)`);
    }
    if (isText) {
      const text = await model.heldOutText();
      return arraySource('quantlab_heldout', [{ text }], sha256(text));
    }
    if (entry.embedded) {
      const path = join(EMBEDDED_DIR, `${entry.embedded}.jsonl`);
      const bytes = await readBytes(path);
      return arraySource(entry.embedded, parseRows(bytes.toString('utf8'), path, entry.schema), sha256(bytes));
    }
    throw new Error(`${task} needs its rows: pass --data ${task}=FILE, a JSON-lines file of ${entry.schema} rows (${entry.title})`);
  };
  return {
    rows(task, split) {
      const key = `${task}|${split}`;
      if (!cache.has(key)) cache.set(key, open(task, split));
      return cache.get(key)!;
    },
  };
}
