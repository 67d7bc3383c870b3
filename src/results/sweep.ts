/**
 * What a set of records says about the sweeps that made them: per sweep, the model, the presets
 * and the tasks, enough to run the same sweep again on another GPU.
 */
import { cleanText } from '../util/text';
import type { ModelInfo, ResultRecord, TaskInfo } from './record';

export interface SweepSpec {
  sweep: string;
  model: ModelInfo;
  /** Preset names in the order the sweep ran them. */
  presets: string[];
  /** Each distinct task setting (name, dataset, limit, shots, seed, settings) once, in the order first run. */
  tasks: TaskInfo[];
  /** The first and last record's time. */
  startedAt: string;
  finishedAt: string;
  records: number;
}

/** Sweeps in the order their first record appears. */
export function sweepSpecs(records: readonly ResultRecord[]): SweepSpec[] {
  const specs = new Map<string, SweepSpec & { taskKeys: Set<string> }>();
  const ordered = [...records].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  for (const r of ordered) {
    let spec = specs.get(r.sweep);
    if (!spec) {
      spec = { sweep: r.sweep, model: r.model, presets: [], tasks: [], startedAt: r.createdAt, finishedAt: r.createdAt, records: 0, taskKeys: new Set() };
      specs.set(r.sweep, spec);
    }
    if (!spec.presets.includes(r.preset.name)) spec.presets.push(r.preset.name);
    const taskKey = JSON.stringify(r.task);
    if (!spec.taskKeys.has(taskKey)) {
      spec.taskKeys.add(taskKey);
      spec.tasks.push(r.task);
    }
    spec.finishedAt = r.createdAt;
    spec.records++;
  }
  return [...specs.values()].map(({ taskKeys: _, ...spec }) => spec);
}

/** The record without its per-item scores: what links and bundles carry. */
export function withoutItems(record: ResultRecord): ResultRecord {
  const { items: _, ...rest } = record;
  return rest;
}

/**
 * Every free-text field of a record from elsewhere passed through cleanText, so no bidi override
 * or control character reaches the page. The ids and times are already restricted by the schema.
 */
export function cleanRecordText(r: ResultRecord): ResultRecord {
  return {
    ...r,
    quantlab: { version: cleanText(r.quantlab.version) },
    model: { ...r.model, name: cleanText(r.model.name), architecture: cleanText(r.model.architecture) },
    preset: { ...r.preset, name: cleanText(r.preset.name) },
    task: { ...r.task, name: cleanText(r.task.name), dataset: { ...r.task.dataset, name: cleanText(r.task.dataset.name) } },
    device: {
      ...r.device,
      description: cleanText(r.device.description),
      vendor: cleanText(r.device.vendor),
      architecture: cleanText(r.device.architecture),
      features: r.device.features.map(cleanText),
    },
  };
}
