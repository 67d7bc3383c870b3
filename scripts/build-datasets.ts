/**
 * Builds the datasets that ship with the lab (public/datasets/) from quantlab-tiny's held-out
 * text, deterministically (fixed seed; the same heldout.txt gives the same bytes):
 *
 *   npx vite-node scripts/build-datasets.ts
 *
 * - quantlab_lastword.jsonl (lambada schema): passages of a held-out document that end in a word
 *   already used earlier in the same passage, so that the context points to it (LAMBADA's
 *   selection favours words that need the wider context). Rule: the target is a word of at least
 *   4 letters (letters only, no punctuation attached), not a function word, preceded by a space,
 *   that occurs earlier in the passage (case-insensitively, as a whole word), with at least 20
 *   words of context. Each document is walked from its start: the first such word is the end of
 *   a passage, and the next passage starts at the next sentence after it.
 * - quantlab_continuation.jsonl (continuation schema): a window of a document (24 to 48 words)
 *   as context, and as endings the next 10 words (the true one) and the 10-word endings of 3
 *   other windows from other documents, in random order (label = the true one's place). The
 *   ending follows the context after one space in the document and holds no line break.
 * Both keep the documents' own text (line breaks included) and sample at most MAX_ITEMS items.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROW_SCHEMAS, type ContinuationRow, type LambadaRow } from '../src/data/schemas';

export const SEED = 20261202;
export const MAX_ITEMS = 300;
const MIN_CONTEXT_WORDS = 20;
const ENDING_WORDS = 10;

const FUNCTION_WORDS = new Set(
  'the and that with which from this have been were they their there than then them what when where will would shall should could into upon unto also such some more most other only very over under your yours ours about after before being does done each even ever here hers his its just like made make many much must never once same said says than thee thou thy thine those though through thus till unto until what whom whose while within without yet'.split(
    ' ',
  ),
);

/** mulberry32: a small seeded generator, so the build is the same everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Token {
  text: string;
  at: number;
  end: number;
}

function tokens(doc: string): Token[] {
  return [...doc.matchAll(/\S+/g)].map((m) => ({ text: m[0], at: m.index!, end: m.index! + m[0].length }));
}

/** The held-out text's documents: it separates them with blank lines. */
export function documents(heldout: string): string[] {
  return heldout.split(/\n\s*\n/).map((d) => d.trim()).filter(Boolean);
}

const bare = (word: string) => word.toLowerCase().replace(/^[^a-z]+|[^a-z]+$/g, '');

function sample<T>(items: T[], n: number, random: () => number): T[] {
  if (items.length <= n) return items;
  const index = items.map((_, i) => i);
  for (let i = index.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [index[i], index[j]] = [index[j], index[i]];
  }
  return index.slice(0, n).sort((a, b) => a - b).map((i) => items[i]);
}

export function lastWordRows(heldout: string, random = rng(SEED)): LambadaRow[] {
  const rows: LambadaRow[] = [];
  for (const doc of documents(heldout)) {
    const words = tokens(doc);
    let start = 0;
    while (start < words.length) {
      let end = -1;
      const seen = new Set<string>();
      for (let i = start; i < words.length; i++) {
        const w = words[i].text;
        if (
          i - start >= MIN_CONTEXT_WORDS &&
          /^[A-Za-z]{4,}$/.test(w) &&
          !FUNCTION_WORDS.has(w.toLowerCase()) &&
          seen.has(w.toLowerCase()) &&
          doc[words[i].at - 1] === ' '
        ) {
          end = i;
          break;
        }
        seen.add(bare(w));
      }
      if (end < 0) break;
      rows.push({ text: doc.slice(words[start].at, words[end].end) });
      // The next passage starts at the next sentence.
      start = end + 1;
      while (start < words.length && !/[.!?:;]$/.test(words[start - 1].text)) start++;
    }
  }
  return sample(rows, MAX_ITEMS, random);
}

interface Window {
  doc: number;
  context: string;
  ending: string;
}

export function continuationRows(heldout: string, random = rng(SEED + 1)): ContinuationRow[] {
  const windows: Window[] = [];
  documents(heldout).forEach((doc, d) => {
    const words = tokens(doc);
    let start = 0;
    for (;;) {
      const length = 24 + Math.floor(random() * 25);
      let cut = start + length;
      // The ending must follow the context after one space and hold no line break.
      const fits = (c: number) =>
        c + ENDING_WORDS <= words.length &&
        doc.slice(words[c - 1].end, words[c].at) === ' ' &&
        !doc.slice(words[c].at, words[c + ENDING_WORDS - 1].end).includes('\n');
      while (cut + ENDING_WORDS <= words.length && !fits(cut)) cut++;
      if (cut + ENDING_WORDS > words.length) break;
      windows.push({
        doc: d,
        context: doc.slice(words[start].at, words[cut - 1].end),
        ending: doc.slice(words[cut].at, words[cut + ENDING_WORDS - 1].end),
      });
      start = cut + ENDING_WORDS;
    }
  });
  const chosen = sample(windows, MAX_ITEMS, random);
  return chosen.map((w) => {
    const others = windows.filter((o) => o.doc !== w.doc);
    const distractors: string[] = [];
    while (distractors.length < 3) {
      const o = others[Math.floor(random() * others.length)];
      if (o.ending !== w.ending && !distractors.includes(o.ending)) distractors.push(o.ending);
    }
    const label = Math.floor(random() * 4);
    const endings = [...distractors];
    endings.splice(label, 0, w.ending);
    return { context: w.context, endings, label };
  });
}

export const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

export interface EmbeddedIndexEntry {
  id: string;
  /** The file's path under public/. */
  path: string;
  schema: string;
  rows: number;
  bytes: number;
  sha256: string;
}

const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The built files (by name under public/datasets/) and the index of every shipped dataset, the held-out text included. */
export function buildEmbedded(heldout: string): { files: Record<string, string>; index: EmbeddedIndexEntry[] } {
  const sets = [
    { id: 'quantlab_lastword', schema: 'lambada' as const, rows: lastWordRows(heldout) },
    { id: 'quantlab_continuation', schema: 'continuation' as const, rows: continuationRows(heldout) },
  ];
  const files: Record<string, string> = {};
  const text = Buffer.from(heldout);
  const index: EmbeddedIndexEntry[] = [
    { id: 'quantlab_heldout', path: 'models/quantlab-tiny/heldout.txt', schema: 'text', rows: 1, bytes: text.length, sha256: sha256Hex(text) },
  ];
  for (const set of sets) {
    for (const row of set.rows) ROW_SCHEMAS[set.schema].parse(row);
    const file = `${set.id}.jsonl`;
    const text = jsonl(set.rows);
    files[file] = text;
    const bytes = Buffer.from(text);
    index.push({ id: set.id, path: `datasets/${file}`, schema: set.schema, rows: set.rows.length, bytes: bytes.length, sha256: sha256Hex(bytes) });
  }
  return { files, index };
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HELDOUT = join(root, 'public/models/quantlab-tiny/heldout.txt');
export const OUT_DIR = join(root, 'public/datasets');

// Run as a script (vite-node); a test imports the builder without writing anything.
if (!process.env.VITEST) {
  const { files, index } = buildEmbedded(readFileSync(HELDOUT, 'utf8'));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(OUT_DIR, file), text);
  writeFileSync(join(OUT_DIR, 'index.json'), JSON.stringify(index, null, 2) + '\n');
  for (const e of index) console.log(`${e.path}: ${e.rows} rows, ${e.bytes} bytes, sha256 ${e.sha256}`);
}
