import { useCallback, useEffect, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { listSweeps, unreadableEntries, type SweepSummary, type UnreadableEntry } from '../../results/history';
import { clock, count } from '../format';
import { exportAll, exportSweep, openResultsFile, removeSweep, removeUnreadable, shareSweep, showSweep, toggleCompared } from '../resultsActions';
import { useLab } from '../store';
import { ShareLinkBox } from './ShareLinkBox';
import { Untrusted } from './Untrusted';

/** Sweeps a page: the history reads only these summaries, never the records, however many are stored. */
export const SWEEPS_PER_PAGE = 10;
/** Names shown of a sweep's presets before "and N more". */
const PRESETS_SHOWN = 6;

function names(list: readonly string[]): string {
  const shown = list.slice(0, PRESETS_SHOWN).join(', ');
  return list.length > PRESETS_SHOWN ? `${shown} and ${list.length - PRESETS_SHOWN} more` : shown;
}

interface Listing {
  sweeps: SweepSummary[];
  total: number;
  unreadable: UnreadableEntry[];
}

export function HistoryPanel() {
  // The lab's own history list changes whenever a result is saved or deleted: the page is read again then.
  const { history, loaded, picked } = useLab(useShallow((s) => ({ history: s.history, loaded: s.historyLoaded, picked: s.results.picked })));
  const [offset, setOffset] = useState(0);
  const [revision, setRevision] = useState(0);
  const [listing, setListing] = useState<Listing | null>(null);
  const [problem, setProblem] = useState('');
  const fileId = useId();

  useEffect(() => {
    let live = true;
    Promise.all([listSweeps({ offset, limit: SWEEPS_PER_PAGE }), unreadableEntries()]).then(
      ([page, unreadable]) => {
        if (!live) return;
        // A deleted last sweep of the last page leaves it empty: step back to the one before.
        if (page.sweeps.length === 0 && offset > 0) setOffset(Math.max(0, offset - SWEEPS_PER_PAGE));
        else setListing({ ...page, unreadable });
        setProblem('');
      },
      (e: unknown) => live && setProblem(`The history could not be read: ${e instanceof Error ? e.message : String(e)}`),
    );
    return () => {
      live = false;
    };
  }, [offset, revision, history, loaded]);

  const reread = useCallback(() => setRevision((r) => r + 1), []);
  const pickedIds = new Set(picked?.map((p) => p.sweep));
  const total = listing?.total ?? 0;
  const last = Math.min(offset + SWEEPS_PER_PAGE, total);

  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <p className="hint">
        Every sweep run in this browser, newest first, kept in IndexedDB. Show puts a sweep in Results above; Compare adds it beside the others
        there (another model, another day).
      </p>
      <div className="actions">
        <button type="button" disabled={total === 0} onClick={() => void exportAll('json')}>
          Export history as JSON
        </button>
        <button type="button" disabled={total === 0} onClick={() => void exportAll('csv')}>
          Export history as CSV
        </button>
        <label htmlFor={fileId} className="file-open">
          Open a results file (a QuantLab bundle or history export, .json){' '}
          <input
            id={fileId}
            type="file"
            accept=".json,application/json"
            data-testid="open-results-file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void openResultsFile(file);
              e.target.value = '';
            }}
          />
        </label>
      </div>
      <ShareLinkBox where="history" />
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      {!listing ? (
        <p className="hint">Reading the history…</p>
      ) : total === 0 ? (
        <p className="hint">Nothing yet.</p>
      ) : (
        <>
          <nav className="pager" aria-label="History pages">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - SWEEPS_PER_PAGE))}>
              Newer sweeps
            </button>
            <span data-testid="history-range" aria-live="polite">
              Sweeps {count(offset + 1)}–{count(last)} of {count(total)}
            </span>
            <button type="button" disabled={last >= total} onClick={() => setOffset(offset + SWEEPS_PER_PAGE)}>
              Older sweeps
            </button>
          </nav>
          <div className="table-scroll" role="region" aria-label="Stored sweeps" tabIndex={0}>
            <table className="history" aria-label="History">
              <thead>
                <tr>
                  <th scope="col">Finished</th>
                  <th scope="col">Model</th>
                  <th scope="col">Presets</th>
                  <th scope="col">Tasks</th>
                  <th scope="col" className="num">
                    Results
                  </th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {listing.sweeps.map((s) => {
                  const what = `the sweep of ${clock(s.finishedAt)}`;
                  return (
                    <tr key={s.id} data-testid={`sweep-${s.id}`} className={pickedIds.has(s.id) ? 'viewed' : undefined}>
                      <th scope="row">{clock(s.finishedAt)}</th>
                      <td>
                        <Untrusted text={s.model} />
                      </td>
                      <td>
                        <Untrusted text={names(s.presets)} />
                      </td>
                      <td>
                        <Untrusted text={names(s.tasks)} />
                      </td>
                      <td className="num">{count(s.count)}</td>
                      <td className="row-actions">
                        <button type="button" onClick={() => void showSweep(s.id)}>
                          Show<span className="sr-only"> {what}</span>
                        </button>
                        <label className="choice">
                          <input type="checkbox" checked={pickedIds.has(s.id)} onChange={() => void toggleCompared(s.id)} />
                          Compare<span className="sr-only"> {what}</span>
                        </label>
                        <button type="button" onClick={() => void shareSweep(s.id)}>
                          Share<span className="sr-only"> {what}</span>
                        </button>
                        <button type="button" onClick={() => void exportSweep(s.id, 'json')}>
                          JSON<span className="sr-only"> export of {what}</span>
                        </button>
                        <button type="button" onClick={() => void exportSweep(s.id, 'csv')}>
                          CSV<span className="sr-only"> export of {what}</span>
                        </button>
                        <button type="button" onClick={() => void removeSweep(s.id).then(reread)}>
                          Delete<span className="sr-only"> {what}</span>
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      {listing && listing.unreadable.length > 0 && <Unreadable entries={listing.unreadable} onDeleted={reread} />}
    </section>
  );
}

/** Stored entries no schema reads: what is wrong with each and how it begins, so the person can decide to delete it. */
function Unreadable({ entries, onDeleted }: { entries: UnreadableEntry[]; onDeleted: () => void }) {
  return (
    <div className="unreadable" data-testid="unreadable">
      <h3>
        {entries.length} stored {entries.length === 1 ? 'entry' : 'entries'} cannot be read
      </h3>
      <p className="hint">Written by a broken build or damaged on disk; they are left out of Results. Look at what is wrong, and delete what you do not need.</p>
      <ul>
        {entries.map((e) => (
          <li key={String(e.key)}>
            <details>
              <summary>
                Entry <Untrusted text={String(e.key)} />: {e.problems.length} {e.problems.length === 1 ? 'problem' : 'problems'}
              </summary>
              <ul>
                {e.problems.map((p) => (
                  <li key={p}>
                    <Untrusted text={p} />
                  </li>
                ))}
              </ul>
              <p className="hint">It begins:</p>
              <code className="preview">
                <Untrusted text={e.preview} />
              </code>
            </details>
            <button type="button" onClick={() => void removeUnreadable(e.key).then(onDeleted)}>
              Delete<span className="sr-only"> the unreadable entry {String(e.key)}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
