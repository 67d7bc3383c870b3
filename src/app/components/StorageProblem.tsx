import { useShallow } from 'zustand/react/shallow';
import { exportUnsaved } from '../actions';
import { counted } from '../format';
import { useLab } from '../store';
import { ProblemNotice } from './ProblemNotice';

/** Storage refused a result or a checkpoint: say so, and offer what is only in memory as a file. */
export function StorageProblem() {
  const { problem, unsaved } = useLab(useShallow((s) => ({ problem: s.storageProblem, unsaved: s.unsaved.length })));
  if (!problem && unsaved === 0) return null;
  return (
    <div data-testid="storage-problem">
      {problem && <ProblemNotice problem={problem} testId="storage-error" />}
      {unsaved > 0 && (
        <p>
          {counted(unsaved, 'result')} only in this tab.{' '}
          <button type="button" onClick={exportUnsaved}>
            Export results not stored
          </button>
        </p>
      )}
    </div>
  );
}
