import { describe, expect, it } from 'vitest';
import { classifyModelSpec, presetList, uniquePresets } from '../../src/cli/options';

describe('command-line input checks (src/cli/options.ts)', () => {
  it('refuses a preset list that names no preset', () => {
    for (const value of ['', ' ', ',,,', ' , ']) expect(() => presetList(value), JSON.stringify(value)).toThrow(/it names no preset: write one or more preset names separated by commas/);
    expect(presetList(' fp16, w4g128 ,')).toEqual(['fp16', 'w4g128']);
  });

  it('runs a preset named twice once, whatever the spelling, and says so', () => {
    const notes: string[] = [];
    const presets = uniquePresets(['w4g128', 'fp16', 'W4G128', 'w4', 'kv4+w4', 'w4g128+kv4', 'fp16'], (n) => notes.push(n));
    expect(presets.map((p) => p.name)).toEqual(['w4g128', 'fp16', 'w4g128+kv4']);
    expect(notes).toEqual([
      'presets w4g128 and W4G128 are both w4g128: it runs once',
      'presets w4g128 and w4 are both w4g128: it runs once',
      'presets kv4+w4 and w4g128+kv4 are both w4g128+kv4: it runs once',
      'preset fp16 is named twice: it runs once',
    ]);
    expect(() => uniquePresets(['fp16', 'w5g128'])).toThrow(/5-bit weights/);
  });

  it('tells a missing folder from a Hugging Face model', () => {
    expect(classifyModelSpec('default', '/x', false)).toEqual({ kind: 'default' });
    expect(classifyModelSpec('./models/tiny', '/here/models/tiny', true)).toEqual({ kind: 'folder', path: '/here/models/tiny' });
    expect(classifyModelSpec('Qwen/Qwen2.5-0.5B', '/here/Qwen/Qwen2.5-0.5B', false)).toEqual({ kind: 'hub', id: 'Qwen/Qwen2.5-0.5B' });
    expect(classifyModelSpec('https://huggingface.co/Qwen/Qwen2.5-0.5B', '/x', false)).toEqual({ kind: 'hub', id: 'https://huggingface.co/Qwen/Qwen2.5-0.5B' });
    for (const spec of ['./no/such/dir', '../tiny', '/abs/tiny', '~/models/tiny', 'no/such/dir', 'tiny', 'models\\tiny', 'owner/']) {
      expect(classifyModelSpec(spec, `/here/${spec}`, false), spec).toEqual({ kind: 'missing', path: `/here/${spec}` });
    }
  });
});
