/**
 * The records of a link, packed small before compression. A sweep's records repeat most of what
 * they hold (the model, the device, the task settings, the QuantLab version, the sweep id), so
 * each of those is written once per link in a table (as a tuple: field names would cost more than
 * the values) and a record refers to it by index. What
 * differs from record to record is stored by column (all ids, then all times, ...), which puts
 * like next to like and lets deflate shorten a 10 x 4 sweep by a tenth more than rows would.
 * Per-item scores never travel: a link shows a table and charts, not item-by-item comparisons.
 *
 * Version 2 of the link format:
 *
 *     { c: base time (ms since 1970),
 *       q: [QuantLab version],
 *       m: [[name, sha256, parameters, architecture]],
 *       d: [[description, vendor, architecture, [feature], {limit: value}]],
 *       t: [[name, version, dataset name, dataset sha256, dataset rows, limit, shots, seed, chat template, {setting: value}]],
 *       p: [[preset name, bits per weight]], s: [sweep id],
 *       id: [record id], sw, at (ms after the record before; the first after c), qv, mo, de, pr, ta: one entry a record,
 *       wb, kb, sb: weights, KV-cache and scratch bytes; us, ss, ips, tps: upload and score
 *       seconds, items and tokens a second; x: { metric name: [value, or null where absent] } }
 *
 * Every field is checked here for shape, every index for range, and each rebuilt record again by
 * the record schema (parseRecord), so a hostile payload cannot get past either.
 */
import { z } from 'zod';
import { parseRecord, type ResultRecord } from './record';

/** Records a link may carry: a 40 x 40 sweep and more; the unpacked size cap bounds it first in practice. */
export const MAX_LINK_RECORDS = 2000;

/**
 * Timings and standard errors are kept to 4 significant digits, every other metric at full
 * precision. A timing's run-to-run spread is a few percent; a standard error over n items is
 * itself uncertain by about 1/sqrt(2n), over 0.07% for any n up to a million, so a 4th digit
 * (0.05%) already says more than it knows. Their 17 digits of noise would be a third of a link.
 */
const ROUNDED_DIGITS = 4;
const rounded = (x: number) => Number(x.toPrecision(ROUNDED_DIGITS));
const isStderr = (metric: string) => metric.endsWith('_stderr');

const index = z.number().int().nonnegative().max(MAX_LINK_RECORDS);
const table = <T extends z.ZodType>(item: T) => z.array(item).max(MAX_LINK_RECORDS);
const finite = z.number().finite();
/** Shapes only: the record schema checks every value once the record is rebuilt. */
const text = z.string().max(300);
const numbers = z.record(z.string().max(64), finite);
const ModelTuple = z.tuple([text, text.nullable(), finite, text]);
const DeviceTuple = z.tuple([text, text, text, z.array(text).max(64), numbers]);
const TaskTuple = z.tuple([text, finite, text, text.nullable(), finite, finite.nullable(), finite, finite, z.boolean(), numbers]);
const column = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(MAX_LINK_RECORDS);

const PayloadSchema = z.object({
  c: z.number().int().nonnegative().max(8.64e15),
  q: table(z.string().max(32)),
  m: table(ModelTuple),
  d: table(DeviceTuple),
  t: table(TaskTuple),
  p: table(z.tuple([z.string().max(200), finite])),
  s: table(z.string().max(64)),
  id: column(z.string().max(64)),
  sw: column(index),
  at: column(z.number().int().nonnegative().max(1e13)),
  qv: column(index),
  mo: column(index),
  de: column(index),
  pr: column(index),
  ta: column(index),
  wb: column(finite),
  kb: column(finite),
  sb: column(finite),
  us: column(finite),
  ss: column(finite),
  ips: column(finite),
  tps: column(finite),
  x: z.record(z.string().max(64), column(finite.nullable())).refine((x) => Object.keys(x).length <= 256, 'at most 256 metric names'),
});
type Payload = z.infer<typeof PayloadSchema>;
type Column = Exclude<keyof Payload, 'c' | 'q' | 'm' | 'd' | 't' | 'p' | 's' | 'x'>;
const COLUMNS: Column[] = ['id', 'sw', 'at', 'qv', 'mo', 'de', 'pr', 'ta', 'wb', 'kb', 'sb', 'us', 'ss', 'ips', 'tps'];

/** Interns values by their JSON, giving each distinct one an index in `list`. */
class Table<T> {
  readonly list: T[] = [];
  private readonly seen = new Map<string, number>();
  add(value: T): number {
    const key = JSON.stringify(value);
    let i = this.seen.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(value);
      this.seen.set(key, i);
    }
    return i;
  }
}

/** The records packed as above; `records` must be valid (they come from parseRecord or a run). */
export function packRecords(selected: readonly ResultRecord[]): Payload {
  if (selected.length === 0) throw new Error('a link needs at least one result');
  if (selected.length > MAX_LINK_RECORDS) throw new Error(`a link holds at most ${MAX_LINK_RECORDS} results; this is ${selected.length}`);
  // In time order, each time is a small step from the one before.
  const records = [...selected].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  const times = records.map((r) => Date.parse(r.createdAt));
  const base = times[0];
  const versions = new Table<string>();
  const models = new Table<z.infer<typeof ModelTuple>>();
  const devices = new Table<z.infer<typeof DeviceTuple>>();
  const tasks = new Table<z.infer<typeof TaskTuple>>();
  const presets = new Table<[string, number]>();
  const sweeps = new Table<string>();
  const metricNames = [...new Set(records.flatMap((r) => Object.keys(r.metrics)))];
  const x: Record<string, (number | null)[]> = {};
  for (const name of metricNames) {
    x[name] = records.map((r) => (name in r.metrics ? (isStderr(name) ? rounded(r.metrics[name]) : r.metrics[name]) : null));
  }
  return {
    c: base,
    id: records.map((r) => r.id),
    sw: records.map((r) => sweeps.add(r.sweep)),
    at: times.map((t, i) => t - (i === 0 ? base : times[i - 1])),
    qv: records.map((r) => versions.add(r.quantlab.version)),
    mo: records.map(({ model: m }) => models.add([m.name, m.sha256, m.parameters, m.architecture])),
    de: records.map(({ device: d }) => devices.add([d.description, d.vendor, d.architecture, d.features, d.limits])),
    pr: records.map((r) => presets.add([r.preset.name, r.preset.bits_per_weight])),
    ta: records.map(({ task: t }) =>
      tasks.add([t.name, t.version, t.dataset.name, t.dataset.sha256, t.dataset.rows, t.limit, t.shots, t.seed, t.chat_template, t.settings]),
    ),
    wb: records.map((r) => r.memory.weights_bytes),
    kb: records.map((r) => r.memory.kv_cache_bytes),
    sb: records.map((r) => r.memory.scratch_bytes),
    us: records.map((r) => rounded(r.timing.upload_seconds)),
    ss: records.map((r) => rounded(r.timing.score_seconds)),
    ips: records.map((r) => rounded(r.timing.items_per_second)),
    tps: records.map((r) => rounded(r.timing.tokens_per_second)),
    x,
    q: versions.list,
    m: models.list,
    d: devices.list,
    t: tasks.list,
    p: presets.list,
    s: sweeps.list,
  };
}

function at<T>(list: readonly T[], i: number, what: string, row: number): T {
  if (i >= list.length) throw new PayloadError(`result ${row + 1} refers to ${what} ${i + 1}, which the link does not hold`);
  return list[i];
}

const modelInfo = ([name, sha256, parameters, architecture]: z.infer<typeof ModelTuple>) => ({ name, sha256, parameters, architecture });
const deviceInfo = ([description, vendor, architecture, features, limits]: z.infer<typeof DeviceTuple>) => ({ description, vendor, architecture, features, limits });
const taskInfo = ([name, version, dataset, sha256, rows, limit, shots, seed, chat_template, settings]: z.infer<typeof TaskTuple>) => ({
  name,
  version,
  dataset: { name: dataset, sha256, rows },
  limit,
  shots,
  seed,
  chat_template,
  settings,
});

/** A payload that does not unpack; the message says where, for a person to read. */
export class PayloadError extends Error {}

/** Names an own property may not have on an object the page builds from a link or a file. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Records nest three levels deep (task.dataset.name); anything much deeper is not a record. */
const MAX_DEPTH = 8;

/**
 * Refuses prototype keys and deep nesting anywhere in `value`. JSON.parse makes "__proto__" an
 * ordinary own key; refusing it keeps it from ever becoming a prototype when an object is copied
 * by assignment later. Iterative, so a hostile nesting cannot overflow the stack.
 */
export function refuseReservedKeys(value: unknown, where: string): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth > MAX_DEPTH) throw new PayloadError(`${where} nests more than ${MAX_DEPTH} levels deep`);
    for (const [key, inner] of Object.entries(item)) {
      if (RESERVED_KEYS.has(key)) throw new PayloadError(`${where} has a field named "${key}"`);
      stack.push([inner, depth + 1]);
    }
  }
}

/** Rebuilds the records of a payload (already JSON-parsed), each checked by the record schema. */
export function unpackRecords(value: unknown): ResultRecord[] {
  refuseReservedKeys(value, 'the link');
  const parsed = PayloadSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PayloadError(`its contents are not laid out as a QuantLab link (${issue.path.join('.') || 'top level'}: ${issue.message})`);
  }
  const p = parsed.data;
  const n = p.id.length;
  for (const name of COLUMNS) {
    if (p[name].length !== n) throw new PayloadError(`it lists ${n} results but ${p[name].length} values of "${name}"`);
  }
  for (const [name, values] of Object.entries(p.x)) {
    if (values.length !== n) throw new PayloadError(`it lists ${n} results but ${values.length} values of the metric "${name}"`);
  }
  let time = p.c;
  return p.id.map((id, i) => {
    const [presetName, bitsPerWeight] = at(p.p, p.pr[i], 'preset', i);
    time += p.at[i];
    if (time > 8.64e15) throw new PayloadError(`result ${i + 1} has a time past the year 275,000`);
    const metrics = Object.fromEntries(Object.entries(p.x).flatMap(([name, values]) => (values[i] === null ? [] : [[name, values[i]]])));
    const candidate = {
      schema: 2,
      id,
      sweep: at(p.s, p.sw[i], 'sweep', i),
      createdAt: new Date(time).toISOString(),
      quantlab: { version: at(p.q, p.qv[i], 'version', i) },
      model: modelInfo(at(p.m, p.mo[i], 'model', i)),
      device: deviceInfo(at(p.d, p.de[i], 'device', i)),
      preset: { name: presetName, bits_per_weight: bitsPerWeight },
      task: taskInfo(at(p.t, p.ta[i], 'task', i)),
      metrics,
      memory: { weights_bytes: p.wb[i], kv_cache_bytes: p.kb[i], scratch_bytes: p.sb[i] },
      timing: { upload_seconds: p.us[i], score_seconds: p.ss[i], items_per_second: p.ips[i], tokens_per_second: p.tps[i] },
    };
    const record = parseRecord(candidate);
    if (!record.ok) throw new PayloadError(`result ${i + 1} is not valid: ${record.problems.join('; ')}`);
    return record.record;
  });
}
