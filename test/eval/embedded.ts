/** The lab's own datasets (public/datasets/, made by the data scripts) and the default model's held-out text, as RowSources. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEFAULT_MODEL_DIR } from '../../src/cli/source';
import type { RowSource } from '../../src/data/schemas';
import { arraySource } from './rows';

const PUBLIC = new URL('../../public/', import.meta.url).pathname;

function fileSource(name: string, path: string, parse: (text: string) => unknown[]): RowSource<unknown> {
  const bytes = readFileSync(path);
  return arraySource(name, parse(bytes.toString('utf8')), 64, createHash('sha256').update(bytes).digest('hex'));
}

export function embeddedSource(task: string): RowSource<unknown> {
  if (task === 'perplexity' || task === 'kl-divergence' || task === 'speed') {
    return fileSource('quantlab_heldout', `${DEFAULT_MODEL_DIR}/heldout.txt`, (text) => [{ text }]);
  }
  const jsonl = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  if (task === 'quantlab_lastword' || task === 'quantlab_continuation') return fileSource(task, `${PUBLIC}datasets/${task}.jsonl`, jsonl);
  throw new Error(`no embedded dataset for ${task}`);
}
