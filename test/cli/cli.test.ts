import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR } from '../../src/cli/source';
import { parseRecord } from '../../src/results/record';

const BIN = new URL('../../bin/quantlab.mjs', import.meta.url).pathname;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built command line as a user would (npm test builds it first). */
function quantlab(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A copy of the default model that a test may break. */
function modelCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'quantlab-cli-'));
  for (const f of readdirSync(DEFAULT_MODEL_DIR)) copyFileSync(join(DEFAULT_MODEL_DIR, f), join(dir, f));
  return dir;
}

describe('quantlab command line', () => {
  it('prints one result record with the perplexity', async () => {
    const { code, stdout, stderr } = await quantlab(['eval', '--model', 'default', '--preset', 'w4g128+kv4', '--task', 'perplexity', '--ctx', '64', '--limit', '1', '--json']);
    expect(code, stderr).toBe(0);
    const record = JSON.parse(stdout.trim());
    expect(record.model.name).toBe('quantlab-tiny');
    expect(record.preset.name).toBe('w4g128+kv4');
    expect(record.schema).toBe(2);
    expect(record.task.name).toBe('perplexity');
    expect(record.task.settings).toEqual({ n_ctx: 64 });
    expect(parseRecord(record).ok).toBe(true);
    expect(record.metrics.tokens).toBe(31);
    expect(record.metrics.perplexity).toBeGreaterThan(1);
    expect(record.metrics.bits_per_byte).toBeGreaterThan(0);
    expect(stderr).toMatch(/scoring \[#+\] 1\/1 windows/);
  });

  it('names the tensor of a truncated safetensors shard', async () => {
    const dir = modelCopy();
    const shard = join(dir, 'model-00004-of-00004.safetensors');
    truncateSync(shard, 1_000_000);
    const { code, stderr } = await quantlab(['eval', '--model', dir, '--limit', '1']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/quantlab: model-00004-of-00004\.safetensors is truncated: tensor .* ends at byte \d+ but the file has 1000000 bytes/);
  });

  it('refuses an architecture it does not run', async () => {
    const dir = modelCopy();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }));
    const { code, stderr } = await quantlab(['eval', '--model', dir, '--limit', '1']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/QuantLab runs Llama-family models .*gpt2/);
  });

  it('says the tokenizer is missing', async () => {
    const dir = modelCopy();
    unlinkSync(join(dir, 'tokenizer.json'));
    const { code, stderr } = await quantlab(['eval', '--model', dir, '--limit', '1']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/tokenizer\.json/);
  });

  it('refuses an unknown preset before touching the GPU', async () => {
    const { code, stderr } = await quantlab(['eval', '--preset', 'w5g128', '--limit', '1']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/quantlab: .*5/);
    expect(stderr).not.toMatch(/GPU:/);
  });

  it('explains a machine where WebGPU finds no adapter', async () => {
    const { code, stderr } = await quantlab(['eval', '--limit', '1'], { VK_ICD_FILENAMES: '/nonexistent/icd.json' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/quantlab: WebGPU is present but no GPU adapter was found in Node/);
  });
});
