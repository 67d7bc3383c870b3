import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtInModel, DEFAULT_MODEL_ID } from '../model/builtin';
import type { ModelFiles } from '../model/files';
import { hubModelFiles } from '../model/hub';
import { directoryCache, nodeModelFiles } from '../model/nodeFiles';
import { homedir } from 'node:os';
import { classifyModelSpec, missingModelMessage, readTextFile } from './options';

/** Both src/cli/ and the bundle in dist/cli/ sit two folders below the project root. */
const MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../public/models');

export function builtInModelDir(id: string): string {
  return join(MODELS_DIR, id);
}

export const DEFAULT_MODEL_DIR = builtInModelDir(DEFAULT_MODEL_ID);

/** `default` and the built-in model ids name folders shipped with QuantLab; anything else is a path or a Hub id. */
function builtInDir(spec: string): string | null {
  if (spec === 'default') return DEFAULT_MODEL_DIR;
  return builtInModel(spec) ? builtInModelDir(spec) : null;
}

export interface ModelSource {
  files: ModelFiles;
  /** The model's own held-out text: the default perplexity dataset. */
  heldOutText(): Promise<string>;
}

/** `default`, a built-in model id, a folder on disk, or a Hugging Face repo id / URL (see classifyModelSpec). */
export async function openModelSource(spec: string, log: (text: string) => void): Promise<ModelSource> {
  const builtIn = builtInDir(spec);
  const resolved = builtIn ?? resolve(spec);
  const kind = classifyModelSpec(spec, resolved, existsSync(resolved));
  if (kind.kind === 'missing') throw new Error(missingModelMessage(spec, kind.path));
  if (kind.kind === 'folder' && !statSync(resolved).isDirectory()) {
    throw new Error(`${spec} is a file; --model takes a model folder, "default" or a Hugging Face repo id`);
  }
  if (kind.kind !== 'hub') {
    const files = await nodeModelFiles(resolved);
    return {
      files,
      heldOutText: async () => {
        const path = join(resolved, 'heldout.txt');
        if (!existsSync(path)) throw new Error(`${resolved} has no heldout.txt: name a text to score with --data FILE`);
        return readTextFile(path);
      },
    };
  }
  if (!/^https?:/i.test(kind.id)) log(`${kind.id}: a Hugging Face model (there is no folder of that name here)`);
  const cacheDir = process.env.QUANTLAB_CACHE ?? join(homedir(), '.cache', 'quantlab');
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const files = await hubModelFiles(kind.id, {
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
