/** Builders for the model tests: safetensors bytes written by hand, small configs and tokenizers, a local HTTP server. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blobFile, ModelFiles, type ModelFile } from '../../src/model/files';
import { expectedTensors, parseConfig } from '../../src/model/hfConfig';

export type Dtype = 'F32' | 'F16' | 'BF16' | string;

export interface TensorSpec {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** Raw little-endian bytes; defaults to a deterministic pattern of the right length. */
  data?: Uint8Array;
}

const ELEMENT_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I8: 1, I64: 8 };

export function patternBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Keep every 16-bit word's exponent away from inf/NaN so values stay finite.
    out[i] = i % 2 === 1 ? (s >>> 24) & 0x3b : s >>> 24;
  }
  return out;
}

/** A header (as an object) and data, laid out as the format says: u64 LE length, JSON padded with spaces to 8, data. */
export function rawSafetensors(header: unknown, data: Uint8Array): Uint8Array {
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += ' ';
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

/** A well-formed safetensors file of these tensors, stored in order. */
export function safetensors(tensors: TensorSpec[], metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const parts: Uint8Array[] = [];
  let offset = 0;
  tensors.forEach((t, i) => {
    const n = t.shape.reduce((a, b) => a * b, 1) * (ELEMENT_BYTES[t.dtype] ?? 1);
    const data = t.data ?? patternBytes(n, i + 1);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + data.length] };
    parts.push(data);
    offset += data.length;
  });
  const data = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return rawSafetensors(header, data);
}

export function memFile(name: string, bytes: Uint8Array | string): ModelFile {
  return blobFile(new Blob([typeof bytes === 'string' ? bytes : bytes.slice()]), name);
}

export function memFiles(files: Map<string, Uint8Array | string>, name = 'synthetic'): ModelFiles {
  return new ModelFiles(name, [...files].map(([n, b]) => memFile(n, b)));
}

/** A wrapper that records every slice a reader asks for. */
export function spyFile(file: ModelFile): { file: ModelFile; reads: Array<[number, number]> } {
  const reads: Array<[number, number]> = [];
  return {
    reads,
    file: {
      name: file.name,
      size: file.size,
      slice: (start, end) => {
        reads.push([start, end]);
        return file.slice(start, end);
      },
      text: () => file.text(),
    },
  };
}

/** A small Llama config.json (as JSON); `extra` overrides fields. */
export function llamaConfigJson(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: 16,
    intermediate_size: 24,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    vocab_size: 32,
    max_position_embeddings: 128,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    hidden_act: 'silu',
    tie_word_embeddings: false,
    bos_token_id: 1,
    eos_token_id: 2,
    ...extra,
  };
}

/**
 * A tiny BPE tokenizer.json with a SentencePiece-like Metaspace pre-tokenizer:
 * "hello world" -> ▁hello ▁wo r l d. With `bos`, a TemplateProcessing
 * post-processor puts <s> in front, as Llama 2's does.
 */
export function tinyTokenizerJson(bos: boolean): Record<string, unknown> {
  const tokens = ['<unk>', '<s>', '</s>', '▁', 'h', 'e', 'l', 'o', 'w', 'r', 'd', 'he', 'll', 'hell', 'hello', '▁hello', 'wo', '▁wo'];
  const special = (id: number) => ({
    id,
    content: tokens[id],
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0), special(1), special(2)],
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: bos
      ? {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
          pair: [
            { SpecialToken: { id: '<s>', type_id: 0 } },
            { Sequence: { id: 'A', type_id: 0 } },
            { Sequence: { id: 'B', type_id: 1 } },
          ],
          special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
        }
      : null,
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(tokens.map((t, i) => [t, i])),
      merges: [['h', 'e'], ['l', 'l'], ['he', 'll'], ['hell', 'o'], ['▁', 'hello'], ['w', 'o'], ['▁', 'wo']],
    },
  };
}

export interface SyntheticModel {
  /** File name -> bytes (or text). */
  files: Map<string, Uint8Array | string>;
  /** Tensor name -> the bytes stored for it. */
  tensors: Map<string, Uint8Array>;
}

/**
 * A complete model folder for `configJson`: every expected tensor with
 * patterned data in `dtype`, in one file or spread over `shards` files with an
 * index, plus the tiny tokenizer.
 */
export function syntheticModel(
  configJson: Record<string, unknown> = llamaConfigJson(),
  { dtype = 'F16', shards = 1, bos = true }: { dtype?: Dtype; shards?: number; bos?: boolean } = {},
): SyntheticModel {
  const specs: TensorSpec[] = expectedTensors(parseConfig(configJson)).map(([name, shape], i) => ({
    name,
    dtype,
    shape,
    data: patternBytes(shape.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[dtype], i + 7),
  }));
  const files = new Map<string, Uint8Array | string>([
    ['config.json', JSON.stringify(configJson)],
    ['tokenizer.json', JSON.stringify(tinyTokenizerJson(bos))],
    ['tokenizer_config.json', JSON.stringify({ bos_token: '<s>', eos_token: '</s>', clean_up_tokenization_spaces: false })],
  ]);
  if (shards === 1) {
    files.set('model.safetensors', safetensors(specs));
  } else {
    const weightMap: Record<string, string> = {};
    for (let s = 0; s < shards; s++) {
      const name = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      const mine = specs.filter((_, i) => i % shards === s);
      for (const t of mine) weightMap[t.name] = name;
      files.set(name, safetensors(mine));
    }
    files.set('model.safetensors.index.json', JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  }
  return { files, tensors: new Map(specs.map((t) => [t.name, t.data!])) };
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server on 127.0.0.1 with a free port; requests are logged as "METHOD path". */
export async function localServer(handler: Handler): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Answers with `bytes`, honouring a single `Range: bytes=a-b` when `ranges` is set. */
export function sendBytes(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, ranges: boolean): void {
  const m = ranges ? /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '') : null;
  if (!m) {
    res.writeHead(200, { 'Content-Length': bytes.length, 'Content-Type': 'application/octet-stream' });
    res.end(bytes);
    return;
  }
  const start = Number(m[1]);
  if (start >= bytes.length) {
    res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` });
    res.end();
    return;
  }
  const end = Math.min(Number(m[2]), bytes.length - 1);
  res.writeHead(206, { 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${bytes.length}` });
  res.end(bytes.subarray(start, end + 1));
}

export function toBytes(v: Uint8Array | string): Uint8Array {
  return typeof v === 'string' ? new TextEncoder().encode(v) : v;
}
