import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelFiles } from '../model/files';
import { hubModelFiles } from '../model/hub';
import { directoryCache, nodeModelFiles } from '../model/nodeFiles';
import { homedir } from 'node:os';

/** Both src/cli/ and the bundle in dist/cli/ sit two folders below the project root. */
export const DEFAULT_MODEL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../public/models/quantlab-tiny');

export interface ModelSource {
  files: ModelFiles;
  /** The model's own held-out text: the default perplexity dataset. */
  heldOutText(): Promise<string>;
}

/** `default`, a folder on disk, or a Hugging Face repo id / URL. */
export async function openModelSource(spec: string, log: (text: string) => void): Promise<ModelSource> {
  const dir = spec === 'default' ? DEFAULT_MODEL_DIR : resolve(spec);
  if (spec === 'default' || (existsSync(dir) && statSync(dir).isDirectory())) {
    const files = await nodeModelFiles(dir);
    return {
      files,
      heldOutText: async () => {
        const path = join(dir, 'heldout.txt');
        if (!existsSync(path)) throw new Error(`${dir} has no heldout.txt: name a text to score with --data FILE`);
        return readFile(path, 'utf8');
      },
    };
  }
  if (existsSync(spec)) throw new Error(`${spec} is a file; --model takes a model folder, "default" or a Hugging Face repo id`);
  const cacheDir = process.env.QUANTLAB_CACHE ?? join(homedir(), '.cache', 'quantlab');
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const files = await hubModelFiles(spec, {
    token: process.env.HF_TOKEN,
    cache: directoryCache(cacheDir),
    onProgress: (p) =>
      log(p.cached ? `${p.file}: from the cache in ${cacheDir}` : `downloading ${p.file}: ${mib(p.loaded)}${p.total == null ? '' : ` of ${mib(p.total)}`}`),
  });
  return {
    files,
    heldOutText: async () => {
      throw new Error(`${spec} ships no held-out text: name a text to score with --data FILE`);
    },
  };
}
