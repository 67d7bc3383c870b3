import { useShallow } from 'zustand/react/shallow';
import { copyLink, exportHistory, removeResult } from '../actions';
import { clock, count, perplexity, tokensPerSecond } from '../format';
import { comparisonKey, useLab } from '../store';
import { ShareLinkBox } from './ShareLinkBox';

export function HistoryPanel() {
  const { history, loaded, viewKey } = useLab(useShallow((s) => ({ history: s.history, loaded: s.historyLoaded, viewKey: s.viewKey })));
  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <p className="hint">
        Every finished result is stored in this browser (IndexedDB) the moment it ends. "Show" puts a result's comparison in Results
        above.
      </p>
      <div className="actions">
        <button type="button" disabled={history.length === 0} onClick={exportHistory}>
          Export history as JSON
        </button>
      </div>
      <ShareLinkBox where="history" />
      {!loaded ? (
        <p className="hint">Reading the history…</p>
      ) : history.length === 0 ? (
        <p className="hint">Nothing yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="history" aria-label="History">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Model</th>
                <th scope="col">Windows</th>
                <th scope="col">Preset</th>
                <th scope="col" className="num">
                  Perplexity
                </th>
                <th scope="col" className="num">
                  Bits per byte
                </th>
                <th scope="col" className="num">
                  Speed
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {history.map((r) => {
                const key = comparisonKey(r);
                return (
                  <tr key={r.id} data-testid={`history-${r.id}`} className={key === viewKey ? 'viewed' : undefined}>
                    <td>{clock(r.createdAt)}</td>
                    <td>
                      {r.model.name}
                      <div className="hint">{r.task.dataset.name}</div>
                    </td>
                    <td>
                      {count(r.task.settings.windows ?? 0)} × {count(r.task.settings.n_ctx ?? 0)} tokens
                    </td>
                    <th scope="row">{r.preset.name}</th>
                    <td className="num" data-value={String(r.metrics.perplexity)}>
                      {r.metrics.perplexity === undefined ? '–' : perplexity(r.metrics.perplexity)}
                    </td>
                    <td className="num">{r.metrics.bits_per_byte === undefined ? '–' : `${r.metrics.bits_per_byte.toFixed(4)} bits/byte`}</td>
                    <td className="num">{tokensPerSecond(r.timing.tokens_per_second)}</td>
                    <td className="row-actions">
                      <button type="button" disabled={key === viewKey} onClick={() => useLab.setState({ viewKey: key })}>
                        Show<span className="sr-only"> the comparison of {r.preset.name}</span>
                      </button>
                      <button type="button" onClick={() => void copyLink(r, 'history')}>
                        Copy link<span className="sr-only"> to {r.preset.name} of {clock(r.createdAt)}</span>
                      </button>
                      <button type="button" onClick={() => void removeResult(r.id)}>
                        Delete<span className="sr-only"> {r.preset.name} of {clock(r.createdAt)}</span>
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
