import { useLab } from '../store';
import { duration, megabytes } from '../format';

/** The sweep in flight: which result, which stage, items done, their rate and the time left. */
export function RunProgress() {
  const run = useLab((s) => s.run);
  if (run.phase === 'idle') return null;
  const st = run.stage;
  const doneHere = run.cellsDone - run.cellsAtStart;
  const secondsLeft = doneHere > 0 ? ((Date.now() - run.startedAt) / 1000 / doneHere) * (run.cellsTotal - run.cellsDone) : null;
  return (
    <div className="progress" data-testid="run-progress">
      <label>
        <span>
          Results: {run.cellsDone} of {run.cellsTotal} finished
          {secondsLeft !== null && run.cellsDone < run.cellsTotal ? `, about ${duration(secondsLeft)} left in all` : ''}
        </span>
        <progress aria-label="Results finished" max={Math.max(run.cellsTotal, 1)} value={run.cellsDone} />
      </label>
      {st?.stage === 'hash' && (
        <label>
          <span>
            Hashing {st.progress.file}: {megabytes(st.progress.bytesDone)} of {megabytes(st.progress.bytesTotal)}
          </span>
          <progress aria-label="Hashing the weights" max={Math.max(st.progress.bytesTotal, 1)} value={st.progress.bytesDone} />
        </label>
      )}
      {st?.stage === 'upload' && (
        <label>
          <span>
            Loading weights onto the GPU ({st.preset}): {st.progress.done} of {st.progress.total} tensors
          </span>
          <progress aria-label="Loading weights" max={st.progress.total} value={st.progress.done} />
        </label>
      )}
      {st?.stage === 'reference' && (
        <label>
          <span>
            16-bit reference for KL divergence: {st.done} of {st.total} windows
          </span>
          <progress aria-label="Computing the 16-bit reference" max={Math.max(st.total, 1)} value={st.done} />
        </label>
      )}
      {st?.stage === 'cell' && (
        <label>
          <span>
            {st.preset} on {st.task}: {st.progress.done} of {st.progress.total} {st.progress.unit}, {rate(st.progress.itemsPerSecond, st.progress.unit)}
            {st.progress.secondsLeft !== null && st.progress.done < st.progress.total ? `, about ${duration(st.progress.secondsLeft)} left` : ''}
          </span>
          <progress aria-label={`Scoring ${st.progress.unit}`} max={Math.max(st.progress.total, 1)} value={st.progress.done} />
        </label>
      )}
    </div>
  );
}

function rate(perSecond: number, unit: string): string {
  return `${perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(2)} ${unit}/s`;
}
