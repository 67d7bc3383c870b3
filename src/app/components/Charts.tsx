import type { ResultsModel } from '../results/view';
import { BitsCharts } from './charts/BitsChart';
import { MemoryChart } from './charts/MemoryChart';
import { ParetoChart } from './charts/ParetoChart';
import { ProxyChart } from './charts/ProxyChart';
import { SizeChart } from './charts/SizeChart';

/** Every chart of the shown results; each has the results table as its text alternative. */
export function Charts({ model }: { model: ResultsModel }) {
  if (model.rows.length === 0) return null;
  return (
    <div className="charts">
      <BitsCharts model={model} />
      <ParetoChart model={model} />
      <MemoryChart model={model} />
      <ProxyChart model={model} />
      <SizeChart model={model} />
    </div>
  );
}
