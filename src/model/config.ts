/** The architecture facts the engine needs, read from a Hub-style config.json (see parseConfig in src/model/hfConfig.ts). */
export type RopeScaling =
  | { type: 'none' }
  | { type: 'linear'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number };

export interface ModelConfig {
  /** The config's model_type: llama, qwen2, mistral. */
  modelType: string;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  maxPositions: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling;
  tieWordEmbeddings: boolean;
  /** q, k and v projections carry biases (Qwen2). */
  attentionBias: boolean;
  bosTokenId: number | null;
  eosTokenId: number | null;
}
