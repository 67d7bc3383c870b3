/**
 * The typed surface between the page and the engine worker (comlink). Only
 * structured-clonable data crosses it; callbacks cross as comlink proxies.
 */
import type { CellProgress } from '../eval/cells';
import type { TaskRequest } from '../eval/sweep';
import type { UploadProgress } from '../engine/model';
import type { HashProgress } from '../model/hash';
import type { GpuInfo } from '../gpu/context';
import type { ModelConfig } from '../model/config';
import type { ResultRecord } from '../results/record';

/** A file the user picked or dropped, with its path inside the folder (a File's webkitRelativePath does not survive postMessage). */
export interface LocalFile {
  path: string;
  blob: Blob;
}

export type ModelSource =
  /** A model that ships with the lab (src/app/models.ts), by id. */
  | { kind: 'builtin'; id: string }
  | { kind: 'hub'; id: string; token?: string }
  | { kind: 'local'; files: LocalFile[] };

export type OpenEvent =
  | { kind: 'download'; file: string; loaded: number; total: number | null; cached: boolean }
  | { kind: 'step'; message: string };

export interface ModelSummary {
  name: string;
  config: ModelConfig;
  parameters: number;
  /** One line: architecture, sizes, parameter count. */
  description: string;
  /** The text perplexity is measured on, and how much of it there is. */
  text: { dataset: string; bytes: number; tokens: number };
  /** The tokenizer_config.json holds a chat template (instruction-tuned models). */
  hasChatTemplate: boolean;
}

/** One sweep as the page asks for it: presets x tasks, minus the cells an earlier part of it finished. */
export interface SweepRequest {
  /** Shared by every record of the sweep, and kept across a resume. */
  id: string;
  presets: string[];
  tasks: TaskRequest[];
  /** Cells already finished (cellName), skipped. */
  done: string[];
}

/** A cell's name in a sweep plan: its preset and its task. */
export function cellName(preset: string, task: string): string {
  return `${preset}|${task}`;
}

/** runSweep's stages, with the cell named rather than sent (its task entry holds functions). */
export type SweepStage =
  | { stage: 'hash'; progress: HashProgress }
  | { stage: 'upload'; preset: string; progress: UploadProgress }
  | { stage: 'reference'; done: number; total: number }
  | { stage: 'cell'; preset: string; task: string; progress: CellProgress };

export type SweepEvent =
  | { kind: 'progress'; cellsDone: number; cellsTotal: number; stage: SweepStage }
  /** A finished cell; the worker waits for the page to keep it before it drops the cell's checkpoint. */
  | { kind: 'record'; record: ResultRecord }
  /** Something the person must know that does not stop the run (a checkpoint that could not be stored). */
  | { kind: 'warning'; message: string; neededBytes: number | null };

export interface EngineApi {
  /** Acquires the GPU; rejects with a GpuError that says what is missing. Returns what the adapter offers. */
  connect(): Promise<GpuInfo>;
  /** Opens a model (config, tokenizer, safetensors headers checked; weights stay where they are until a run). */
  open(source: ModelSource, onEvent: (e: OpenEvent) => void): Promise<ModelSummary>;
  /**
   * Runs the sweep's remaining cells, checkpointed in IndexedDB. Rejects with CancelledError after
   * cancel(), and with an Error named DeviceLostError when the GPU is lost (the next call acquires a new one).
   */
  runSweep(request: SweepRequest, onEvent: (e: SweepEvent) => void | Promise<void>): Promise<void>;
  /** Stops the run in flight at its next tensor, window or batch of items. */
  cancel(): void;
  /** Answers at once: the page's heartbeat, so a worker that died is noticed. */
  ping(): number;
}
