/** What the page says about a preset: in words, its sizes for the open model, and whether it fits this GPU. */
import type { GpuInfo } from '../gpu/context';
import type { ModelConfig } from '../model/config';
import type { Preset } from '../quant/preset';
import { blockLinearShapes, effectiveBitsPerWeight, kvBytesPerToken, linearWeightBytes, parsePreset, weightBytes } from '../quant/presets';
import { megabytes } from './format';

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

export interface PresetFit {
  /** Weights plus the KV cache of one window of nCtx tokens, in bytes. */
  bytes: number;
  /** The largest single buffer the engine allocates for it: the 16-bit embedding or a packed linear layer. */
  largestBuffer: number;
  verdict: 'fits' | 'may-not-fit' | 'will-not-fit';
  /** Why, in words, where it does not simply fit. */
  reason: string;
}

/**
 * Whether a preset fits this GPU before it runs. WebGPU does not say how much memory a GPU has;
 * it says the largest buffer it binds, which refuses a preset for certain, and the browser gives a
 * rounded figure of the computer's memory (navigator.deviceMemory), which makes a large total doubtful.
 */
export function presetFit(p: Preset, config: ModelConfig, nCtx: number, gpu: GpuInfo | undefined, deviceGb: number | null): PresetFit {
  const bytes = weightBytes(config, p) + kvBytesPerToken(config, p) * nCtx;
  const linears = blockLinearShapes(config).map(([, rows, cols]) => linearWeightBytes(rows, cols, p.weights));
  const largestBuffer = Math.max(config.vocabSize * config.hiddenSize * 2, ...linears);
  if (gpu) {
    const limit = Math.min(gpu.maxStorageBufferBindingSize, gpu.maxBufferSize);
    if (largestBuffer > limit) {
      return { bytes, largestBuffer, verdict: 'will-not-fit', reason: `its largest buffer, ${megabytes(largestBuffer)}, is more than this GPU binds at once (${megabytes(limit)})` };
    }
  }
  if (deviceGb !== null && bytes > deviceGb * 1e9) {
    return { bytes, largestBuffer, verdict: 'may-not-fit', reason: `it needs ${megabytes(bytes)}, more than the ${deviceGb} GB of memory this browser reports` };
  }
  return { bytes, largestBuffer, verdict: 'fits', reason: '' };
}

/** Effective bits per weight of a record's preset; null for a name this version cannot read (a link from a newer one). */
export function recordBits(presetName: string): number | null {
  try {
    return effectiveBitsPerWeight(parsePreset(presetName));
  } catch {
    return null;
  }
}
