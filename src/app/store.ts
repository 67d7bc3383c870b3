/**
 * The page's state (zustand). Components read it with useLab(selector);
 * everything that talks to the worker or to IndexedDB lives in actions.ts
 * and writes here with useLab.setState.
 */
import { create } from 'zustand';
import type { DatasetManifest, ImportPlan, ImportProgress } from '../data';
import type { GpuInfo } from '../gpu/context';
import type { StorageSpace } from '../results/storage';
import { DEFAULT_MODEL_ID } from '../model/builtin';
import type { ResultRecord } from '../results/record';
import type { ModelSummary, OpenEvent, SweepStage } from './engineApi';
import type { RecordSource } from './results/view';
import type { SweepPlan } from './sweepPlans';

/** A failure as the page shows it: what happened, the engine's own words, and what to do. */
export interface Problem {
  title: string;
  message: string;
  advice?: string;
}

export type SourceKind = 'builtin' | 'hub' | 'local';

/** A task as the form holds it: ticked or not, and its fields as typed. */
export interface TaskChoice {
  on: boolean;
  /** Items (or windows) to score; empty: all. */
  limit: string;
  shots: string;
}

export interface LabState {
  gpu: { status: 'connecting' | 'ready' | 'error'; description?: string; problem?: Problem; info?: GpuInfo };
  /** What the browser says about memory: navigator.deviceMemory (GB, rounded and capped by the browser) and the storage quota. */
  memory: { deviceGb: number | null; storage: StorageSpace | null };
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
  /** The built-in model picked (src/app/models.ts). */
  builtinId: string;
  hubId: string;
  hubToken: string;
  /** Preset names offered beside the built-ins (added through the custom field), canonical spelling. */
  customPresets: string[];
  /** Checked presets, canonical spelling, in the order they run. */
  selected: string[];
  /** Window length and windows of the text tasks (perplexity, KL divergence). */
  nCtx: string;
  windows: string;
  /** By task name. */
  tasks: Record<string, TaskChoice>;
  /** Render item prompts through the model's chat template. */
  chatTemplate: boolean;
  datasets: {
    loaded: boolean;
    stored: DatasetManifest[];
    importing: { dataset: string; progress: ImportProgress | null } | null;
    /** Dropped files whose fields the detected layout did not find: the plan, for the person to map its fields. */
    mapping: { files: File[]; plan: ImportPlan } | null;
    message: string;
    problem?: Problem;
  };

  run: {
    phase: 'idle' | 'running' | 'cancelling';
    /** The sweep in flight and how far it is. */
    sweepId: string | null;
    presets: string[];
    cellsDone: number;
    cellsTotal: number;
    stage: SweepStage | null;
    /** When this part of the sweep started (Date.now()) and how many results were finished then, for the overall time left. */
    startedAt: number;
    cellsAtStart: number;
  };
  /** Results the browser's storage could not keep: shown, and offered for export, until the tab closes. */
  unsaved: ResultRecord[];
  /** The storage trouble of the last run (full, and how much was needed). */
  storageProblem?: Problem;
  /** The last run's outcome, in words, for the status line. */
  outcome: string;
  runProblem?: Problem;

  history: ResultRecord[];
  historyLoaded: boolean;
  /** Runs stopped part-way (reload, crash, cancel) that can be resumed. */
  unfinished: SweepPlan[];
  /** Unfinished sweeps this tab holds that storage refused to keep (a reload loses them). */
  unsavedPlans: Set<string>;
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
  memory: { deviceGb: null, storage: null },
  model: { status: 'idle', label: DEFAULT_MODEL_ID },
  sourceKind: 'builtin',
  builtinId: DEFAULT_MODEL_ID,
  hubId: '',
  hubToken: '',
  customPresets: [],
  selected: ['fp16'],
  nCtx: '512',
  windows: '',
  tasks: { perplexity: { on: true, limit: '', shots: '' } },
  chatTemplate: false,
  datasets: { loaded: false, stored: [], importing: null, mapping: null, message: '' },
  run: { phase: 'idle', sweepId: null, presets: [], cellsDone: 0, cellsTotal: 0, stage: null, startedAt: 0, cellsAtStart: 0 },
  unsaved: [],
  outcome: '',
  history: [],
  historyLoaded: false,
  unfinished: [],
  unsavedPlans: new Set(),
  notice: '',
  results: { picked: null, overlays: [], share: null, problem: '' },
}));

/** Records compare when they scored the same task on the same data with the same model and settings. */
export function comparisonKey(r: ResultRecord): string {
  return JSON.stringify([r.model.name, r.task.name, r.task.dataset.name, r.task.settings]);
}
