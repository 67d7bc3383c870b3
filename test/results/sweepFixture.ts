/**
 * Realistic result records for the codec and store tests: a sweep of presets x tasks as the
 * evaluation harness writes them (real preset names and bits per weight, lm-eval's metric names,
 * full-precision figures, per-item scores, a device with its features and limits), drawn from a
 * seeded generator so a failing case replays from its seed.
 */
import { effectiveBitsPerWeight, parsePreset } from '../../src/quant/presets';
import { RECORD_SCHEMA, type ResultRecord, type TaskInfo } from '../../src/results/record';

export const SWEEP_PRESETS = ['fp16', 'w8g128', 'w4g128', 'w3g128', 'w2g128', 'w4g32sym', 'w8a8', 'w4a8', 'kv4', 'w4g128+kv4'];

/** xorshift32: the same sequence for the same seed on every platform. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function hex(next: () => number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += Math.floor(next() * 16).toString(16);
  return out;
}

interface TaskShape {
  task: TaskInfo;
  items: number;
  scratch: number;
  metrics: (next: () => number) => Record<string, number>;
}

function tasks(next: () => number): TaskShape[] {
  const mc = (name: string, rows: number, limit: number | null): TaskShape => ({
    task: { name, version: 1, dataset: { name, sha256: hex(next, 64), rows }, limit, shots: 0, seed: 1234, chat_template: false, settings: {} },
    items: limit ?? rows,
    scratch: 9_437_184,
    metrics: (n) => {
      const items = limit ?? rows;
      const acc = Math.round((0.25 + n() * 0.5) * items) / items;
      const accNorm = Math.round((0.25 + n() * 0.5) * items) / items;
      return {
        acc,
        acc_stderr: Math.sqrt((acc * (1 - acc)) / (items - 1)),
        acc_norm: accNorm,
        acc_norm_stderr: Math.sqrt((accNorm * (1 - accNorm)) / (items - 1)),
      };
    },
  });
  return [
    {
      task: {
        name: 'perplexity',
        version: 1,
        dataset: { name: 'wikitext-2-raw-v1 test', sha256: hex(next, 64), rows: 4358 },
        limit: null,
        shots: 0,
        seed: 0,
        chat_template: false,
        settings: { n_ctx: 512, windows: 560 },
      },
      items: 560,
      scratch: 41_943_040,
      metrics: (n) => {
        const ppl = 12 + n() * 40;
        return { perplexity: ppl, bits_per_byte: Math.log2(ppl) / 3.7, tokens: 560 * 255 };
      },
    },
    mc('arc_easy', 2376, null),
    mc('piqa', 1838, 1000),
    mc('hellaswag', 10042, 1000),
  ];
}

/** One sweep: every preset on every task, a few minutes apart, with per-item scores. */
export function sweepRecords(seed: number, presets = SWEEP_PRESETS, taskCount = 4, sweep = `sweep${seed}`): ResultRecord[] {
  const next = seeded(seed);
  const start = Date.parse('2026-12-01T09:00:00.000Z') + Math.floor(next() * 1e9);
  const model = { name: 'Qwen/Qwen2.5-0.5B-Instruct', sha256: hex(next, 64), parameters: 494_032_768, architecture: 'qwen2' };
  const device = {
    description: 'NVIDIA GeForce RTX 4070 Laptop GPU (D3D12)',
    vendor: 'nvidia',
    architecture: 'lovelace',
    // What Chrome 14x reports on such a GPU, sorted as describeDevice sorts them.
    features: [
      'bgra8unorm-storage',
      'clip-distances',
      'core-features-and-limits',
      'depth-clip-control',
      'depth32float-stencil8',
      'dual-source-blending',
      'float32-blendable',
      'float32-filterable',
      'indirect-first-instance',
      'rg11b10ufloat-renderable',
      'shader-f16',
      'subgroups',
      'texture-compression-bc',
      'texture-compression-bc-sliced-3d',
      'texture-formats-tier1',
      'timestamp-query',
    ],
    limits: { maxStorageBufferBindingSize: 2147483644, maxBufferSize: 4294967296, maxComputeWorkgroupStorageSize: 32768 },
  };
  let time = start;
  const out: ResultRecord[] = [];
  for (const shape of tasks(next).slice(0, taskCount)) {
    for (const name of presets) {
      const preset = parsePreset(name);
      time += Math.floor(20_000 + next() * 300_000);
      const score = 5 + next() * 400;
      const items = shape.items;
      out.push({
        schema: RECORD_SCHEMA,
        id: hex(next, 16),
        sweep,
        createdAt: new Date(time).toISOString(),
        quantlab: { version: '0.2.0' },
        model,
        preset: { name, bits_per_weight: effectiveBitsPerWeight(preset, 896) },
        task: shape.task,
        metrics: shape.metrics(next),
        items: shape.task.name === 'perplexity'
          ? { window_nll: Array.from({ length: items }, () => 500 + next() * 400) }
          : { acc: Array.from({ length: items }, () => (next() < 0.5 ? 0 : 1)), acc_norm: Array.from({ length: items }, () => (next() < 0.5 ? 0 : 1)) },
        memory: {
          weights_bytes: Math.round(988_000_000 * (preset.weights ? preset.weights.bits / 16 : 1)) + 136_000_000,
          kv_cache_bytes: 512 * 24 * 2 * 128 * 2 * (preset.kv ? preset.kv.bits / 16 : 1),
          // The session's activation buffers: set by the context length, larger where activations are quantized too.
          scratch_bytes: shape.scratch + (preset.activations ? 3_670_016 : 0),
        },
        timing: { upload_seconds: 1 + next() * 9, score_seconds: score, items_per_second: items / score, tokens_per_second: (items * 300) / score },
        device,
      });
    }
  }
  return out;
}
