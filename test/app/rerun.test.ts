import { describe, expect, test } from 'vitest';
import { prepareRerun } from '../../src/app/resultsActions';
import { useLab } from '../../src/app/store';
import { sweepSpecs } from '../../src/results/sweep';
import { studyRecords } from '../results/studyFixture';

describe('running a shared sweep again', () => {
  test("ticks the sweep's presets in the order it ran them, takes its window length, and names what it cannot read", () => {
    const [spec] = sweepSpecs(studyRecords('quantlab-tiny'));
    const odd = { ...spec, presets: [...spec.presets, 'w4g64', 'not-a-preset'] };
    const { presets, unknown } = prepareRerun(odd);
    expect(presets).toEqual([...spec.presets, 'w4g64']);
    expect(unknown).toEqual(['not-a-preset']);
    const state = useLab.getState();
    expect(state.selected).toEqual(presets);
    // Only the preset the picker does not list already joins the custom ones.
    expect(state.customPresets).toEqual(['w4g64']);
    expect(state.nCtx).toBe('512');
    expect(state.notice).toContain('Not understood here: not-a-preset.');
  });

  test('ticks the tasks this page can run with their limits and shots, and names those that need a dataset', () => {
    const [spec] = sweepSpecs(studyRecords('quantlab-tiny'));
    const base = spec.tasks[0];
    const odd = {
      ...spec,
      tasks: [
        { ...base, name: 'quantlab_continuation', limit: 50, shots: 0 },
        { ...base, name: 'arc_easy', limit: 200, shots: 0 },
        { ...base, name: 'no_such_task', limit: null, shots: 0 },
      ],
    };
    useLab.setState({ tasks: { perplexity: { on: true, limit: '', shots: '' } } });
    const { tasks } = prepareRerun(odd);
    const state = useLab.getState();
    // No dataset is stored in this test's store, so only the shipped task is ticked.
    expect(tasks).toEqual(['quantlab_continuation']);
    expect(state.tasks.quantlab_continuation).toEqual({ on: true, limit: '50', shots: '0' });
    expect(state.tasks.perplexity.on).toBe(false);
    expect(state.notice).toContain('Import the datasets of arc_easy under "Datasets in this browser"');
    expect(state.notice).toContain('no_such_task');
  });
});
