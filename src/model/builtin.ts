/**
 * The models QuantLab ships and trains itself (train/): same family, tokenizer and held-out text,
 * two sizes, so a sweep over both shows whether a larger quantized model beats a smaller 16-bit one.
 * Files live in public/models/<id>/ (served by the page, read from disk by the CLI).
 */
export interface BuiltInModel {
  id: string;
  description: string;
  parameters: number;
}

export const BUILT_IN_MODELS: readonly BuiltInModel[] = [
  { id: 'quantlab-tiny', description: 'the default: hidden 512, 8 layers, 53.5 MB in f16', parameters: 26_747_392 },
  { id: 'quantlab-mini', description: 'a quarter of tiny: hidden 256, 6 layers, 13.6 MB in f16', parameters: 6_819_072 },
];

export const DEFAULT_MODEL_ID = BUILT_IN_MODELS[0].id;

export function builtInModel(id: string): BuiltInModel | undefined {
  return BUILT_IN_MODELS.find((m) => m.id === id);
}
