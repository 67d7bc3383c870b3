import { Bar, BarChart, CartesianGrid, LabelList, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { ResultRecord } from '../../results/record';

const INK = '#1f3a5f';
const ACCENT = '#c8553d';

/**
 * A linear axis from a round number below the lowest value to one above the
 * highest, ticked in steps of 1, 2 or 5 times a power of ten, so the ticks
 * read 80, 82, ... rather than the data's own extremes.
 */
function roundTicks(values: number[]): number[] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const raw = Math.max(hi - lo, hi * 0.02) / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.max(0, Math.floor(lo / step - 0.5));
  const last = Math.ceil(hi / step + 0.5);
  // Multiplying whole numbers of steps keeps 0.1-sized steps free of accumulated float error.
  return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toPrecision(12)));
}

export function Charts({ records }: { records: ResultRecord[] }) {
  const points = records
    .map((r) => ({ preset: r.preset.name, bits: r.preset.bits_per_weight, ppl: r.metrics.perplexity, speed: r.timing.tokens_per_second }))
    .filter((p): p is typeof p & { ppl: number } => p.ppl !== undefined);
  if (points.length === 0) return null;
  const ppls = points.map((p) => p.ppl);
  // A 2-bit preset can be a hundred times worse than 16-bit: a log axis keeps the good presets apart.
  const logScale = Math.max(...ppls) / Math.min(...ppls) > 20;
  const ticks = roundTicks(ppls);
  return (
    <div className="charts">
      <figure aria-label="Perplexity against effective bits per weight">
        <figcaption>Perplexity (lower is better) against effective bits per weight</figcaption>
        <ResponsiveContainer width="100%" height={300}>
          <ScatterChart margin={{ top: 24, right: 24, bottom: 28, left: 12 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              type="number"
              dataKey="bits"
              name="Bits per weight"
              unit=" bits"
              domain={[0, 17]}
              ticks={[2, 4, 8, 16]}
              label={{ value: 'effective bits per weight', position: 'insideBottom', offset: -16 }}
            />
            <YAxis
              type="number"
              dataKey="ppl"
              name="Perplexity"
              scale={logScale ? 'log' : 'linear'}
              domain={logScale ? ['auto', 'auto'] : [ticks[0], ticks[ticks.length - 1]]}
              ticks={logScale ? undefined : ticks}
              width={64}
              tickFormatter={(v: number) => String(Number(v.toPrecision(3)))}
              label={{ value: logScale ? 'perplexity (log scale)' : 'perplexity', angle: -90, position: 'insideLeft', offset: 4, dy: 50 }}
            />
            <Tooltip formatter={(v) => (typeof v === 'number' ? v.toPrecision(5) : String(v))} />
            <Scatter data={points} fill={INK} isAnimationActive={false}>
              <LabelList dataKey="preset" position="top" />
            </Scatter>
          </ScatterChart>
        </ResponsiveContainer>
      </figure>
      <figure aria-label="Scoring speed by preset">
        <figcaption>Scoring speed by preset (tokens per second, higher is better)</figcaption>
        <ResponsiveContainer width="100%" height={300}>
          <BarChart data={points} margin={{ top: 24, right: 24, bottom: 28, left: 12 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="preset" label={{ value: 'preset', position: 'insideBottom', offset: -16 }} />
            <YAxis width={64} allowDecimals={false} label={{ value: 'tokens/s', angle: -90, position: 'insideLeft', offset: 4, dy: 30 }} />
            <Tooltip formatter={(v) => (typeof v === 'number' ? `${v.toFixed(1)} tokens/s` : String(v))} />
            <Bar dataKey="speed" name="Speed" fill={ACCENT} isAnimationActive={false}>
              <LabelList dataKey="speed" position="top" formatter={(v) => (typeof v === 'number' ? v.toFixed(v < 10 ? 1 : 0) : '')} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </figure>
    </div>
  );
}
