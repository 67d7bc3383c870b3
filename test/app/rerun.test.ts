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
});
