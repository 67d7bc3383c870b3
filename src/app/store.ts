/**
 * The page's state (zustand). Components read it with useLab(selector);
 * everything that talks to the worker or to IndexedDB lives in actions.ts
 * and writes here with useLab.setState.
 */
import { create } from 'zustand';
import type { RunProgress } from '../results/progress';
import type { ResultRecord } from '../results/record';
import type { ModelSummary, OpenEvent, RunEvent } from './engineApi';
import type { RecordSource } from './results/view';

/** A failure as the page shows it: what happened, the engine's own words, and what to do. */
export interface Problem {
  title: string;
  message: string;
  advice?: string;
}

export type SourceKind = 'default' | 'hub' | 'local';

export interface LabState {
  gpu: { status: 'connecting' | 'ready' | 'error'; description?: string; problem?: Problem };
  model: {
    status: 'idle' | 'opening' | 'ready' | 'error';
    /** What is open, or being opened, as the user would name it. */
    label: string;
    summary?: ModelSummary;
    problem?: Problem;
    event?: OpenEvent;
  };

  /** The form. */
  sourceKind: SourceKind;
  hubId: string;
  hubToken: string;
  /** Preset names offered beside the built-ins (added through the custom field), canonical spelling. */
  customPresets: string[];
  /** Checked presets, canonical spelling, in the order they run. */
  selected: string[];
  nCtx: string;
  windows: string;

  run: {
    phase: 'idle' | 'running' | 'cancelling';
    queue: string[];
    index: number;
    event: RunEvent | null;
  };
  /** The last run's outcome, in words, for the status line. */
  outcome: string;
  runProblem?: Problem;

  history: ResultRecord[];
  historyLoaded: boolean;
  /** Runs stopped part-way (reload, crash, cancel) that can be resumed. */
  unfinished: RunProgress[];
  /** The comparison the results table and charts show: records sharing model, text and window settings. */
  viewKey: string | null;
  /** The permalink made last, shown so it can be copied by hand too. */
  shareLink: { where: 'results' | 'history'; preset: string; url: string; copied: boolean } | null;
  notice: string;

  /** What Results shows (resultsActions.ts). */
  results: {
    /** Sweeps picked in History, each with its records; null shows the newest results. */
    picked: { sweep: string; records: ResultRecord[] }[] | null;
    /** Results from links and files laid over one's own; never stored. */
    overlays: RecordSource[];
    /** The share link made last, or the offer of a file where it is too long. */
    share: ShareOffer | null;
    /** What went wrong with the last results action (reading a sweep, opening a file), in words. */
    problem: string;
  };
}

export interface ShareOffer {
  /** The panel whose button made it, where it shows. */
  where: 'results' | 'history';
  url: string;
  /** Characters in the URL. */
  length: number;
  fits: boolean;
  copied: boolean;
  /** What the link holds, for the file offered in its place. */
  records: readonly ResultRecord[];
}

export const useLab = create<LabState>(() => ({
  gpu: { status: 'connecting' },
  model: { status: 'idle', label: 'quantlab-tiny' },
  sourceKind: 'default',
  hubId: '',
  hubToken: '',
  customPresets: [],
  selected: ['fp16'],
  nCtx: '512',
  windows: '',
  run: { phase: 'idle', queue: [], index: 0, event: null },
  outcome: '',
  history: [],
  historyLoaded: false,
  unfinished: [],
  viewKey: null,
  shareLink: null,
  notice: '',
  results: { picked: null, overlays: [], share: null, problem: '' },
}));

/** Records compare when they scored the same task on the same data with the same model and settings. */
export function comparisonKey(r: ResultRecord): string {
  return JSON.stringify([r.model.name, r.task.name, r.task.dataset.name, r.task.settings]);
}
