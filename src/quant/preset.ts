/** A quantization preset is data; see src/quant/presets.ts for the built-ins, parsing and sizes. */
export type WeightBits = 2 | 3 | 4 | 8 | 16;

export interface WeightQuant {
  /** 16 leaves the weights in 16-bit. */
  bits: WeightBits;
  /** Input channels per group; 0 means one group per output row (per channel). */
  group: number;
  symmetric: boolean;
  method: 'rtn';
}

export interface ActivationQuant {
  bits: 4 | 8;
}

export interface KvQuant {
  bits: 2 | 3 | 4 | 8;
  /** Channels of head_dim per group; a group larger than head_dim means the whole head. */
  group: number;
}

export interface Preset {
  name: string;
  weights: WeightQuant;
  activations: ActivationQuant | null;
  kv: KvQuant | null;
  /** Quantize the LM head too (the embedding always stays 16-bit). */
  lmHead: boolean;
}
