import type { ResultsModel } from '../results/view';
import { Charts } from './Charts';
import { ResultsTable } from './ResultsTable';

/** The table and the charts of a set of results: the lab's own, or a shared link's (read-only). */
export function ResultsView({ model, caption }: { model: ResultsModel; caption?: string }) {
  if (model.rows.length === 0) return <p className="hint">These results hold no metric this page can show.</p>;
  return (
    <>
      <ResultsTable model={model} caption={caption} />
      <Charts model={model} />
    </>
  );
}
