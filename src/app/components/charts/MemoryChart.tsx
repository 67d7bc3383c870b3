import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ResultsModel } from '../../results/view';
import { ChartFigure } from './ChartFigure';
import { COLOURS, HEIGHT, MARGIN } from './palette';
import { megabytes, tick } from './points';

const PARTS = [
  { key: 'weights', label: 'weights (MB)', colour: COLOURS[0] },
  { key: 'kv', label: 'KV cache (MB)', colour: COLOURS[1] },
  { key: 'scratch', label: 'scratch (MB)', colour: COLOURS[2] },
] as const;

/** GPU memory of each preset: weights, KV cache and scratch, stacked. */
export function MemoryChart({ model }: { model: ResultsModel }) {
  if (model.rows.length === 0) return null;
  const multi = model.series.length > 1;
  const data = model.rows.map((row) => ({
    name: multi ? `${row.preset} (${model.series.indexOf(row.series) + 1})` : row.preset,
    weights: megabytes(row.weightsBytes),
    kv: megabytes(row.kvBytes),
    scratch: megabytes(row.scratchBytes),
  }));
  return (
    <ChartFigure
      id="memory"
      title="GPU memory per preset (MB, lower is better)"
      legend={PARTS.map((p) => ({ label: p.label, colour: p.colour }))}
      note={multi ? `Numbers in brackets name the series: ${model.series.map((s, i) => `${i + 1} ${s.label}`).join('; ')}.` : undefined}
    >
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <BarChart data={data} margin={MARGIN}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" interval={0} angle={-30} textAnchor="end" height={60} />
          <YAxis width={64} tickFormatter={tick} label={{ value: 'GPU memory (MB)', angle: -90, position: 'insideLeft', style: { textAnchor: 'middle' } }} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? `${v.toFixed(2)} MB` : String(v))} />
          <Legend verticalAlign="top" />
          {PARTS.map((p) => (
            <Bar key={p.key} dataKey={p.key} name={p.label} stackId="memory" fill={p.colour} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
