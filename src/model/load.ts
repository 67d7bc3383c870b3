/**
 * Turns a model's files into what the engine needs: the parsed config, the
 * tokenizer, and the weight store (headers read and checked, tensors read
 * later, one by one, as they are uploaded). Every failure is a ModelError.
 */
import type { ModelConfig } from './config';
import { ModelError } from './errors';
import type { ModelFiles } from './files';
import { checkWeights, expectedTensors, parseConfigText } from './hfConfig';
import { WeightStore } from './safetensors';
import { loadTokenizer, type Tokenizer } from './tokenizer';

export { ModelError } from './errors';

export interface LoadedModel {
  name: string;
  config: ModelConfig;
  tokenizer: Tokenizer;
  weights: WeightStore;
  files: ModelFiles;
}

export interface LoadProgress {
  stage: 'config' | 'tokenizer' | 'weights';
  message: string;
}

export async function loadModel(files: ModelFiles, onProgress?: (p: LoadProgress) => void): Promise<LoadedModel> {
  try {
    const configFile = files.get('config.json');
    if (!configFile) throw new ModelError(`no config.json found among the files: ${files.list().join(', ') || '(none)'}`);
    onProgress?.({ stage: 'config', message: `reading ${configFile.name}` });
    const config = parseConfigText(await configFile.text());
    onProgress?.({ stage: 'tokenizer', message: 'loading tokenizer.json' });
    const tokenizer = await loadTokenizer(files);
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new ModelError(
        `tokenizer.json has ids up to ${tokenizer.vocabSize - 1} but config.json's vocab_size is ${config.vocabSize}: the tokenizer is not this model's`,
      );
    }
    onProgress?.({ stage: 'weights', message: 'checking the safetensors headers' });
    const weights = await WeightStore.open(files);
    checkWeights(config, weights);
    return { name: files.name, config, tokenizer, weights, files };
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`loading ${files.name} failed: ${(e as Error).message ?? String(e)}`, { cause: e });
  }
}

export interface ModelDescription {
  /** All parameters, a tied embedding counted once. */
  parameters: number;
  /** The input embedding's. */
  embeddingParameters: number;
  /** Bytes of all parameters in 16-bit. */
  bytes16: number;
  /** One line for the UI, e.g. "llama, 22 layers, hidden 2048, 32 heads (4 KV) of 64, MLP 5632, vocab 32000, 1.10B parameters". */
  summary: string;
}

export function describeModel(config: ModelConfig): ModelDescription {
  const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const tensors = expectedTensors(config);
  const parameters = tensors.reduce((sum, [, shape]) => sum + count(shape), 0);
  const embeddingParameters = config.vocabSize * config.hiddenSize;
  const kv = config.numKvHeads === config.numHeads ? '' : ` (${config.numKvHeads} KV)`;
  const tied = config.tieWordEmbeddings ? ', tied embeddings' : '';
  return {
    parameters,
    embeddingParameters,
    bytes16: parameters * 2,
    summary:
      `${config.modelType}, ${config.numLayers} layers, hidden ${config.hiddenSize}, ` +
      `${config.numHeads} heads${kv} of ${config.headDim}, MLP ${config.intermediateSize}, ` +
      `vocab ${config.vocabSize}${tied}, ${formatCount(parameters)} parameters`,
  };
}

function formatCount(n: number): string {
  for (const [unit, scale] of [['B', 1e9], ['M', 1e6], ['K', 1e3]] as const) {
    if (n >= scale) return `${(n / scale).toFixed(n >= 100 * scale ? 0 : n >= 10 * scale ? 1 : 2)}${unit}`;
  }
  return String(n);
}
