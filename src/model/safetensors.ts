/**
 * safetensors: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the data. Only the header is
 * read at open time, and it is checked against the file's size there, so a
 * truncated download fails when it is opened, not halfway through an upload.
 * Tensors are read one at a time, in chunks, converted to the 16- or 32-bit
 * floats the engine uploads.
 */
import { z } from 'zod';
import { issuePath, ModelError } from './errors';
import { baseName, type ModelFile, type ModelFiles } from './files';
import { f16BitsToF32, f32BitsToF16Bits } from '../quant/f16';

export type Dtype = 'F32' | 'F16' | 'BF16';
const DTYPE_BYTES: Record<Dtype, number> = { F32: 4, F16: 2, BF16: 2 };

export interface TensorInfo {
  dtype: Dtype;
  shape: number[];
}

interface TensorEntry extends TensorInfo {
  file: ModelFile;
  /** Absolute byte offsets in the file. */
  start: number;
  end: number;
}

/** The format's own reference implementation refuses headers above 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;
/** Bytes read per request while streaming a tensor: big enough to amortise a read, small next to any GPU upload. */
const CHUNK_BYTES = 16 << 20;

const entrySchema = z.object({
  dtype: z.string(),
  shape: z.array(z.int().nonnegative()),
  data_offsets: z.tuple([z.int().nonnegative(), z.int().nonnegative()]),
});

/** Reads and checks the header of one safetensors file (see the module comment). */
export async function readHeader(file: ModelFile): Promise<Map<string, TensorEntry>> {
  if (file.size < 8) throw new ModelError(`${file.name} is not a safetensors file: it has only ${file.size} bytes`);
  const prefix = new DataView((await file.slice(0, 8)).slice().buffer);
  const headerBytes = prefix.getUint32(4, true) * 2 ** 32 + prefix.getUint32(0, true);
  if (headerBytes > MAX_HEADER_BYTES) {
    throw new ModelError(`${file.name} is not a safetensors file: its first 8 bytes give a header of ${headerBytes} bytes`);
  }
  if (8 + headerBytes > file.size) {
    throw new ModelError(`${file.name} is truncated: its header ends at byte ${8 + headerBytes} but the file has ${file.size} bytes`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await file.slice(8, 8 + headerBytes)));
  } catch (e) {
    throw new ModelError(`${file.name} has a corrupt header (${(e as Error).message})`, { cause: e });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new ModelError(`${file.name} has a corrupt header: it is not a JSON object`);
  }
  const dataStart = 8 + headerBytes;
  const tensors = new Map<string, TensorEntry>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ModelError(`${file.name}: tensor ${name} has a bad header entry (${issuePath(issue.path) || 'entry'}: ${issue.message})`);
    }
    const { dtype, shape, data_offsets: [begin, end] } = parsed.data;
    if (!(dtype in DTYPE_BYTES)) {
      throw new ModelError(`${file.name}: tensor ${name} has dtype ${dtype}; QuantLab reads F32, F16 and BF16 weights`);
    }
    const bytes = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype as Dtype];
    if (end - begin !== bytes) {
      throw new ModelError(
        `${file.name}: tensor ${name} (${dtype} [${shape.join(', ')}]) needs ${bytes} bytes but its data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    tensors.set(name, { dtype: dtype as Dtype, shape, file, start: dataStart + begin, end: dataStart + end });
  }
  // In file order, each tensor must start where or after the previous one ends
  // and end within the file; empty tensors occupy no bytes and cannot overlap.
  const ordered = [...tensors.entries()].filter(([, t]) => t.end > t.start).sort((a, b) => a[1].start - b[1].start);
  for (let i = 0; i < ordered.length; i++) {
    const [name, t] = ordered[i];
    if (i > 0 && t.start < ordered[i - 1][1].end) {
      const [prevName, prev] = ordered[i - 1];
      throw new ModelError(
        `${file.name}: tensors ${prevName} (bytes ${prev.start - dataStart}..${prev.end - dataStart}) and ${name} (bytes ${t.start - dataStart}..${t.end - dataStart}) overlap`,
      );
    }
    if (t.end > file.size) {
      throw new ModelError(`${file.name} is truncated: tensor ${name} ends at byte ${t.end} but the file has ${file.size} bytes`);
    }
  }
  return tensors;
}

export interface SafetensorsIndex {
  /** Tensor name -> shard base name. */
  weightMap: Map<string, string>;
  /** The shards' base names, sorted. */
  shards: string[];
}

const indexSchema = z.object({ weight_map: z.record(z.string(), z.string()) });

/** Parses model.safetensors.index.json, which maps each tensor to its shard. */
export function parseIndex(text: string, fileName: string): SafetensorsIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelError(`${fileName} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  const parsed = indexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelError(`${fileName} is not a safetensors index (${issuePath(issue.path) || 'file'}: ${issue.message})`);
  }
  const weightMap = new Map(Object.entries(parsed.data.weight_map).map(([t, shard]) => [t, baseName(shard)]));
  if (weightMap.size === 0) throw new ModelError(`${fileName} names no tensors`);
  return { weightMap, shards: [...new Set(weightMap.values())].sort() };
}

/** The model's tensors across one safetensors file or the shards of an index; reads one tensor at a time. */
export class WeightStore {
  private constructor(private readonly tensors: Map<string, TensorEntry>) {}

  static async open(files: ModelFiles): Promise<WeightStore> {
    const indexFile = files.get('model.safetensors.index.json');
    if (!indexFile) {
      if (!files.has('model.safetensors')) {
        throw new ModelError(
          `no model.safetensors or model.safetensors.index.json found among the files: ${files.list().join(', ')}`,
        );
      }
      return new WeightStore(await readHeader(files.require('model.safetensors')));
    }
    const index = parseIndex(await indexFile.text(), indexFile.name);
    const shards = index.shards.map((shard) => {
      const file = files.get(shard);
      if (!file) {
        throw new ModelError(`${indexFile.name} names the shard ${shard}, which is not among the files: ${files.list().join(', ')}`);
      }
      return file;
    });
    const tensors = new Map<string, TensorEntry>();
    for (const header of await Promise.all(shards.map(readHeader))) {
      for (const [name, t] of header) {
        const other = tensors.get(name);
        if (other) throw new ModelError(`tensor ${name} is in both ${other.file.name} and ${t.file.name}`);
        tensors.set(name, t);
      }
    }
    for (const [name, shard] of index.weightMap) {
      const t = tensors.get(name);
      if (t?.file.name !== shard) {
        throw new ModelError(
          `${indexFile.name} puts tensor ${name} in ${shard}, but ${t ? `it is in ${t.file.name}` : 'no shard holds it'}`,
        );
      }
    }
    return new WeightStore(tensors);
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const { dtype, shape } = this.entry(name);
    return { dtype, shape: [...shape] };
  }

  /** The tensor as IEEE half-precision bits; F32 and BF16 are rounded to nearest even, overflow gives ±inf. */
  async readF16(name: string): Promise<Uint16Array> {
    const t = this.entry(name);
    const out = new Uint16Array(elements(t));
    let at = 0;
    for await (const chunk of this.chunks(name, t)) {
      if (t.dtype === 'F16') {
        new Uint8Array(out.buffer).set(chunk, at * 2);
        at += chunk.length / 2;
      } else if (t.dtype === 'F32') {
        const src = new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length / 4);
        for (let i = 0; i < src.length; i++) out[at++] = f32BitsToF16Bits(src[i]);
      } else {
        const src = new Uint16Array(chunk.buffer, chunk.byteOffset, chunk.length / 2);
        for (let i = 0; i < src.length; i++) out[at++] = f32BitsToF16Bits(src[i] << 16);
      }
    }
    return out;
  }

  /** The tensor as 32-bit floats (exact for all three dtypes). */
  async readF32(name: string): Promise<Float32Array> {
    const t = this.entry(name);
    const out = new Float32Array(elements(t));
    const bits = new Uint32Array(out.buffer);
    let at = 0;
    for await (const chunk of this.chunks(name, t)) {
      if (t.dtype === 'F32') {
        new Uint8Array(out.buffer).set(chunk, at * 4);
        at += chunk.length / 4;
      } else {
        const src = new Uint16Array(chunk.buffer, chunk.byteOffset, chunk.length / 2);
        if (t.dtype === 'F16') for (let i = 0; i < src.length; i++) out[at++] = f16BitsToF32(src[i]);
        else for (let i = 0; i < src.length; i++) bits[at++] = src[i] << 16;
      }
    }
    return out;
  }

  private entry(name: string): TensorEntry {
    const t = this.tensors.get(name);
    if (!t) throw new ModelError(`the weights have no tensor ${name}`);
    return t;
  }

  /**
   * The tensor's bytes in chunks of whole elements, each aligned for a typed
   * array view (typed arrays use the platform's byte order; every platform
   * with WebGPU is little-endian, as safetensors is).
   */
  private async *chunks(name: string, t: TensorEntry): AsyncGenerator<Uint8Array> {
    for (let start = t.start; start < t.end; start += CHUNK_BYTES) {
      const end = Math.min(t.end, start + CHUNK_BYTES);
      const chunk = await t.file.slice(start, end);
      if (chunk.length !== end - start) {
        throw new ModelError(`reading tensor ${name} from ${t.file.name} gave ${chunk.length} bytes instead of ${end - start}`);
      }
      yield chunk.byteOffset % 4 === 0 ? chunk : chunk.slice();
    }
  }
}

function elements(t: TensorEntry): number {
  return (t.end - t.start) / DTYPE_BYTES[t.dtype];
}
