import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { removeOverlay, share, showNewest } from '../resultsActions';
import { newestComparison, resultsModel, type RecordSource } from '../results/view';
import { useLab } from '../store';
import { ResultsView } from './ResultsView';
import { ShareLinkBox } from './ShareLinkBox';
import { Untrusted } from './Untrusted';

/** The own records Results shows: the sweeps picked in History, or the newest results. */
function ownSource(history: ReturnType<typeof useLab.getState>['history'], picked: ReturnType<typeof useLab.getState>['results']['picked']): RecordSource {
  if (picked) return { id: 'mine', label: '', records: picked.flatMap((p) => p.records), bySweep: true };
  return { id: 'mine', label: '', records: newestComparison(history), bySweep: false };
}

export function ResultsPanel() {
  const { history, picked, overlays, problem } = useLab(
    useShallow((s) => ({ history: s.history, picked: s.results.picked, overlays: s.results.overlays, problem: s.results.problem })),
  );
  const own = useMemo(() => ownSource(history, picked), [history, picked]);
  const model = useMemo(() => resultsModel([own, ...overlays].filter((s) => s.records.length > 0)), [own, overlays]);
  return (
    <section className="panel" aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      <p className="hint">
        {picked
          ? `${picked.length === 1 ? 'One sweep' : `${picked.length} sweeps`} picked in History below.`
          : 'The newest result of each preset and task of the model run last. History below holds every sweep: Show or Compare one to see it here.'}{' '}
        {picked && (
          <button type="button" onClick={showNewest}>
            Show the newest results
          </button>
        )}
      </p>
      {overlays.length > 0 && (
        <ul className="overlays" aria-label="Results laid over yours">
          {overlays.map((o) => (
            <li key={o.id}>
              {o.records.length} results from <Untrusted text={o.label} />{' '}
              <button type="button" onClick={() => removeOverlay(o.id)}>
                Remove<span className="sr-only"> the results from {o.label}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {model.rows.length === 0 ? (
        <p className="hint">No results yet: pick presets and press Run. Every result is kept in this browser.</p>
      ) : (
        <>
          <div className="actions">
            <button type="button" onClick={() => void share(own.records, 'results')} disabled={own.records.length === 0}>
              Share these results
            </button>
          </div>
          <ShareLinkBox where="results" />
          <ResultsView model={model} />
        </>
      )}
    </section>
  );
}
