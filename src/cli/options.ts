/**
 * Checks of the command line's inputs, each a small function the commands share: numbers,
 * preset lists, what --model names, and text files to score. Every refusal says what is
 * wrong with which input.
 */
import { InvalidArgumentError } from 'commander';
import { readFile } from 'node:fs/promises';
import { decodeUtf8Strict } from '../data/utf8';
import type { Preset } from '../quant/preset';
import { parsePreset } from '../quant/presets';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a whole number above 0, got "${value}"`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number, 0 or more, got "${value}"`);
  return n;
}

/** `--shard i/n`: this process runs the cells whose index modulo n is i (0-based, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX count). */
export function shard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new InvalidArgumentError(`expected i/n with 0 <= i < n (e.g. 0/4), got "${value}"`);
  return { index, count };
}

/** `--data task=FILE` (repeatable); a bare FILE stands for every text task (perplexity, kl-divergence, speed). */
export function dataFile(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq > 0 && !value.slice(0, eq).includes('/')) return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
  if (eq === 0 || value === '') throw new InvalidArgumentError(`expected TASK=FILE (e.g. piqa=valid.jsonl) or a text FILE, got "${value}"`);
  return { ...previous, '*text': value };
}

/** A --preset value: names separated by commas. A list that names none is refused. */
export function presetList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) {
    throw new InvalidArgumentError('it names no preset: write one or more preset names separated by commas (e.g. fp16,w4g128)');
  }
  return names;
}

/**
 * The presets `names` stand for, each once, in the order first named: two spellings of one
 * preset (w4 and w4g128, kv4+w4 and w4+kv4) are the same preset. Each repeat left out is
 * reported through `note`. Throws PresetError for a name that is not a preset.
 */
export function uniquePresets(names: readonly string[], note: (text: string) => void = () => {}): Preset[] {
  const firstSpelling = new Map<string, string>();
  const presets: Preset[] = [];
  for (const name of names) {
    const preset = parsePreset(name);
    const first = firstSpelling.get(preset.name);
    if (first === undefined) {
      firstSpelling.set(preset.name, name);
      presets.push(preset);
    } else if (first === name) {
      note(`preset ${name} is named twice: it runs once`);
    } else {
      note(`presets ${first} and ${name} are both ${preset.name}: it runs once`);
    }
  }
  return presets;
}

/** What a --model value names; `path` is only looked at where it exists. */
export type ModelSpec = { kind: 'default' } | { kind: 'folder'; path: string } | { kind: 'hub'; id: string } | { kind: 'missing'; path: string };

const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * "default"; a path that exists; a Hugging Face repo, written owner/name or as a URL; anything
 * else names a folder that is not there (it starts with . / ~, or has no slash or more than one).
 */
export function classifyModelSpec(spec: string, resolved: string, exists: boolean): ModelSpec {
  if (spec === 'default') return { kind: 'default' };
  if (exists) return { kind: 'folder', path: resolved };
  if (/^https?:\/\//i.test(spec.trim()) || HUB_ID.test(spec.trim())) return { kind: 'hub', id: spec.trim() };
  return { kind: 'missing', path: resolved };
}

/** The message for a --model folder that does not exist. */
export function missingModelMessage(spec: string, path: string): string {
  return (
    `there is no folder ${path} (--model ${spec}): --model takes a model folder, "default", "quantlab-mini", ` +
    'or a Hugging Face model written owner/name (e.g. Qwen/Qwen2.5-0.5B)'
  );
}

function readFailure(label: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return `${label}: no such file`;
  if (error.code === 'EISDIR') return `${label} is a folder, not a text file`;
  if (error.code === 'EACCES' || error.code === 'EPERM') return `${label} cannot be read: permission denied`;
  return `${label} cannot be read: ${error.message}`;
}

/**
 * A text file's contents, which must be UTF-8: a folder, a missing or unreadable file, or bytes
 * that are not UTF-8 are refused, naming the file (after `option`, e.g. "--data", when given).
 */
export async function readTextFile(path: string, option?: string): Promise<string> {
  const label = option ? `${option} ${path}` : path;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(readFailure(label, error as NodeJS.ErrnoException), { cause: error });
  }
  return decodeUtf8Strict(bytes, path);
}
