import { useShallow } from 'zustand/react/shallow';
import { firstScored } from '../../eval/perplexity';
import { cancel, readTaskFields, runSelected } from '../actions';
import { count, counted, duration, perplexity, tokensPerSecond } from '../format';
import { useLab, type LabState } from '../store';
import { ProblemNotice } from './ProblemNotice';

function statusText(s: LabState): string {
  if (s.gpu.status === 'connecting') return 'Connecting to the GPU…';
  if (s.gpu.status === 'error') return 'WebGPU is not available, so nothing can run: see the message at the top.';
  if (s.run.phase === 'cancelling') return 'Cancelling…';
  if (s.run.phase === 'running') {
    const preset = s.run.queue[s.run.index];
    const step = s.run.event === null ? 'starting' : { upload: 'loading weights', tokenize: 'tokenizing', score: 'scoring' }[s.run.event.stage];
    return `Running ${preset} (preset ${s.run.index + 1} of ${s.run.queue.length}): ${step}.`;
  }
  if (s.model.status === 'opening') return 'Opening the model…';
  if (s.model.status === 'error') return 'The model could not be opened: see the message under Model.';
  if (s.outcome) return s.outcome;
  if (s.model.status === 'ready') return 'Ready.';
  return '';
}

export function TaskPanel() {
  const state = useLab(
    useShallow((s) => ({
      nCtx: s.nCtx,
      windows: s.windows,
      tokens: s.model.summary?.text.tokens,
      ready: s.gpu.status === 'ready' && s.model.status === 'ready',
      phase: s.run.phase,
      selected: s.selected.length,
      status: statusText(s),
      runProblem: s.runProblem,
    })),
  );
  const fields = readTaskFields();
  const idle = state.phase === 'idle';
  const blocker = !state.ready
    ? 'A model must be open first.'
    : state.selected === 0
      ? 'Check at least one preset.'
      : 'error' in fields
        ? fields.error
        : null;

  return (
    <section className="panel" aria-labelledby="task-heading">
      <h2 id="task-heading">3. Task and run</h2>
      <p className="hint">
        Perplexity of the model on held-out text, computed as llama.cpp's <code>llama-perplexity</code> does: the text is cut into
        windows of n_ctx tokens; the first half of each window is context, the second half is scored. Lower is better.
      </p>
      <div className="fields">
        <label>
          Window length n_ctx (tokens)
          <input
            type="text"
            inputMode="numeric"
            value={state.nCtx}
            disabled={!idle}
            onChange={(e) => useLab.setState({ nCtx: e.target.value })}
          />
        </label>
        <label>
          Windows to score (empty: all)
          <input
            type="text"
            inputMode="numeric"
            value={state.windows}
            placeholder="all"
            disabled={!idle}
            onChange={(e) => useLab.setState({ windows: e.target.value })}
          />
        </label>
      </div>
      <p className={'error' in fields ? 'field-error' : 'hint'} id="task-help">
        {'error' in fields ? fields.error : windowsText(fields.nCtx, fields.limit, state.tokens)}
      </p>
      <div className="actions">
        <button type="button" className="primary" disabled={!idle || blocker !== null} aria-describedby="run-blocker" onClick={() => void runSelected()}>
          Run
        </button>
        <button type="button" disabled={state.phase !== 'running'} onClick={() => void cancel()}>
          Cancel
        </button>
        {idle && blocker && (
          <span id="run-blocker" className="hint">
            {blocker}
          </span>
        )}
      </div>
      <p role="status" aria-live="polite" className="status" data-testid="run-status">
        {state.status}
      </p>
      {state.runProblem && <ProblemNotice problem={state.runProblem} testId="run-error" />}
      <RunProgress />
    </section>
  );
}

function windowsText(nCtx: number, limit: number | null, tokens: number | undefined): string {
  const scored = nCtx - 1 - firstScored(nCtx);
  if (tokens === undefined) return `Each window scores its last ${scored} tokens.`;
  const available = Math.floor(tokens / nCtx);
  const used = limit === null ? available : Math.min(limit, available);
  const capped = limit !== null && limit > available ? ` (only ${count(available)} fit in the text)` : '';
  return `${counted(used, 'window')} of ${count(nCtx)} tokens${capped}: ${count(used * scored)} tokens scored per preset.`;
}

function RunProgress() {
  const run = useLab((s) => s.run);
  if (run.phase === 'idle') return null;
  const e = run.event;
  const upload = e?.stage === 'upload' ? e.progress : null;
  const uploaded = e !== null && e.stage !== 'upload';
  const score = e?.stage === 'score' ? e.progress : null;
  return (
    <div className="progress" data-testid="run-progress">
      <p>
        Preset {run.index + 1} of {run.queue.length}: <strong>{run.queue[run.index]}</strong>
      </p>
      <label>
        <span>
          Loading weights onto the GPU
          {upload ? `: ${upload.done} of ${upload.total} tensors` : uploaded ? ': done' : ''}
        </span>
        <progress aria-label="Loading weights" max={upload?.total ?? 1} value={upload?.done ?? (uploaded ? 1 : 0)} />
      </label>
      <label>
        <span>
          Scoring
          {score
            ? `: ${score.windowsDone} of ${score.windowsTotal} windows, ${tokensPerSecond(score.tokensPerSecond)}` +
              (score.secondsLeft !== null && score.windowsDone < score.windowsTotal ? `, about ${duration(score.secondsLeft)} left` : '') +
              `, perplexity so far ${perplexity(score.perplexity)}`
            : e?.stage === 'tokenize'
              ? ': tokenizing the text, then the first window'
              : ''}
        </span>
        <progress aria-label="Scoring windows" max={score?.windowsTotal ?? 1} value={score?.windowsDone ?? 0} />
      </label>
    </div>
  );
}
