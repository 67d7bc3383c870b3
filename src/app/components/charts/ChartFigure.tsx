import { useRef, useState, type ReactNode } from 'react';
import { download } from '../../resultsActions';
import { chartSvg, pngBlob, svgBlob, type LegendEntry } from './chartExport';

/**
 * A chart with its title, what it shows in words (for screen readers the numbers are in the
 * results table, which the figure names as its description), and buttons that save it as SVG or PNG.
 */
export function ChartFigure({
  id,
  title,
  note,
  legend,
  controls,
  children,
}: {
  id: string;
  title: string;
  note?: ReactNode;
  legend: readonly LegendEntry[];
  controls?: ReactNode;
  children: ReactNode;
}) {
  const figure = useRef<HTMLElement>(null);
  const [problem, setProblem] = useState('');
  const save = async (format: 'svg' | 'png') => {
    try {
      const { svg, width, height } = chartSvg(figure.current!, title, legend);
      download(format === 'svg' ? svgBlob(svg) : await pngBlob(svg, width, height), `quantlab-${id}.${format}`);
      setProblem('');
    } catch (e) {
      setProblem(`The chart could not be saved: ${e instanceof Error ? e.message : String(e)}.`);
    }
  };
  return (
    <figure ref={figure} className="chart" aria-labelledby={`${id}-title`} aria-describedby="results-table-note" data-testid={`chart-${id}`}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      {controls && <div className="chart-controls">{controls}</div>}
      {children}
      {note && <p className="hint">{note}</p>}
      <div className="actions">
        <button type="button" onClick={() => void save('svg')}>
          Save as SVG<span className="sr-only">: {title}</span>
        </button>
        <button type="button" onClick={() => void save('png')}>
          Save as PNG<span className="sr-only">: {title}</span>
        </button>
      </div>
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </figure>
  );
}
