import { CartesianGrid, ErrorBar, Legend, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricFamily } from '../../results/metrics';
import { weightsOnly, type ResultsModel } from '../../results/view';
import { ChartFigure } from './ChartFigure';
import { colour, HEIGHT, MARGIN, shape } from './palette';
import { tick, yOf, type Point } from './points';
import { RecordTooltip } from './RecordTooltip';

const TITLES: Record<MetricFamily, string> = {
  accuracy: 'Accuracy against effective bits per weight (higher is better)',
  perplexity: 'Perplexity against effective bits per weight (lower is better)',
  kld: 'KL divergence from 16-bit against effective bits per weight (lower is better)',
  speed: 'Decode speed against effective bits per weight (higher is better)',
  other: 'Other metrics against effective bits per weight',
};

const AXES: Record<MetricFamily, string> = {
  accuracy: 'accuracy (%)',
  perplexity: 'perplexity',
  kld: 'mean KL divergence (nats/token)',
  speed: 'decode (tokens/s)',
  other: 'value',
};

/** One chart a metric family: every task of it is a line over the presets' bits per weight, standard errors as bars. */
export function BitsCharts({ model }: { model: ResultsModel }) {
  const families = [...new Set(model.columns.map((c) => c.metric.family))];
  return (
    <>
      {families.map((family) => (
        <BitsChart key={family} model={model} family={family} />
      ))}
    </>
  );
}

function BitsChart({ model, family }: { model: ResultsModel; family: MetricFamily }) {
  const columns = model.columns.filter((c) => c.metric.family === family);
  const lines = columns.flatMap((column, ci) =>
    model.series.map((series, si) => {
      const points: Point[] = model.rows
        .filter((row) => row.series.key === series.key)
        .flatMap((row) => {
          const v = yOf(row, column);
          return v ? [{ x: row.bits, y: v.y, err: v.err, preset: row.preset, record: v.record, metric: column.metric }] : [];
        })
        .sort((a, b) => a.x - b.x || a.preset.localeCompare(b.preset));
      const name = model.series.length > 1 ? `${column.label} · ${series.label}` : column.label;
      return { name, points, colour: colour(ci), shape: shape(si) };
    }),
  ).filter((l) => l.points.length > 0);
  if (lines.length === 0) return null;
  const ys = lines.flatMap((l) => l.points.map((p) => p.y));
  // A 2-bit preset can be a hundred times worse than 16-bit: a log axis keeps the good presets apart.
  const logScale = (family === 'perplexity' || family === 'kld') && Math.min(...ys) > 0 && Math.max(...ys) / Math.min(...ys) > 20;
  const id = `bits-${family}`;
  return (
    <ChartFigure
      id={id}
      title={TITLES[family]}
      legend={lines.map((l) => ({ label: l.name, colour: l.colour }))}
      note="The line joins the presets that quantize the weights only; hollow points are presets that also quantize activations or the KV cache."
    >
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <ScatterChart margin={MARGIN}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="x"
            name="bits per weight"
            domain={[0, 17]}
            ticks={[2, 3, 4, 8, 16]}
            label={{ value: 'effective bits per weight (bits)', position: 'insideBottom', offset: -20 }}
          />
          <YAxis
            type="number"
            dataKey="y"
            name={AXES[family]}
            scale={logScale ? 'log' : 'linear'}
            domain={['auto', 'auto']}
            width={64}
            tickFormatter={tick}
            label={{ value: logScale ? `${AXES[family]}, log scale` : AXES[family], angle: -90, position: 'insideLeft', offset: 0, style: { textAnchor: 'middle' } }}
          />
          <Tooltip content={RecordTooltip} />
          <Legend verticalAlign="top" />
          {lines.flatMap((l) => [
            <Scatter key={l.name} name={l.name} data={l.points.filter((p) => weightsOnly(p.preset))} fill={l.colour} stroke={l.colour} line shape={l.shape} isAnimationActive={false}>
              <ErrorBar dataKey="err" direction="y" width={4} stroke={l.colour} />
            </Scatter>,
            <Scatter
              key={`${l.name}-others`}
              name={`${l.name} (activation and KV presets)`}
              legendType="none"
              data={l.points.filter((p) => !weightsOnly(p.preset))}
              fill="#ffffff"
              stroke={l.colour}
              shape={l.shape}
              isAnimationActive={false}
            >
              <ErrorBar dataKey="err" direction="y" width={4} stroke={l.colour} />
            </Scatter>,
          ])}
        </ScatterChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
