import type { TooltipContentProps } from 'recharts';
import type { NameType, ValueType } from 'recharts/types/component/DefaultTooltipContent';
import { bitsPerWeight, clock, megabytes } from '../../format';
import { formatMetric, stderrKey } from '../../results/metrics';
import { Untrusted } from '../Untrusted';
import type { Point } from './points';

function MetricLine({ point }: { point: Pick<Point, 'record' | 'metric'> }) {
  const value = point.record.metrics[point.metric.key];
  const stderr = point.record.metrics[stderrKey(point.metric.key)];
  return (
    <p>
      <Untrusted text={point.record.task.name} /> {point.metric.key}: <strong>{formatMetric(point.metric, value)}</strong>
      {stderr !== undefined && <> ± {formatMetric(point.metric, stderr)}</>} (exactly {value})
    </p>
  );
}

/** The exact record under the pointer: what ran, on what, what it measured. */
export function RecordTooltip({ active, payload }: Partial<TooltipContentProps<ValueType, NameType>>) {
  const point = active ? (payload?.[0]?.payload as Point | undefined) : undefined;
  if (!point?.record) return null;
  const r = point.record;
  return (
    <div className="chart-tooltip">
      <p className="chart-tooltip-title">
        <Untrusted text={r.preset.name} /> · {bitsPerWeight(r.preset.bits_per_weight)} per weight
      </p>
      <MetricLine point={point} />
      {point.other && <MetricLine point={point.other} />}
      <p>
        <Untrusted text={r.model.name} /> on <Untrusted text={r.device.description} />
      </p>
      <p>
        weights {megabytes(r.memory.weights_bytes)}, KV cache {megabytes(r.memory.kv_cache_bytes)}, {clock(r.createdAt)}
      </p>
      <p className="hint">record {r.id}</p>
    </div>
  );
}
