import { useShallow } from 'zustand/react/shallow';
import { discardUnfinished, resume } from '../actions';
import { clock, count } from '../format';
import { useLab } from '../store';

/** Runs stopped part-way: their scored windows are stored, and Resume scores only the rest. */
export function UnfinishedPanel() {
  const { unfinished, canRun } = useLab(
    useShallow((s) => ({ unfinished: s.unfinished, canRun: s.run.phase === 'idle' && s.gpu.status === 'ready' && s.model.status !== 'opening' })),
  );
  if (unfinished.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="unfinished-heading">
      <h2 id="unfinished-heading">Unfinished runs</h2>
      <ul className="unfinished">
        {unfinished.map((u) => (
          <li key={u.key} data-testid="unfinished-run">
            <span>
              <strong>{u.preset}</strong> on {u.model}, windows of {count(u.nCtx)} tokens: {u.window_nll.length} of {u.windowsTotal} windows
              scored (saved {clock(u.updatedAt)}).
            </span>
            <button type="button" disabled={!canRun} onClick={() => void resume(u)}>
              Resume<span className="sr-only"> {u.preset}</span>
            </button>
            <button type="button" disabled={!canRun} onClick={() => void discardUnfinished(u.key)}>
              Discard<span className="sr-only"> {u.preset}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
