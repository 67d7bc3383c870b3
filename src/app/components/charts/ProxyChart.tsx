import { CartesianGrid, Legend, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { spearman } from '../../results/analysis';
import type { ResultsModel } from '../../results/view';
import { ChartFigure } from './ChartFigure';
import { colour, HEIGHT, MARGIN, shape } from './palette';
import { tick, yOf, type Point } from './points';
import { RecordTooltip } from './RecordTooltip';

/**
 * Is perplexity a proxy for accuracy? Each preset's perplexity against its accuracy on each task,
 * with Spearman's rank correlation: near −1, perplexity orders the presets as the task does.
 */
export function ProxyChart({ model }: { model: ResultsModel }) {
  const perplexity = model.columns.find((c) => c.metric.family === 'perplexity' && c.task === 'perplexity') ?? model.columns.find((c) => c.metric.family === 'perplexity');
  const tasks = model.columns.filter((c) => c.metric.family === 'accuracy');
  if (!perplexity || tasks.length === 0) return null;
  const groups = tasks
    .map((task, i) => {
      const points: Point[] = model.rows.flatMap((row) => {
        const ppl = yOf(row, perplexity);
        const acc = yOf(row, task);
        return ppl && acc ? [{ x: ppl.y, y: acc.y, err: acc.err, preset: row.preset, record: acc.record, metric: task.metric, other: { record: ppl.record, metric: perplexity.metric } }] : [];
      });
      const rho = spearman(points.map((p) => p.x), points.map((p) => p.y));
      return { task, points, rho, colour: colour(i), shape: shape(i) };
    })
    .filter((g) => g.points.length > 0);
  if (groups.length === 0) return null;
  const rhoText = (rho: number) => (Number.isNaN(rho) ? 'ρ undefined (fewer than 3 presets, or all equal)' : `ρ = ${rho.toFixed(2)}`);
  const legend = groups.map((g) => ({ label: `${g.task.label}: ${rhoText(g.rho)} over ${g.points.length} presets`, colour: g.colour }));
  const xs = groups.flatMap((g) => g.points.map((p) => p.x));
  const logScale = Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) > 20;
  return (
    <ChartFigure
      id="proxy"
      title="Is perplexity a proxy? Accuracy against perplexity across presets"
      legend={legend}
      note={
        <>
          Spearman rank correlation between perplexity and accuracy:{' '}
          {groups.map((g, i) => (
            <span key={g.task.key} data-testid={`spearman-${g.task.task}`} data-value={String(g.rho)}>
              {i > 0 && '; '}
              {g.task.label} {rhoText(g.rho)}
            </span>
          ))}
          . Near −1, the lower a preset's perplexity the higher its accuracy: perplexity ranks the presets as the task does.
        </>
      }
    >
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <ScatterChart margin={MARGIN}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="x"
            name="perplexity"
            scale={logScale ? 'log' : 'linear'}
            domain={['auto', 'auto']}
            tickFormatter={tick}
            label={{ value: `${perplexity.task === 'perplexity' ? '' : `${perplexity.label} `}perplexity${logScale ? ', log scale' : ''} (lower is better)`, position: 'insideBottom', offset: -20 }}
          />
          <YAxis type="number" dataKey="y" name="accuracy" domain={['auto', 'auto']} width={64} tickFormatter={tick} label={{ value: 'accuracy (%)', angle: -90, position: 'insideLeft', style: { textAnchor: 'middle' } }} />
          <Tooltip content={RecordTooltip} />
          <Legend verticalAlign="top" />
          {groups.map((g, i) => (
            <Scatter key={g.task.key} name={legend[i].label} data={g.points} fill={g.colour} shape={g.shape} isAnimationActive={false} />
          ))}
        </ScatterChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
