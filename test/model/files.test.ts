import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/model/errors';
import { filesFromBlobs, ModelFiles, urlFile } from '../../src/model/files';
import { urlModelFiles } from '../../src/model/remote';
import { loadModel } from '../../src/model/load';
import { nodeFile, nodeModelFiles } from '../../src/model/nodeFiles';
import { localServer, memFile, sendBytes, syntheticModel, toBytes } from './synthetic';

const bytes = new Uint8Array(1000).map((_, i) => i * 7);

describe('ModelFiles', () => {
  it('finds files by base name and lists them', () => {
    const files = filesFromBlobs([
      { path: 'quantlab-tiny/config.json', blob: new Blob(['{}']) },
      { path: 'quantlab-tiny/sub/README.md', blob: new Blob(['a']) },
      { path: 'quantlab-tiny/README.md', blob: new Blob(['b']) },
    ]);
    expect(files.name).toBe('quantlab-tiny');
    expect(files.list()).toEqual(['README.md', 'config.json']);
    expect(files.has('config.json')).toBe(true);
    expect(files.get('config.json')?.path).toBe('quantlab-tiny/config.json');
    expect(files.get('nope')).toBeUndefined();
    expect(() => files.require('tokenizer.json')).toThrow('no tokenizer.json found among the files: README.md, config.json');
    expect(() => new ModelFiles('x', []).require('config.json')).toThrow('no config.json found among the files: (none)');
    // A duplicate matters only when its name is asked for.
    expect(() => files.get('README.md')).toThrow(ModelError);
    expect(() => files.get('README.md')).toThrow(
      '2 files are named README.md (quantlab-tiny/sub/README.md, quantlab-tiny/README.md); pick the folder or files of a single model',
    );
  });

  it('takes picked File objects and names loose files "local files"', async () => {
    const files = filesFromBlobs([new File(['{"a":1}'], 'config.json'), new File([bytes], 'model.safetensors')]);
    expect(files.name).toBe('local files');
    expect(await files.require('config.json').text()).toBe('{"a":1}');
    expect(await files.require('model.safetensors').slice(10, 13)).toEqual(bytes.slice(10, 13));
    expect(filesFromBlobs([{ path: 'a\\b\\config.json', blob: new Blob([]) }]).list()).toEqual(['config.json']);
    const dropped = filesFromBlobs([
      { path: '/m/config.json', blob: new Blob([]) },
      { path: '/m/tokenizer.json', blob: new Blob([]) },
    ]);
    expect(dropped.name).toBe('m');
    expect(filesFromBlobs([{ path: 'a/x', blob: new Blob([]) }, { path: 'b/y', blob: new Blob([]) }]).name).toBe('local files');
  });

  it('refuses reads outside the file', async () => {
    const f = memFile('model.safetensors', bytes);
    await expect(f.slice(990, 1001)).rejects.toThrow('cannot read bytes 990..1001 of model.safetensors: the file has 1000 bytes');
    await expect(f.slice(5, 4)).rejects.toThrow(ModelError);
    await expect(f.slice(-1, 4)).rejects.toThrow(ModelError);
    expect(await f.slice(1000, 1000)).toEqual(new Uint8Array());
  });
});

describe('files on disk', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'quantlab-files-'));
    const model = join(dir, 'my-model');
    mkdirSync(model);
    writeFileSync(join(model, 'model.safetensors'), bytes);
    writeFileSync(join(dir, 'config.json'), '{"x": 1}');
    symlinkSync(join(dir, 'config.json'), join(model, 'config.json')); // as in a Hugging Face cache snapshot
    mkdirSync(join(model, 'subfolder'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists a folder (following links, skipping subfolders) and reads ranges', async () => {
    const files = await nodeModelFiles(join(dir, 'my-model'));
    expect(files.name).toBe('my-model');
    expect(files.list()).toEqual(['config.json', 'model.safetensors']);
    const f = files.require('model.safetensors');
    expect(f.size).toBe(1000);
    expect(await f.slice(0, 4)).toEqual(bytes.slice(0, 4));
    expect(await f.slice(600, 1000)).toEqual(bytes.slice(600));
    await expect(f.slice(0, 1001)).rejects.toThrow('cannot read bytes 0..1001 of model.safetensors');
    expect(await files.require('config.json').text()).toBe('{"x": 1}');
  });

  it('takes a list of files, and says when a path is missing', async () => {
    const files = await nodeModelFiles([join(dir, 'my-model/model.safetensors'), join(dir, 'config.json')]);
    expect(files.name).toBe('local files');
    expect((await nodeModelFiles([join(dir, 'config.json')])).name).toBe(dir.split('/').pop());
    await expect(nodeModelFiles(join(dir, 'nope'))).rejects.toThrow(`cannot open ${join(dir, 'nope')}: no such file or folder`);
    await expect(nodeFile(join(dir, 'nope.json'))).rejects.toThrow(`cannot read ${join(dir, 'nope.json')}: no such file`);
    await expect(nodeFile(join(dir, 'my-model/subfolder'))).rejects.toThrow('is not a file');
  });

  it('loads a synthetic model from a folder and reads a tensor', async () => {
    const m = syntheticModel(undefined, { shards: 2 });
    const model = join(dir, 'sharded');
    mkdirSync(model);
    for (const [name, content] of m.files) writeFileSync(join(model, name), toBytes(content));
    const loaded = await loadModel(await nodeModelFiles(model));
    expect(loaded.name).toBe('sharded');
    const name = 'model.layers.1.self_attn.o_proj.weight';
    expect(new Uint8Array((await loaded.weights.readF16(name)).buffer)).toEqual(m.tensors.get(name));
  });
});

describe('files at a URL', () => {
  const model = syntheticModel();
  const serve = (ranges: boolean) =>
    localServer((req, res) => {
      const name = decodeURIComponent(req.url!.replace(/^\/models\/tiny\//, ''));
      const content = model.files.get(name);
      if (name === 'broken') {
        res.writeHead(206, {});
        res.end('x');
      } else if (name === 'fails') {
        res.writeHead(500, {});
        res.end();
      } else if (!content) {
        res.writeHead(404);
        res.end();
      } else sendBytes(req, res, toBytes(content), ranges);
    });

  it('reads a model by Range requests where the server supports them', async () => {
    const server = await serve(true);
    try {
      const files = await urlModelFiles(`${server.url}/models/tiny/`);
      expect(files.name).toBe('tiny');
      expect(files.list()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
      const loaded = await loadModel(files);
      server.requests.length = 0;
      const name = 'model.layers.0.mlp.up_proj.weight';
      expect(new Uint8Array((await loaded.weights.readF16(name)).buffer)).toEqual(model.tensors.get(name));
      expect(server.requests).toEqual(['GET /models/tiny/model.safetensors']); // one ranged read, not the file
    } finally {
      await server.close();
    }
  });

  it('downloads whole files where the server ignores Range', async () => {
    const server = await serve(false);
    try {
      const loaded = await loadModel(await urlModelFiles(`${server.url}/models/tiny`));
      server.requests.length = 0;
      const name = 'model.norm.weight';
      expect(new Uint8Array((await loaded.weights.readF32(name)).buffer).length).toBe(16 * 4);
      expect(server.requests).toEqual([]); // already in memory
    } finally {
      await server.close();
    }
  });

  it('says what went wrong: missing files, HTTP errors, bad ranges, no server', async () => {
    const server = await serve(true);
    try {
      expect(await urlFile(`${server.url}/models/tiny/absent.json`, 'absent.json')).toBeNull();
      await expect(urlFile(`${server.url}/models/tiny/fails`, 'fails')).rejects.toThrow(
        `could not download fails from ${server.url}/models/tiny/fails: HTTP 500 Internal Server Error`,
      );
      await expect(urlFile(`${server.url}/models/tiny/broken`, 'broken')).rejects.toThrow(
        "the server's Content-Range header is missing or invalid",
      );
      await expect(urlModelFiles(`${server.url}/elsewhere/`)).rejects.toThrow(
        `no config.json at ${server.url}/elsewhere/: is it a model's folder or repository?`,
      );
    } finally {
      await server.close();
    }
    await expect(urlModelFiles(`${server.url}/models/tiny/`)).rejects.toThrow(
      new RegExp(`^could not download config\\.json from ${server.url}/models/tiny/config\\.json: network failure`),
    );
  });

  it('notices a file that changed on the server between reads', async () => {
    let content = new Uint8Array(100);
    const server = await localServer((req, res) => sendBytes(req, res, content, true));
    try {
      const f = await urlFile(`${server.url}/x.bin`, 'x.bin');
      content = new Uint8Array(120);
      await expect(f!.slice(0, 10)).rejects.toThrow('x.bin changed on the server while QuantLab was reading it');
    } finally {
      await server.close();
    }
  });

  it('gives an empty file size 0', async () => {
    const server = await localServer((req, res) => sendBytes(req, res, new Uint8Array(), true));
    try {
      expect((await urlFile(`${server.url}/empty`, 'empty'))?.size).toBe(0);
    } finally {
      await server.close();
    }
  });
});
