import { useShallow } from 'zustand/react/shallow';
import { discardUnfinished, resume } from '../actions';
import { clock } from '../format';
import { useLab } from '../store';

/** Sweeps stopped part-way (reload, crash, cancel, a lost GPU): their finished results and checkpoints are stored, and Resume runs only the rest. */
export function UnfinishedPanel() {
  const { unfinished, canRun, runningId, unsavedPlans } = useLab(
    useShallow((s) => ({
      unfinished: s.unfinished,
      canRun: s.run.phase === 'idle' && s.gpu.status === 'ready' && s.model.status !== 'opening',
      runningId: s.run.phase === 'idle' ? null : s.run.sweepId,
      unsavedPlans: s.unsavedPlans,
    })),
  );
  const shown = unfinished.filter((u) => u.id !== runningId);
  if (shown.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="unfinished-heading">
      <h2 id="unfinished-heading">Unfinished runs</h2>
      <ul className="unfinished">
        {shown.map((u) => {
          const total = u.presets.length * u.tasks.length;
          return (
            <li key={u.id} data-testid="unfinished-run">
              <span>
                <bdi>{u.presets.join(', ')}</bdi> x <bdi>{u.tasks.map((t) => t.task).join(', ')}</bdi> on <bdi>{u.model}</bdi>: {u.done.length} of{' '}
                {total} results finished (saved {clock(u.updatedAt)}).
                {unsavedPlans.has(u.id) && ' Kept in this tab only: storage is full.'}
              </span>
              <button type="button" disabled={!canRun} onClick={() => void resume(u)}>
                Resume<span className="sr-only"> the sweep on {u.model}</span>
              </button>
              <button type="button" disabled={!canRun} onClick={() => void discardUnfinished(u.id)}>
                Discard<span className="sr-only"> the sweep on {u.model}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
