/**
 * Sources that cannot list a folder (a web server, the Hub) fetch a model's
 * files by name, in the order that lets them stop early.
 */
import { ModelError } from './errors';
import { baseName, ModelFiles, urlFile, type ModelFile } from './files';
import { parseConfigText } from './hfConfig';
import { parseIndex } from './safetensors';

/**
 * Fetches what a model needs: `get` resolves a name to the file, or to null
 * where the source has no such file (HTTP 404). config.json is checked first,
 * so an unsupported model is refused before gigabytes of weights are fetched.
 */
export async function gatherModelFiles(
  name: string,
  where: string,
  get: (file: string) => Promise<ModelFile | null>,
): Promise<ModelFiles> {
  const config = await get('config.json');
  if (!config) throw new ModelError(`no config.json at ${where}: is it a model's folder or repository?`);
  parseConfigText(await config.text());
  const tokenizer = await get('tokenizer.json');
  if (!tokenizer) throw new ModelError(`no tokenizer.json at ${where}: QuantLab needs the model's tokenizer.json`);
  const files = [config, tokenizer];
  const tokenizerConfig = await get('tokenizer_config.json');
  if (tokenizerConfig) files.push(tokenizerConfig);
  const index = await get('model.safetensors.index.json');
  if (index) {
    files.push(index);
    for (const shard of parseIndex(await index.text(), index.name).shards) {
      const file = await get(shard);
      if (!file) throw new ModelError(`${index.name} names the shard ${shard}, which is missing at ${where}`);
      files.push(file);
    }
  } else {
    const weights = await get('model.safetensors');
    if (!weights) {
      throw new ModelError(
        `no model.safetensors or model.safetensors.index.json at ${where}: QuantLab reads safetensors weights`,
      );
    }
    files.push(weights);
  }
  return new ModelFiles(name, files);
}

/**
 * A model served as static files under `baseUrl` (the embedded default at
 * /models/quantlab-tiny/, or any folder on a web server). A relative baseUrl
 * is resolved against the page.
 */
export async function urlModelFiles(baseUrl: string, fetchFn: typeof fetch = fetch): Promise<ModelFiles> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const name = baseName(base.slice(0, -1)) || base;
  return gatherModelFiles(name, base, (file) => urlFile(new URL(encodeURIComponent(file), absolute(base)).href, file, fetchFn));
}

function absolute(url: string): string {
  const page = (globalThis as { location?: { href: string } }).location?.href;
  return new URL(url, page).href;
}
