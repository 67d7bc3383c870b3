/** The command line's own inputs: each bad one is refused before the GPU is taken, with a message naming it. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelCopy, quantlab, removeTempDirs, tempDir } from './run';

const EVAL = ['eval', '--ctx', '64', '--limit', '1', '--json'];

async function refused(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await quantlab(args);
  expect(code, stderr).toBe(1);
  expect(stdout).toBe('');
  expect(stderr, 'refused before the GPU is taken').not.toMatch(/GPU:/);
  return stderr;
}

afterAll(removeTempDirs);

describe('quantlab eval input checks', () => {
  it('refuses a preset list that names no preset', async () => {
    for (const list of ['', ',,,']) {
      expect(await refused([...EVAL, '--preset', list])).toMatch(/argument '.*' is invalid\. it names no preset: write one or more preset names separated by commas \(e\.g\. fp16,w4g128\)/);
    }
  });

  it('runs a preset named twice, under one spelling or two, once', async () => {
    const { code, stdout, stderr } = await quantlab([...EVAL, '--preset', 'fp16,FP16,fp16']);
    expect(code, stderr).toBe(0);
    expect(stdout.trim().split('\n').map((line) => JSON.parse(line).preset.name)).toEqual(['fp16']);
    expect(stderr).toContain('presets fp16 and FP16 are both fp16: it runs once');
    expect(stderr).toContain('preset fp16 is named twice: it runs once');
  });

  it('says a model folder that does not exist is missing, not that it is no Hub model', async () => {
    const cwd = tempDir();
    for (const spec of ['./no/such/dir', 'no-such-folder']) {
      const { code, stdout, stderr } = await quantlab([...EVAL, '--model', spec], {}, cwd);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain(`quantlab: there is no folder ${join(cwd, spec)} (--model ${spec}): --model takes a model folder`);
      expect(stderr).not.toMatch(/Hub model:/);
    }
  });

  it('says what is wrong with a --data path: a folder, or no such file', async () => {
    const dir = tempDir();
    expect(await refused([...EVAL, '--data', dir])).toContain(`quantlab: --data ${dir} is a folder, not a text file\n`);
    const missing = join(dir, 'missing.txt');
    expect(await refused([...EVAL, '--data', missing])).toContain(`quantlab: --data ${missing}: no such file\n`);
  });

  it('refuses text that is not UTF-8, naming the file and the byte offset', async () => {
    const dir = tempDir();
    const latin1 = join(dir, 'latin1.txt');
    writeFileSync(latin1, Buffer.concat([Buffer.from('The first line is plain.\nThe caf'), Buffer.from([0xe9]), Buffer.from(' is not.\n')]));
    expect(await refused([...EVAL, '--data', latin1])).toContain(
      `quantlab: ${latin1} is not UTF-8 text: the bytes at offset 32 (line 2: 0xe9 0x20 0x69 0x73) are not a UTF-8 sequence.`,
    );
  });

  it("refuses a model folder's held-out text that is not UTF-8", async () => {
    const dir = modelCopy();
    writeFileSync(join(dir, 'heldout.txt'), Buffer.from([0x61, 0x62, 0x0a, 0xff, 0x63]));
    expect(await refused([...EVAL, '--model', dir])).toContain(`quantlab: ${join(dir, 'heldout.txt')} is not UTF-8 text: the bytes at offset 3 (line 2: 0xff 0x63)`);
  });
});
