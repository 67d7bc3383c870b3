/**
 * Damaged and mismatched model folders through the command line: each is refused before any
 * result, with exit code 1, a message naming the file or tensor on stderr and nothing on stdout.
 */
import { readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelCopy, plantF16, quantlab, removeTempDirs, rewriteShard, shardOf } from './run';

const EVAL = ['eval', '--ctx', '64', '--limit', '1', '--json'];

async function refused(dir: string): Promise<string> {
  const { code, stdout, stderr } = await quantlab([...EVAL, '--model', dir]);
  expect(code, stderr).toBe(1);
  expect(stdout).toBe('');
  return stderr;
}

type Entry = { dtype: string; shape: number[]; data_offsets: [number, number] };

afterAll(removeTempDirs);

describe('quantlab eval on a damaged model folder', () => {
  it('refuses weights holding NaN or infinity, naming the tensor and the count', async () => {
    const dir = modelCopy();
    // f16 NaN, +inf and -inf at twelve places.
    const places = [0, 1, 2, 100, 5000, 70_000, 100_000, 300_000, 500_000, 600_000, 700_000, 720_895];
    plantF16(dir, 'model.layers.3.mlp.up_proj.weight', places, [0x7e00, 0x7c00, 0xfc00]);
    const stderr = await refused(dir);
    expect(stderr).toContain(
      'quantlab: model.layers.3.mlp.up_proj.weight holds 12 values that are not finite numbers (NaN or infinity): the file is damaged.\n',
    );
  });

  it('refuses a shard whose header runs past the end of the file', async () => {
    const dir = modelCopy();
    const shard = shardOf(dir, 'model.layers.1.mlp.up_proj.weight');
    truncateSync(shard, 1000);
    expect(await refused(dir)).toMatch(/quantlab: model-00002-of-00004\.safetensors is truncated: its header ends at byte \d+ but the file has 1000 bytes/);
  });

  it('refuses a tensor whose bytes lie past the end of the file', async () => {
    const dir = modelCopy();
    rewriteShard(shardOf(dir, 'model.layers.1.mlp.up_proj.weight'), (header) => {
      const entry = header['model.layers.1.mlp.up_proj.weight'] as Entry;
      entry.data_offsets = [entry.data_offsets[0] + 50_000_000, entry.data_offsets[1] + 50_000_000];
    });
    expect(await refused(dir)).toMatch(/quantlab: model-00002-of-00004\.safetensors is truncated: tensor model\.layers\.1\.mlp\.up_proj\.weight ends at byte \d+ but the file has \d+ bytes/);
  });

  it('refuses a dtype it does not read, naming the tensor', async () => {
    const dir = modelCopy();
    rewriteShard(shardOf(dir, 'model.layers.2.self_attn.q_proj.weight'), (header) => {
      (header['model.layers.2.self_attn.q_proj.weight'] as Entry).dtype = 'I16';
    });
    expect(await refused(dir)).toMatch(/quantlab: model-\d+-of-00004\.safetensors: tensor model\.layers\.2\.self_attn\.q_proj\.weight has dtype I16; QuantLab reads F32, F16 and BF16 weights/);
  });

  it("refuses a tensor whose shape disagrees with config.json", async () => {
    const dir = modelCopy();
    rewriteShard(shardOf(dir, 'model.layers.2.mlp.down_proj.weight'), (header) => {
      (header['model.layers.2.mlp.down_proj.weight'] as Entry).shape = [1408, 512];
    });
    expect(await refused(dir)).toContain('quantlab: model.layers.2.mlp.down_proj.weight has shape [1408, 512] but config.json implies [512, 1408]');
  });

  it('names the tensor of a truncated safetensors shard', async () => {
    const dir = modelCopy();
    truncateSync(join(dir, 'model-00004-of-00004.safetensors'), 1_000_000);
    expect(await refused(dir)).toMatch(/quantlab: model-00004-of-00004\.safetensors is truncated: tensor .* ends at byte \d+ but the file has 1000000 bytes/);
  });

  it('refuses an architecture it does not run', async () => {
    const dir = modelCopy();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }));
    expect(await refused(dir)).toMatch(/QuantLab runs Llama-family models .*gpt2/);
  });

  it('says the tokenizer is missing', async () => {
    const dir = modelCopy();
    unlinkSync(join(dir, 'tokenizer.json'));
    expect(await refused(dir)).toMatch(/tokenizer\.json/);
  });
});
