/**
 * Which format a file is in, from its name and its first bytes, given the dataset it is for
 * (a .csv of MMLU has no header; a .txt of HellaSwag is llama.cpp's). The user can override it.
 */
import type { DataFile } from './files';
import { looksLikeMultipleChoice } from './formats/llamacpp';
import type { FormatId } from './layouts';
import type { RowSchemaName } from './schemas';

export const FORMAT_NAMES: Record<FormatId, string> = {
  jsonl: 'JSON Lines',
  json: 'JSON array',
  csv: 'CSV with a header row',
  'csv-headerless': 'CSV without a header row',
  parquet: 'Parquet',
  text: 'plain text',
  'llama-hellaswag': 'llama.cpp hellaswag text',
  'llama-winogrande': 'llama.cpp winogrande CSV',
  'llama-mc': 'llama.cpp multiple-choice binary',
};

/** A label file beside a dataset (PIQA's valid-labels.lst): one label a line. */
export function isLabelFile(file: DataFile): boolean {
  return /\.lst$/i.test(file.name);
}

export async function detectFormat(file: DataFile, schema: RowSchemaName): Promise<FormatId> {
  const head = await file.slice(0, Math.min(file.size, 4096));
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase() ?? '';
  if (ext === 'parquet' || new TextDecoder().decode(head.subarray(0, 4)) === 'PAR1') return 'parquet';
  if (ext === 'bin' || looksLikeMultipleChoice(head, file.size)) return 'llama-mc';
  const first = new TextDecoder().decode(head).replace(/^\uFEFF/, '').trimStart()[0];
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  if (ext === 'json') return first === '[' ? 'json' : 'jsonl';
  if (ext === 'csv' || ext === 'tsv') {
    if (schema === 'mmlu') return 'csv-headerless';
    if (schema === 'winogrande') return 'llama-winogrande';
    return 'csv';
  }
  if (schema === 'hellaswag') return 'llama-hellaswag';
  if (schema === 'text') return 'text';
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  return 'text';
}
