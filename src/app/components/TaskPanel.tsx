import { useShallow } from 'zustand/react/shallow';
import { firstScored } from '../../eval/perplexity';
import { parsePreset } from '../../quant/presets';
import { cancel, readTaskFields, readTasks, runSelected } from '../actions';
import { offeredTasks } from '../offeredTasks';
import { presetFit } from '../presetInfo';
import { count, counted } from '../format';
import { useLab, type LabState, type TaskChoice } from '../store';
import { ProblemNotice } from './ProblemNotice';
import { RunProgress } from './RunProgress';
import { StorageProblem } from './StorageProblem';

function statusText(s: LabState): string {
  if (s.gpu.status === 'connecting') return 'Connecting to the GPU…';
  if (s.gpu.status === 'error') return 'WebGPU is not available, so nothing can run: see the message at the top.';
  if (s.run.phase === 'cancelling') return 'Cancelling…';
  if (s.run.phase === 'running') {
    const st = s.run.stage;
    const where = `(result ${Math.min(s.run.cellsDone + 1, s.run.cellsTotal)} of ${s.run.cellsTotal})`;
    if (st?.stage === 'cell') return `Running ${st.preset} on ${st.task} ${where}: scoring.`;
    if (st?.stage === 'upload') return `Running ${st.preset} ${where}: loading weights.`;
    if (st?.stage === 'reference') return `Computing the 16-bit reference for KL divergence ${where}.`;
    if (st?.stage === 'hash') return 'Hashing the weight files, so results name the exact model.';
    return `Running ${s.run.presets[0] ?? ''}: starting.`;
  }
  if (s.model.status === 'opening') return 'Opening the model…';
  if (s.model.status === 'error') return 'The model could not be opened: see the message under Model.';
  if (s.outcome) return s.outcome;
  if (s.model.status === 'ready') return 'Ready.';
  return '';
}

/** The first checked preset that cannot run on this GPU, in words; null where all can. */
function tooBigPreset(s: LabState): string | null {
  const config = s.model.summary?.config;
  if (!config) return null;
  for (const name of s.selected) {
    const fit = presetFit(parsePreset(name), config, Number(s.nCtx) || 0, s.gpu.info, s.memory.deviceGb);
    if (fit.verdict === 'will-not-fit') return `${name} will not fit this GPU: ${fit.reason}. Untick it to run the rest.`;
  }
  return null;
}

const choiceOf = (s: LabState, name: string): TaskChoice => s.tasks[name] ?? { on: false, limit: '', shots: '' };

function setChoice(name: string, change: Partial<TaskChoice>): void {
  useLab.setState((s) => ({ tasks: { ...s.tasks, [name]: { ...choiceOf(s, name), ...change } } }));
}

export function TaskPanel() {
  const state = useLab(
    useShallow((s) => ({
      nCtx: s.nCtx,
      windows: s.windows,
      tokens: s.model.summary?.text.tokens,
      hasChatTemplate: s.model.summary?.hasChatTemplate ?? false,
      chatTemplate: s.chatTemplate,
      ready: s.gpu.status === 'ready' && s.model.status === 'ready',
      phase: s.run.phase,
      selected: s.selected.length,
      status: statusText(s),
      runProblem: s.runProblem,
      tasks: s.tasks,
      stored: s.datasets.stored,
      tooBig: tooBigPreset(s),
    })),
  );
  const fields = readTaskFields();
  const tasks = readTasks();
  const idle = state.phase === 'idle';
  const blocker = !state.ready
    ? 'A model must be open first.'
    : state.selected === 0
      ? 'Check at least one preset.'
      : state.tooBig
        ? state.tooBig
        : 'error' in tasks
        ? tasks.error
        : null;
  const offered = offeredTasks(state.stored.map((d) => d.name));

  return (
    <section className="panel" aria-labelledby="task-heading">
      <h2 id="task-heading">4. Tasks and run</h2>
      <p className="hint">
        Every checked preset runs every ticked task: one sweep, one result each. Perplexity is computed as llama.cpp's{' '}
        <code>llama-perplexity</code> does: the text is cut into windows of n_ctx tokens; the first half of each window is context, the
        second half is scored. Multiple-choice tasks are scored as lm-evaluation-harness does.
      </p>
      <div className="scroll-x">
      <table className="tasks">
        <caption className="sr-only">Tasks</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Task</th>
            <th scope="col">What it measures</th>
            <th scope="col">Items to score (empty: all)</th>
            <th scope="col">Shots</th>
          </tr>
        </thead>
        <tbody>
          {offered.map((t) => {
            const choice = state.tasks[t.name] ?? { on: false, limit: '', shots: '' };
            const id = `task-${t.name}`;
            const text = t.schema === 'text';
            return (
              <tr key={t.name}>
                <td>
                  <input id={id} type="checkbox" checked={choice.on} disabled={!idle} onChange={(e) => setChoice(t.name, { on: e.target.checked })} />
                </td>
                <td>
                  <label htmlFor={id}>{t.name}</label>
                </td>
                <td>
                  {t.title}: {t.describe}
                </td>
                <td>
                  {text ? (
                    t.kind === 'speed' ? (
                      'a prompt of n_ctx tokens, then 32 decoded'
                    ) : (
                      'the windows below'
                    )
                  ) : (
                    <input
                      type="text"
                      inputMode="numeric"
                      aria-label={`Items of ${t.name}`}
                      value={choice.limit}
                      placeholder="all"
                      disabled={!idle}
                      onChange={(e) => setChoice(t.name, { limit: e.target.value })}
                    />
                  )}
                </td>
                <td>
                  {t.shots.max > 0 ? (
                    <input
                      type="text"
                      inputMode="numeric"
                      aria-label={`Shots of ${t.name}`}
                      value={choice.shots}
                      placeholder={String(t.shots.default)}
                      disabled={!idle}
                      onChange={(e) => setChoice(t.name, { shots: e.target.value })}
                    />
                  ) : (
                    '0'
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      </div>
      <div className="fields">
        <label>
          Window length n_ctx (tokens)
          <input type="text" inputMode="numeric" value={state.nCtx} disabled={!idle} onChange={(e) => useLab.setState({ nCtx: e.target.value })} />
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
        <label className="choice">
          <input
            type="checkbox"
            checked={state.chatTemplate}
            disabled={!idle || !state.hasChatTemplate}
            onChange={(e) => useLab.setState({ chatTemplate: e.target.checked })}
          />
          Render prompts through the model's chat template (as lm-eval's --apply_chat_template)
          {!state.hasChatTemplate && <span className="hint"> — this model has none</span>}
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
      <StorageProblem />
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
  return `Perplexity and KL divergence: ${counted(used, 'window')} of ${count(nCtx)} tokens${capped}: ${count(used * scored)} tokens scored per preset.`;
}
