/** What the page says about a preset: in words, and its sizes for the open model. */
import type { ModelConfig } from '../model/config';
import type { Preset } from '../quant/preset';
import { effectiveBitsPerWeight, kvBytesPerToken, parsePreset, weightBytes } from '../quant/presets';

export function describePreset(p: Preset): string {
  const w = p.weights;
  const parts: string[] = [];
  if (w.bits === 16) parts.push('16-bit weights');
  else {
    const groups = w.group === 0 ? 'one group per output row' : `groups of ${w.group}`;
    parts.push(`${w.bits}-bit weights, ${groups}, ${w.symmetric ? 'symmetric' : 'asymmetric'}`);
  }
  if (p.activations) parts.push(`${p.activations.bits}-bit activations`);
  if (p.kv) parts.push(`${p.kv.bits}-bit KV cache${p.kv.group < 128 ? ` (groups of ${p.kv.group})` : ''}`);
  if (p.lmHead) parts.push('LM head quantized too');
  return parts.join('; ');
}

/** Sizes under a preset; the model's are known only once a model is open. */
export function presetSizes(p: Preset, config: ModelConfig | undefined) {
  return {
    bitsPerWeight: effectiveBitsPerWeight(p),
    model: config ? { weightBytes: weightBytes(config, p), kvBytesPerToken: kvBytesPerToken(config, p) } : null,
  };
}

/** Effective bits per weight of a record's preset; null for a name this version cannot read (a link from a newer one). */
export function recordBits(presetName: string): number | null {
  try {
    return effectiveBitsPerWeight(parsePreset(presetName));
  } catch {
    return null;
  }
}
