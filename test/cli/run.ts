/** Helpers of the command-line tests: the built CLI run as a user runs it, and model folders to break. */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODEL_DIR } from '../../src/cli/source';

const BIN = new URL('../../bin/quantlab.mjs', import.meta.url).pathname;

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built command line as a user would (npm test builds it first), in `cwd` when given. */
export function quantlab(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, cwd, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const made: string[] = [];

/** A fresh temporary folder, removed by removeTempDirs. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'quantlab-cli-'));
  made.push(dir);
  return dir;
}

/** Removes every folder tempDir and modelCopy made (each a test file's afterAll). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A copy of the default model that a test may break. */
export function modelCopy(): string {
  const dir = tempDir();
  for (const f of readdirSync(DEFAULT_MODEL_DIR)) copyFileSync(join(DEFAULT_MODEL_DIR, f), join(dir, f));
  return dir;
}

interface Header {
  [name: string]: { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>;
}

/** The shard of a model folder that holds `tensor`, by the folder's index. */
export function shardOf(dir: string, tensor: string): string {
  const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
  return join(dir, index.weight_map[tensor]);
}

function readShard(path: string): { header: Header; data: Uint8Array } {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Header, data: bytes.subarray(8 + length) };
}

/** Rewrites a shard with its header changed by `edit` and its data as they were (or as `editData` leaves them). */
export function rewriteShard(path: string, edit: (header: Header) => void, editData: (data: Uint8Array, header: Header) => void = () => {}): void {
  const { header, data } = readShard(path);
  edit(header);
  editData(data, header);
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += ' ';
  const head = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + head.length + data.length);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  Buffer.from(data.buffer, data.byteOffset, data.length).copy(out, 8 + head.length);
  writeFileSync(path, out);
}

/** Writes half-precision bits over the values at `indices` of an F16 tensor of a model folder, cycling through `f16`. */
export function plantF16(dir: string, tensor: string, indices: number[], f16: number[]): void {
  rewriteShard(
    shardOf(dir, tensor),
    () => {},
    (data, header) => {
      const entry = header[tensor] as { dtype: string; data_offsets: [number, number] };
      if (entry.dtype !== 'F16') throw new Error(`${tensor} is ${entry.dtype}, not F16`);
      const view = new DataView(data.buffer, data.byteOffset, data.length);
      indices.forEach((i, k) => view.setUint16(entry.data_offsets[0] + 2 * i, f16[k % f16.length], true));
    },
  );
}
