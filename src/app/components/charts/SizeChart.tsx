import { useState } from 'react';
import { CartesianGrid, ErrorBar, LabelList, Legend, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { parameters } from '../../format';
import type { ResultsModel } from '../../results/view';
import { ChartFigure } from './ChartFigure';
import { ColumnPicker } from './ColumnPicker';
import { colour, HEIGHT, MARGIN, shape } from './palette';
import { megabytes, tick, yOf, type Point } from './points';
import { RecordTooltip } from './RecordTooltip';

/** 1, 2 and 5 times powers of ten from `lo` to `hi`: round ticks for a log axis. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** p;
      if (t >= lo && t <= hi) out.push(Number(t.toPrecision(3)));
    }
  }
  return out;
}

/**
 * Jin et al.'s question: does a larger model quantized beat a smaller one in 16 bits? Each model
 * is a line over its presets, score against the memory its weights take.
 */
export function SizeChart({ model }: { model: ResultsModel }) {
  const models = [...new Set(model.series.map((s) => s.model))];
  const [picked, setPicked] = useState(0);
  // Accuracy first: the papers ask which model scores better, perplexity is the proxy.
  const columns = model.columns
    .filter((c) => c.metric.family !== 'speed' && new Set(model.rows.filter((r) => r.cells.has(c.key)).map((r) => r.series.model)).size > 1)
    .sort((a, b) => Number(b.metric.family === 'accuracy') - Number(a.metric.family === 'accuracy'));
  if (models.length < 2 || columns.length === 0) {
    return <p className="hint">Compare sweeps of two model sizes (History: Compare) to see score against model memory.</p>;
  }
  const column = columns[Math.min(picked, columns.length - 1)];
  const lines = model.series
    .map((series, si) => {
      const points: Point[] = model.rows
        .filter((row) => row.series.key === series.key)
        .flatMap((row) => {
          const v = yOf(row, column);
          return v ? [{ x: megabytes(row.weightsBytes), y: v.y, err: v.err, preset: row.preset, record: v.record, metric: column.metric }] : [];
        })
        .sort((a, b) => a.x - b.x);
      return { name: `${series.model} (${parameters(series.parameters)} parameters)${model.series.length > models.length ? ` · ${series.label}` : ''}`, points, colour: colour(si), shape: shape(si) };
    })
    .filter((l) => l.points.length > 0);
  const xs = lines.flatMap((l) => l.points.map((p) => p.x));
  return (
    <ChartFigure
      id="size"
      title={`${column.label} against model memory, across model sizes`}
      legend={lines.map((l) => ({ label: l.name, colour: l.colour }))}
      note="Each line is one model over its presets. Where the larger model's quantized points sit above the smaller model's 16-bit point at about the same memory, a larger model quantized beats a smaller one in 16 bits."
      controls={<ColumnPicker label="Score" columns={columns} value={column} onPick={setPicked} />}
    >
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <ScatterChart margin={MARGIN}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="x"
            name="weights"
            scale="log"
            domain={[Math.min(...xs) * 0.9, Math.max(...xs) * 1.1]}
            ticks={logTicks(Math.min(...xs) * 0.9, Math.max(...xs) * 1.1)}
            tickFormatter={tick} label={{ value: 'weights in GPU memory (MB, log scale)', position: 'insideBottom', offset: -20 }} />
          <YAxis
            type="number"
            dataKey="y"
            name={column.metric.label}
            domain={['auto', 'auto']}
            width={64}
            tickFormatter={tick}
            label={{ value: `${column.metric.label} (${column.metric.better} is better)`, angle: -90, position: 'insideLeft', style: { textAnchor: 'middle' } }}
          />
          <Tooltip content={RecordTooltip} />
          <Legend verticalAlign="top" />
          {lines.map((l) => (
            <Scatter key={l.name} name={l.name} data={l.points} fill={l.colour} stroke={l.colour} line shape={l.shape} isAnimationActive={false}>
              <ErrorBar dataKey="err" direction="y" width={4} stroke={l.colour} />
              <LabelList dataKey="preset" position="top" fontSize={11} formatter={(v) => (v === 'fp16' ? '16-bit' : '')} />
            </Scatter>
          ))}
        </ScatterChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
