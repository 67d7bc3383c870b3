/**
 * A study as the page shows it: quantlab-tiny and quantlab-mini, ten presets each, on perplexity,
 * KL divergence, speed and three accuracy tasks. quantlab-tiny's perplexity, speed and memory are
 * the figures measured on an H100 (bench/results/h100-*.jsonl, README "Measured"); everything else
 * (quantlab-mini, KL divergence, accuracy) is modelled from them: accuracy falls from its 16-bit
 * value towards chance as perplexity rises. For screenshots and page tests of the results views,
 * never for a finding.
 */
import { effectiveBitsPerWeight, parsePreset } from '../../src/quant/presets';
import { RECORD_SCHEMA, type ResultRecord, type TaskInfo } from '../../src/results/record';

export const STUDY_PRESETS = ['fp16', 'w8g128', 'w4g128', 'w3g128', 'w2g128', 'w4g32sym', 'w8a8', 'w4a8', 'kv4', 'w4g128+kv4'];

/** quantlab-tiny on its held-out text (n_ctx 512, 90 windows) and its decode speed, H100, 2026-11-24. */
const TINY: Record<string, { ppl: number; decode: number; prefill: number; weights: number; kv: number }> = {
  fp16: { ppl: 17.81524455172015, decode: 177.7, prefill: 51826, weights: 53512192, kv: 2097152 },
  w8g128: { ppl: 17.817187270483714, decode: 141.2, prefill: 33179, weights: 31496192, kv: 2097152 },
  w4g128: { ppl: 18.334399515226977, decode: 125.7, prefill: 28784, weights: 20224000, kv: 2097152 },
  w3g128: { ppl: 20.644289844338324, decode: 147.0, prefill: 34687, weights: 17405952, kv: 2097152 },
  w2g128: { ppl: 55.3958111624698, decode: 149.5, prefill: 36668, weights: 14587904, kv: 2097152 },
  w4g32sym: { ppl: 18.31117000015491, decode: 139.0, prefill: 30532, weights: 21104640, kv: 2097152 },
  w8a8: { ppl: 17.82622163744738, decode: 109.6, prefill: 30341, weights: 31496192, kv: 2097152 },
  w4a8: { ppl: 18.339009179385762, decode: 111.9, prefill: 31955, weights: 20224000, kv: 2097152 },
  kv4: { ppl: 18.105144021821214, decode: 191.7, prefill: 52658, weights: 53512192, kv: 589824 },
  'w4g128+kv4': { ppl: 18.659542846617246, decode: 146.3, prefill: 41994, weights: 20224000, kv: 589824 },
};

const DEVICE = {
  description: 'nvidia / nvidia-h100-80gb-hbm3',
  vendor: 'nvidia',
  architecture: 'hopper',
  features: ['subgroups', 'timestamp-query'],
  limits: { maxStorageBufferBindingSize: 4294967292, maxBufferSize: 4294967296, maxComputeWorkgroupStorageSize: 49152 },
};

const MODELS = {
  'quantlab-tiny': { parameters: 26_747_392, sha256: 'a'.repeat(64), ppl: 1, accuracy: { arc_easy: 0.42, piqa: 0.59, quantlab_lastword: 0.31 }, speed: 1, memory: 1 },
  'quantlab-mini': { parameters: 6_862_592, sha256: 'b'.repeat(64), ppl: 1.57, accuracy: { arc_easy: 0.35, piqa: 0.55, quantlab_lastword: 0.19 }, speed: 1.9, memory: 0.27 },
} as const;
export type StudyModel = keyof typeof MODELS;

const CHANCE = { arc_easy: 0.25, piqa: 0.5, quantlab_lastword: 0 } as const;
const ROWS = { arc_easy: 2376, piqa: 1838, quantlab_lastword: 1000 } as const;

function task(name: string, dataset: string, rows: number, settings: Record<string, number>): TaskInfo {
  return { name, version: 1, dataset: { name: dataset, sha256: null, rows }, limit: null, shots: 0, seed: 1234, chat_template: false, settings };
}

/** One sweep of `model`: every preset on every task, a minute apart from `start`. */
export function studyRecords(model: StudyModel, start = '2026-12-01T09:00:00.000Z', sweep = `study-${model}`): ResultRecord[] {
  const m = MODELS[model];
  const out: ResultRecord[] = [];
  let time = Date.parse(start);
  let n = 0;
  const push = (preset: string, t: TaskInfo, metrics: Record<string, number>, kv: number, tokensPerSecond: number) => {
    const tiny = TINY[preset];
    time += 60_000;
    n++;
    out.push({
      schema: RECORD_SCHEMA,
      id: `${sweep}-${n}`,
      sweep,
      createdAt: new Date(time).toISOString(),
      quantlab: { version: '0.2.0' },
      model: { name: model, sha256: m.sha256, parameters: m.parameters, architecture: 'llama' },
      preset: { name: preset, bits_per_weight: effectiveBitsPerWeight(parsePreset(preset)) },
      task: t,
      metrics,
      memory: { weights_bytes: Math.round(tiny.weights * m.memory), kv_cache_bytes: kv, scratch_bytes: Math.round(28_450_816 * Math.sqrt(m.memory)) },
      timing: { upload_seconds: 0.4, score_seconds: 6, items_per_second: 15, tokens_per_second: tokensPerSecond },
      device: DEVICE,
    });
  };
  for (const preset of STUDY_PRESETS) {
    const tiny = TINY[preset];
    // The smaller model loses more to the same quantization: its perplexity ratio to 16-bit, to the power 1.3.
    const ratio = (tiny.ppl / TINY.fp16.ppl) ** (model === 'quantlab-mini' ? 1.3 : 1);
    const ppl = TINY.fp16.ppl * m.ppl * ratio;
    const kvBytes = Math.round(tiny.kv * Math.sqrt(m.memory));
    const scoring = 40_000 * m.speed * (tiny.prefill / TINY.fp16.prefill);
    push(preset, task('perplexity', 'quantlab_heldout', 90, { n_ctx: 512 }), { perplexity: ppl, bits_per_byte: Math.log2(ppl) / 3.266, tokens: 22950 }, kvBytes, scoring);
    const kld = preset === 'fp16' ? 0 : 0.9 * Math.log(ratio) + 0.0004;
    push(preset, task('kl-divergence', 'quantlab_heldout', 90, { n_ctx: 512, top_k: 32 }), { kld_mean: kld, kld_mean_stderr: kld * 0.03, same_top1: 1 - Math.min(0.6, kld * 1.4), ppl_ratio: ratio, tokens: 22950 }, kvBytes, scoring);
    push(
      preset,
      task('speed', 'quantlab_heldout', 90, { prompt_tokens: 512, decode_tokens: 128, repeat: 3 }),
      {
        prefill_tokens_per_second: tiny.prefill * m.speed,
        decode_tokens_per_second: tiny.decode * m.speed,
        time_to_first_token_ms: 1000 / ((tiny.prefill * m.speed) / 512),
        decode_bandwidth_gb_per_s: (tiny.weights * m.memory * tiny.decode * m.speed) / 1e9,
      },
      Math.round(kvBytes * 1.25),
      scoring,
    );
    for (const name of ['arc_easy', 'piqa', 'quantlab_lastword'] as const) {
      const acc16 = m.accuracy[name];
      const acc = CHANCE[name] + (acc16 - CHANCE[name]) * (1 / ratio) ** 1.5;
      const rows = ROWS[name];
      const accRounded = Math.round(acc * rows) / rows;
      const metrics: Record<string, number> = { acc: accRounded, acc_stderr: Math.sqrt((accRounded * (1 - accRounded)) / (rows - 1)) };
      if (name !== 'quantlab_lastword') {
        const norm = Math.round(Math.min(1, acc * 1.04) * rows) / rows;
        Object.assign(metrics, { acc_norm: norm, acc_norm_stderr: Math.sqrt((norm * (1 - norm)) / (rows - 1)) });
      }
      push(preset, task(name, name, rows, { max_length: 4096 }), metrics, kvBytes, scoring * 0.8);
    }
  }
  return out;
}
