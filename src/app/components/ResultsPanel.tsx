import { useShallow } from 'zustand/react/shallow';
import type { ResultRecord } from '../../results/record';
import { copyLink } from '../actions';
import { count, counted } from '../format';
import { comparisonKey, useLab } from '../store';
import { Charts } from './Charts';
import { ResultsTable } from './ResultsTable';
import { ShareLinkBox } from './ShareLinkBox';

/** The newest record of each preset in the comparison, most bits first. */
function comparison(history: ResultRecord[], key: string | null): ResultRecord[] {
  const newest = new Map<string, ResultRecord>();
  for (const r of history) {
    if (comparisonKey(r) === key && !newest.has(r.preset.name)) newest.set(r.preset.name, r);
  }
  return [...newest.values()].sort((a, b) => b.preset.bits_per_weight - a.preset.bits_per_weight || a.preset.name.localeCompare(b.preset.name));
}

export function ResultsPanel() {
  const { history, viewKey } = useLab(useShallow((s) => ({ history: s.history, viewKey: s.viewKey })));
  // After the viewed comparison's last record is deleted, the newest one is shown instead.
  const shown = history.some((r) => comparisonKey(r) === viewKey) ? viewKey : history[0] ? comparisonKey(history[0]) : null;
  const records = comparison(history, shown);
  return (
    <section className="panel" aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      {records.length === 0 ? (
        <p className="hint">No results yet: pick presets and press Run. Every result is kept in this browser.</p>
      ) : (
        <>
          <p className="hint">
            {records[0].model.name} on {records[0].task.dataset.name}: {counted(records[0].task.settings.windows ?? 0, 'window')} of{' '}
            {count(records[0].task.settings.n_ctx ?? 0)} tokens. The newest result of each preset is shown; History below lists them all.
          </p>
          <ResultsTable
            records={records}
            actions={(r) => (
              <button type="button" onClick={() => void copyLink(r, 'results')}>
                Copy link<span className="sr-only"> to the {r.preset.name} result</span>
              </button>
            )}
          />
          <ShareLinkBox where="results" />
          <Charts records={records} />
        </>
      )}
    </section>
  );
}
