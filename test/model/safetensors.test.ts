import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/model/errors';
import { ModelFiles } from '../../src/model/files';
import { readHeader, WeightStore } from '../../src/model/safetensors';
import { f16BitsToF32, f32BitsToF16Bits } from '../../src/quant/f16';
import { memFile, memFiles, rawSafetensors, safetensors, spyFile, syntheticModel } from './synthetic';

const f32Bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
const bytesOf = (a: Float32Array | Uint16Array) => new Uint8Array(a.buffer.slice(0));

async function storeOf(bytes: Uint8Array): Promise<WeightStore> {
  return WeightStore.open(memFiles(new Map([['model.safetensors', bytes]])));
}

describe('f32 -> f16 conversion', () => {
  it('keeps every half value and rounds midpoints to even, exhaustively', () => {
    // Mismatches are collected rather than asserted one by one: 190 000 expects would dominate the suite's time.
    const wrong: string[] = [];
    const check = (bits: number, want: number) => {
      const got = f32BitsToF16Bits(bits);
      if (got !== want) wrong.push(`f32 0x${(bits >>> 0).toString(16)} -> 0x${got.toString(16)}, want 0x${want.toString(16)}`);
    };
    for (let h = 0; h < 0x7c00; h++) {
      const v = f16BitsToF32(h);
      check(f32Bits(v), h);
      check(f32Bits(-v), h | 0x8000);
      if (h === 0x7bff) continue;
      // The midpoint to the next half value needs 12 significant bits, so it is exact in f32.
      const mid = f32Bits((v + f16BitsToF32(h + 1)) / 2);
      check(mid, h % 2 === 0 ? h : h + 1);
      check(mid + 1, h + 1);
      check(mid - 1, h);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('overflows to infinity, underflows to signed zero and keeps NaN', () => {
    expect(f32BitsToF16Bits(f32Bits(65504))).toBe(0x7bff);
    expect(f32BitsToF16Bits(f32Bits(65519.99))).toBe(0x7bff);
    expect(f32BitsToF16Bits(f32Bits(65520))).toBe(0x7c00); // the tie rounds to even, which is infinity
    expect(f32BitsToF16Bits(f32Bits(1e6))).toBe(0x7c00);
    expect(f32BitsToF16Bits(f32Bits(-1e30))).toBe(0xfc00);
    expect(f32BitsToF16Bits(f32Bits(Infinity))).toBe(0x7c00);
    expect(f32BitsToF16Bits(f32Bits(2 ** -26))).toBe(0); // a quarter of the smallest subnormal
    expect(f32BitsToF16Bits(f32Bits(2 ** -25))).toBe(0); // exactly half of it: ties to even zero
    expect(f32BitsToF16Bits(f32Bits(2 ** -25 * 1.0001))).toBe(1);
    expect(f32BitsToF16Bits(f32Bits(-1e-30))).toBe(0x8000);
    expect(f32BitsToF16Bits(1)).toBe(0); // an f32 subnormal
    const nan = f32BitsToF16Bits(f32Bits(NaN));
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
    expect(f16BitsToF32(0x7c00)).toBe(Infinity);
    expect(f16BitsToF32(0x0001)).toBe(2 ** -24);
    expect(f16BitsToF32(0xc000)).toBe(-2);
  });
});

describe('WeightStore on one file', () => {
  const f32 = new Float32Array([1, -2.5, 3.14159, 65520, 1e-8, -0, 0.1, 7]);
  const f16 = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x3555]);
  const bf16 = new Uint16Array([0x3f80, 0xc020, 0x4049, 0x0000, 0x7f80, 0x3dcd]);
  const bytes = safetensors([
    { name: 'a', dtype: 'F32', shape: [2, 4], data: bytesOf(f32) },
    { name: 'b', dtype: 'F16', shape: [3, 2], data: bytesOf(f16) },
    { name: 'c', dtype: 'BF16', shape: [6], data: bytesOf(bf16) },
    { name: 'empty', dtype: 'F32', shape: [0, 4] },
  ]);

  it('reports info and reads each dtype as f32 and f16', async () => {
    const store = await storeOf(bytes);
    expect(store.names().sort()).toEqual(['a', 'b', 'c', 'empty']);
    expect(store.has('a')).toBe(true);
    expect(store.has('z')).toBe(false);
    expect(store.info('a')).toEqual({ dtype: 'F32', shape: [2, 4] });
    expect(store.info('c')).toEqual({ dtype: 'BF16', shape: [6] });
    expect(await store.readF32('a')).toEqual(f32);
    expect([...(await store.readF16('a'))]).toEqual([...f32].map((x) => f32BitsToF16Bits(f32Bits(x))));
    expect((await store.readF16('a'))[3]).toBe(0x7c00);
    expect(await store.readF16('b')).toEqual(f16);
    expect([...(await store.readF32('b'))]).toEqual([1, -2, 65504, 2 ** -24, -0, f16BitsToF32(0x3555)]);
    expect([...(await store.readF32('c'))]).toEqual([1, -2.5, 3.140625, 0, Infinity, new Float32Array([0.10009765625])[0]]);
    expect([...(await store.readF16('c'))]).toEqual([0x3c00, 0xc100, 0x4248, 0, 0x7c00, f32BitsToF16Bits(0x3dcd0000)]);
    expect((await store.readF32('empty')).length).toBe(0);
    await expect(store.readF32('z')).rejects.toThrow('the weights have no tensor z');
  });

  it('reads the header and each tensor range only', async () => {
    const spy = spyFile(memFile('model.safetensors', bytes));
    const store = await WeightStore.open(new ModelFiles('m', [spy.file]));
    const headerEnd = 8 + new DataView(bytes.buffer).getUint32(0, true);
    expect(spy.reads).toEqual([[0, 8], [8, headerEnd]]);
    spy.reads.length = 0;
    await store.readF16('b');
    expect(spy.reads).toEqual([[headerEnd + 32, headerEnd + 44]]);
  });

  it('streams a large tensor in bounded chunks', async () => {
    const n = 4_500_000; // 18 MB of f32: two reads
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = (i % 1000) - 500.25;
    const spy = spyFile(memFile('model.safetensors', safetensors([{ name: 'big', dtype: 'F32', shape: [n], data: bytesOf(values) }])));
    const store = await WeightStore.open(new ModelFiles('m', [spy.file]));
    spy.reads.length = 0;
    const half = await store.readF16('big');
    expect(spy.reads.length).toBe(2);
    expect(Math.max(...spy.reads.map(([a, b]) => b - a))).toBeLessThanOrEqual(16 << 20);
    for (const i of [0, 1, 4_194_303, 4_194_304, n - 1]) expect(half[i]).toBe(f32BitsToF16Bits(f32Bits(values[i])));
    expect((await store.readF32('big'))[n - 1]).toBe(values[n - 1]);
  });
});

describe('safetensors header checks', () => {
  const good = { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] };
  const open = (bytes: Uint8Array, name = 'model.safetensors') => readHeader(memFile(name, bytes));

  it('refuses files too small, with an absurd header length, or a header past the end', async () => {
    await expect(open(new Uint8Array(5))).rejects.toThrow('model.safetensors is not a safetensors file: it has only 5 bytes');
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setUint32(4, 1, true);
    await expect(open(huge)).rejects.toThrow('its first 8 bytes give a header of 4294967296 bytes');
    const cut = rawSafetensors({ a: good }, new Uint8Array(8)).slice(0, 20);
    await expect(open(cut)).rejects.toThrow(/model.safetensors is truncated: its header ends at byte \d+ but the file has 20 bytes/);
  });

  it('refuses a header that is not JSON or not an object', async () => {
    const text = new TextEncoder().encode('{"a": [1,');
    const bytes = new Uint8Array(8 + text.length);
    new DataView(bytes.buffer).setUint32(0, text.length, true);
    bytes.set(text, 8);
    await expect(open(bytes)).rejects.toThrow(/model.safetensors has a corrupt header \(/);
    await expect(open(rawSafetensors([1, 2], new Uint8Array()))).rejects.toThrow('corrupt header: it is not a JSON object');
  });

  it('names the tensor and dtype it cannot read', async () => {
    const bytes = safetensors([
      { name: 'ok', dtype: 'F16', shape: [2] },
      { name: 'model.layers.0.mlp.up_proj.qweight', dtype: 'I8', shape: [4] },
    ]);
    await expect(open(bytes)).rejects.toThrow(
      'model.safetensors: tensor model.layers.0.mlp.up_proj.qweight has dtype I8; QuantLab reads F32, F16 and BF16 weights',
    );
  });

  it('refuses malformed entries, sizes that disagree with the shape, and overlaps', async () => {
    await expect(open(rawSafetensors({ a: { dtype: 'F16', shape: [2, -1], data_offsets: [0, 8] } }, new Uint8Array(8)))).rejects.toThrow(
      /tensor a has a bad header entry \(shape\[1\]: /,
    );
    await expect(open(rawSafetensors({ a: { dtype: 'F16', shape: [2, 2] } }, new Uint8Array(8)))).rejects.toThrow(
      /tensor a has a bad header entry \(data_offsets: /,
    );
    await expect(open(rawSafetensors({ a: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 8] } }, new Uint8Array(8)))).rejects.toThrow(
      'model.safetensors: tensor a (F16 [2, 3]) needs 12 bytes but its data_offsets [0, 8] span 8',
    );
    const overlapping = rawSafetensors(
      { a: good, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } },
      new Uint8Array(12),
    );
    await expect(open(overlapping)).rejects.toThrow('model.safetensors: tensors a (bytes 0..8) and b (bytes 4..12) overlap');
  });

  it('catches a truncated file at open time, naming the tensor', async () => {
    const full = safetensors([
      { name: 'first', dtype: 'F32', shape: [4] },
      { name: 'model.norm.weight', dtype: 'F32', shape: [4] },
    ]);
    const cut = full.slice(0, full.length - 3);
    await expect(open(cut, 'model-00002-of-00002.safetensors')).rejects.toThrow(
      `model-00002-of-00002.safetensors is truncated: tensor model.norm.weight ends at byte ${full.length} but the file has ${cut.length} bytes`,
    );
  });
});

describe('sharded weights', () => {
  it('reads tensors across shards as from one file', async () => {
    const one = syntheticModel(undefined, { shards: 1 });
    const three = syntheticModel(undefined, { shards: 3 });
    expect([...three.files.keys()]).toContain('model-00003-of-00003.safetensors');
    const a = await WeightStore.open(memFiles(one.files));
    const b = await WeightStore.open(memFiles(three.files));
    expect(b.names().sort()).toEqual(a.names().sort());
    for (const name of ['model.embed_tokens.weight', 'model.layers.1.mlp.down_proj.weight', 'lm_head.weight']) {
      expect(await b.readF16(name)).toEqual(await a.readF16(name));
    }
  });

  it('names a missing shard, a misplaced tensor and a duplicate', async () => {
    const { files } = syntheticModel(undefined, { shards: 2 });
    const missing = new Map(files);
    missing.delete('model-00002-of-00002.safetensors');
    await expect(WeightStore.open(memFiles(missing))).rejects.toThrow(
      /^model\.safetensors\.index\.json names the shard model-00002-of-00002\.safetensors, which is not among the files: config\.json, /,
    );

    const index = JSON.parse(files.get('model.safetensors.index.json') as string);
    const moved = new Map(files);
    index.weight_map['model.norm.weight'] =
      index.weight_map['model.norm.weight'] === 'model-00001-of-00002.safetensors'
        ? 'model-00002-of-00002.safetensors'
        : 'model-00001-of-00002.safetensors';
    moved.set('model.safetensors.index.json', JSON.stringify(index));
    await expect(WeightStore.open(memFiles(moved))).rejects.toThrow(
      /puts tensor model\.norm\.weight in model-0000\d-of-00002\.safetensors, but it is in model-0000\d-of-00002\.safetensors/,
    );

    const dup = new Map(files);
    dup.set('model-00002-of-00002.safetensors', safetensors([{ name: 'model.norm.weight', dtype: 'F16', shape: [16] }]));
    const dupIndex = { weight_map: { 'model.norm.weight': 'model-00002-of-00002.safetensors', x: 'model-00001-of-00002.safetensors' } };
    dup.set('model.safetensors.index.json', JSON.stringify(dupIndex));
    dup.set('model-00001-of-00002.safetensors', safetensors([{ name: 'model.norm.weight', dtype: 'F16', shape: [16] }]));
    await expect(WeightStore.open(memFiles(dup))).rejects.toThrow(
      'tensor model.norm.weight is in both model-00001-of-00002.safetensors and model-00002-of-00002.safetensors',
    );
  });

  it('refuses a bad index and a folder without weights', async () => {
    const files = (index: string) => memFiles(new Map([['model.safetensors.index.json', index]]));
    await expect(WeightStore.open(files('{'))).rejects.toThrow(/^model\.safetensors\.index\.json is not valid JSON/);
    await expect(WeightStore.open(files('{"weight_map": {"a": 3}}'))).rejects.toThrow(
      /^model\.safetensors\.index\.json is not a safetensors index \(weight_map\.a: /,
    );
    await expect(WeightStore.open(files('{"weight_map": {}}'))).rejects.toThrow('model.safetensors.index.json names no tensors');
    await expect(WeightStore.open(memFiles(new Map([['config.json', '{}']])))).rejects.toThrow(
      'no model.safetensors or model.safetensors.index.json found among the files: config.json',
    );
  });

  it('throws ModelError for all of these', async () => {
    await expect(readHeader(memFile('x.safetensors', new Uint8Array(3)))).rejects.toBeInstanceOf(ModelError);
  });
});
