/**
 * The bench's synthetic models: Llama shapes with random weights made on the GPU
 * (shaders/random.wgsl), so a 7B-shaped model needs no checkpoint and no gigabytes in
 * JavaScript. A benchmark option only: the weights mean nothing, the speed and memory are real.
 */
import type { GpuContext } from '../gpu/context';
import type { TensorSource } from '../engine/model';
import { randomF16 } from '../engine/ops/random';
import type { ModelConfig } from '../model/config';

const LLAMA_BASE = {
  modelType: 'llama',
  rmsNormEps: 1e-5,
  ropeScaling: { type: 'none' },
  attentionBias: false,
  bosTokenId: 1,
  eosTokenId: 2,
} as const;

/** The shapes of Llama-3.2-1B, Llama-2-7B and Llama-3-8B (grouped-query attention) from their config.json. */
export const SYNTHETIC_SHAPES: Record<string, ModelConfig> = {
  '1b': { ...LLAMA_BASE, hiddenSize: 2048, intermediateSize: 8192, numLayers: 16, numHeads: 32, numKvHeads: 8, headDim: 64, vocabSize: 128256, maxPositions: 131072, ropeTheta: 500000, tieWordEmbeddings: true },
  '7b': { ...LLAMA_BASE, hiddenSize: 4096, intermediateSize: 11008, numLayers: 32, numHeads: 32, numKvHeads: 32, headDim: 128, vocabSize: 32000, maxPositions: 4096, ropeTheta: 10000, tieWordEmbeddings: false },
  '8b': { ...LLAMA_BASE, hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numHeads: 32, numKvHeads: 8, headDim: 128, vocabSize: 128256, maxPositions: 8192, ropeTheta: 500000, tieWordEmbeddings: false },
};

export const SYNTHETIC_PREFIX = 'synthetic:';

/** The shape a `synthetic:NAME` model spec names, or null for any other spec; unknown names are refused. */
export function syntheticShape(spec: string): ModelConfig | null {
  if (!spec.startsWith(SYNTHETIC_PREFIX)) return null;
  const name = spec.slice(SYNTHETIC_PREFIX.length);
  const shape = SYNTHETIC_SHAPES[name];
  if (!shape) throw new Error(`${spec}: no such synthetic shape; choose one of ${Object.keys(SYNTHETIC_SHAPES).map((n) => SYNTHETIC_PREFIX + n).join(', ')}`);
  return shape;
}

/**
 * Weights uniform in [-0.02, 0.02) (about Llama's initializer range), a seed a tensor, norms all ones.
 * Each matrix is made on the GPU as it is asked for, so only one 16-bit matrix exists at a time.
 */
export function syntheticWeights(config: ModelConfig): TensorSource {
  let seed = 0x9e3779b9;
  return {
    readF16: async (name) => {
      throw new Error(`${name}: a synthetic model makes its 16-bit tensors on the GPU`);
    },
    // Only the norms are read as f32 (Llama has no biases).
    readF32: async () => new Float32Array(config.hiddenSize).fill(1),
    f16OnGpu: (gpu: GpuContext, name: string, count: number) => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      return randomF16(gpu, name, count, seed, 0.02);
    },
  };
}

/** `count` token ids spread over the vocabulary (a fixed sequence: speed does not depend on which ids). */
export function syntheticPrompt(config: ModelConfig, count: number): number[] {
  return Array.from({ length: count }, (_, i) => (i * 2654435761) % config.vocabSize);
}
