/** The page's verdict on whether a preset fits a GPU, before it runs, from the model's real config. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GpuInfo } from '../../src/gpu/context';
import { parseConfigText } from '../../src/model/hfConfig';
import { parsePreset, weightBytes, kvBytesPerToken } from '../../src/quant/presets';
import { presetFit } from '../../src/app/presetInfo';

const tiny = parseConfigText(readFileSync('public/models/quantlab-tiny/config.json', 'utf8'));

/** Llama-3.2-1B's config.json as Meta publishes it (the fields QuantLab reads). */
const llama1b = parseConfigText(
  JSON.stringify({
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: 2048,
    intermediate_size: 8192,
    num_hidden_layers: 16,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    head_dim: 64,
    vocab_size: 128256,
    max_position_embeddings: 131072,
    rms_norm_eps: 1e-5,
    rope_theta: 500000,
    rope_scaling: { factor: 32, high_freq_factor: 4, low_freq_factor: 1, original_max_position_embeddings: 8192, rope_type: 'llama3' },
    tie_word_embeddings: true,
    hidden_act: 'silu',
    torch_dtype: 'bfloat16',
  }),
);

function gpu(bindLimit: number): GpuInfo {
  return {
    description: 'test adapter',
    vendor: '',
    architecture: '',
    isCpu: false,
    features: [],
    subgroupMinSize: 32,
    subgroupMaxSize: 32,
    subgroupMatrixConfigs: [],
    maxStorageBufferBindingSize: bindLimit,
    maxBufferSize: 2 * bindLimit,
    maxComputeWorkgroupStorageSize: 32768,
  };
}

describe('presetFit', () => {
  it('counts the weights and one window of KV cache, and fits quantlab-tiny on SwiftShader limits', () => {
    const p = parsePreset('w4g128+kv4');
    const fit = presetFit(p, tiny, 512, gpu(1 << 30), 8);
    expect(fit.bytes).toBe(weightBytes(tiny, p) + 512 * kvBytesPerToken(tiny, p));
    expect(fit.verdict).toBe('fits');
  });

  it("refuses a model whose 16-bit embedding is larger than the GPU's binding limit, whatever the preset", () => {
    // 128256 x 2048 x 2 bytes = 525 MB, over WebGPU's default 128 MiB binding.
    for (const name of ['fp16', 'w2g128']) {
      const fit = presetFit(parsePreset(name), llama1b, 512, gpu(128 << 20), null);
      expect(fit.verdict).toBe('will-not-fit');
      expect(fit.largestBuffer).toBe(128256 * 2048 * 2);
      expect(fit.reason).toContain('525.3 MB');
    }
  });

  it('doubts a total above the memory the browser states, and says nothing where it states none', () => {
    const p = parsePreset('fp16');
    expect(presetFit(p, llama1b, 2048, gpu(1 << 30), 2).verdict).toBe('may-not-fit');
    expect(presetFit(p, llama1b, 2048, gpu(1 << 30), null).verdict).toBe('fits');
  });
});
