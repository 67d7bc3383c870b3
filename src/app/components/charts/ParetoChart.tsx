import { useState } from 'react';
import { CartesianGrid, Legend, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { paretoFront } from '../../results/analysis';
import { metricInfo } from '../../results/metrics';
import { cellOf, type ResultsModel, type Row } from '../../results/view';
import { ChartFigure } from './ChartFigure';
import { ColumnPicker } from './ColumnPicker';
import { colour, HEIGHT, MARGIN, shape } from './palette';
import { tick, yOf, type Point } from './points';
import { RecordTooltip } from './RecordTooltip';

const DECODE = metricInfo('decode_tokens_per_second');

/**
 * Quality against decode speed, one point a preset; the presets no other beats on both are the
 * Pareto front, joined by a line. Without a speed task the scoring speed of the quality run stands in.
 */
export function ParetoChart({ model }: { model: ResultsModel }) {
  const qualities = model.columns.filter((c) => c.metric.family !== 'speed');
  const speedColumn = model.columns.find((c) => c.metric.family === 'speed');
  const [picked, setPicked] = useState(0);
  if (qualities.length === 0) return null;
  const quality = qualities[Math.min(picked, qualities.length - 1)];
  const speedOf = (row: Row): { value: number; point: Pick<Point, 'record' | 'metric'> | null } | null => {
    if (speedColumn) {
      const cell = cellOf(row, speedColumn);
      return cell ? { value: cell.value, point: { record: cell.record, metric: DECODE } } : null;
    }
    const q = row.cells.get(quality.key);
    return q ? { value: q.timing.tokens_per_second, point: null } : null;
  };
  const groups = model.series.map((series, si) => {
    const points: Point[] = model.rows
      .filter((row) => row.series.key === series.key)
      .flatMap((row) => {
        const y = yOf(row, quality);
        const speed = speedOf(row);
        if (!y || !speed) return [];
        return [{ x: speed.value, y: y.y, preset: row.preset, record: y.record, metric: quality.metric, other: speed.point ?? undefined }];
      });
    const front = paretoFront(
      points.map((p) => ({ speed: p.x, quality: p.y })),
      quality.metric.better === 'higher',
    ).map((i) => points[i]);
    return { series, points, front, colour: colour(si), shape: shape(si) };
  }).filter((g) => g.points.length > 0);
  if (groups.length === 0) return null;
  const xLabel = speedColumn ? 'decode speed (tokens/s)' : 'scoring speed (tokens/s, no speed task in these results)';
  const multi = groups.length > 1;
  const legend = groups.flatMap((g) => [
    { label: multi ? `presets · ${g.series.label}` : 'presets', colour: g.colour },
    { label: multi ? `Pareto front · ${g.series.label}` : 'Pareto front', colour: g.colour },
  ]);
  const frontNames = groups.map((g) => `${multi ? `${g.series.model}: ` : ''}${g.front.map((p) => p.preset).join(', ')}`).join('; ');
  return (
    <ChartFigure
      id="pareto"
      title={`${quality.label} against ${speedColumn ? 'decode' : 'scoring'} speed, with the Pareto front`}
      legend={legend}
      note={<span data-testid="pareto-front">On the front (nothing is both faster and better): {frontNames}.</span>}
      controls={<ColumnPicker label="Quality measure" columns={qualities} value={quality} onPick={setPicked} />}
    >
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <ScatterChart margin={MARGIN}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" dataKey="x" name="speed" domain={['auto', 'auto']} tickFormatter={tick} label={{ value: xLabel, position: 'insideBottom', offset: -20 }} />
          <YAxis
            type="number"
            dataKey="y"
            name={quality.metric.label}
            domain={['auto', 'auto']}
            width={64}
            tickFormatter={tick}
            label={{ value: `${quality.metric.label} (${quality.metric.better} is better)`, angle: -90, position: 'insideLeft', style: { textAnchor: 'middle' } }}
          />
          <Tooltip content={RecordTooltip} />
          <Legend verticalAlign="top" />
          {groups.flatMap((g) => [
            <Scatter key={`${g.series.key}-all`} name={legend[groups.indexOf(g) * 2].label} data={g.points} fill={g.colour} fillOpacity={0.45} shape={g.shape} isAnimationActive={false} />,
            <Scatter
              key={`${g.series.key}-front`}
              name={legend[groups.indexOf(g) * 2 + 1].label}
              data={[...g.front].sort((a, b) => a.x - b.x)}
              fill={g.colour}
              stroke={g.colour}
              line={{ strokeWidth: 2 }}
              shape={g.shape}
              isAnimationActive={false}
            />,
          ])}
        </ScatterChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
