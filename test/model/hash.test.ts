/**
 * The model sha256: the sha256 of the `sha256sum` listing of the weight files, streamed in
 * slices, with the Hub's stated LFS sha256 used instead of reading a file.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR } from '../../src/cli/source';
import { ModelFiles } from '../../src/model/files';
import { HASH_SLICE_BYTES, hubLfsSha256, modelSha256 } from '../../src/model/hash';
import { nodeModelFiles } from '../../src/model/nodeFiles';
import { localServer, memFile, spyFile } from './synthetic';

const hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

describe('model sha256', () => {
  it("is sha256 of the default model's `sha256sum *.safetensors` listing, each file read in slices", async () => {
    const names = readdirSync(DEFAULT_MODEL_DIR).filter((n) => n.endsWith('.safetensors')).sort();
    const listing = names.map((n) => `${hex(readFileSync(join(DEFAULT_MODEL_DIR, n)))}  ${n}\n`).join('');
    const files = await nodeModelFiles(DEFAULT_MODEL_DIR);
    const spies = files.list().map((n) => (n.endsWith('.safetensors') ? spyFile(files.require(n)) : { file: files.require(n), reads: [] }));
    const seen: number[] = [];
    const got = await modelSha256(new ModelFiles(files.name, spies.map((s) => s.file)), { onProgress: (p) => seen.push(p.bytesDone) });
    expect(got).toBe(hex(listing));
    const reads = spies.flatMap((s) => s.reads);
    expect(Math.max(...reads.map(([a, b]) => b - a))).toBeLessThanOrEqual(HASH_SLICE_BYTES);
    expect(seen[seen.length - 1]).toBe(names.reduce((a, n) => a + readFileSync(join(DEFAULT_MODEL_DIR, n)).length, 0));
  });

  it("takes a file's stated sha256 without reading it, from the Hub's tree API", async () => {
    const data = new Uint8Array([1, 2, 3]);
    const shaB = hex('the other shard');
    const server = await localServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify([
          { type: 'file', path: 'config.json', size: 10, oid: 'f'.repeat(40) },
          { type: 'file', path: 'model-2.safetensors', size: 15, oid: 'a'.repeat(40), lfs: { oid: shaB, size: 15, pointerSize: 130 } },
        ]),
      );
    });
    try {
      const stated = await hubLfsSha256('owner/name', 'main', { hubUrl: server.url });
      expect(server.requests).toEqual(['GET /api/models/owner/name/tree/main']);
      expect([...stated]).toEqual([['model-2.safetensors', shaB]]);
      const unread = { ...memFile('model-2.safetensors', 'x'.repeat(15)), slice: async () => { throw new Error('read'); } };
      const files = new ModelFiles('m', [memFile('model-1.safetensors', data), unread, memFile('config.json', '{}')]);
      expect(await modelSha256(files, { stated })).toBe(hex(`${hex(data)}  model-1.safetensors\n${shaB}  model-2.safetensors\n`));
    } finally {
      await server.close();
    }
    expect(await hubLfsSha256('owner/name', 'main', { hubUrl: 'http://127.0.0.1:9' })).toEqual(new Map());
  });
});
