/**
 * The typed surface between the page and the engine worker (comlink). Only
 * structured-clonable data crosses it; callbacks cross as comlink proxies.
 */
import type { RunStage } from '../eval/run';
import type { ModelConfig } from '../model/config';
import type { ResultRecord } from '../results/record';

/** A file the user picked or dropped, with its path inside the folder (a File's webkitRelativePath does not survive postMessage). */
export interface LocalFile {
  path: string;
  blob: Blob;
}

export type ModelSource =
  | { kind: 'default' }
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
}

export interface RunRequest {
  preset: string;
  nCtx: number;
  /** Windows to score; null scores them all. */
  limit: number | null;
  resume?: { window_nll: number[]; bytes_scored: number };
}

/**
 * A stage of runPerplexity. Score events carry the state a resumed run needs
 * (progress.window_nll and progress.bytes_scored), so the page stores it after every window.
 */
export type RunEvent = RunStage;

export interface EngineApi {
  /** Acquires the GPU; rejects with a GpuError that says what is missing. Returns the adapter's description. */
  connect(): Promise<string>;
  /** Opens a model (config, tokenizer, safetensors headers checked; weights stay where they are until a run). */
  open(source: ModelSource, onEvent: (e: OpenEvent) => void): Promise<ModelSummary>;
  /** Quantizes the open model with one preset and scores the held-out text; rejects with CancelledError after cancel(). */
  run(request: RunRequest, onEvent: (e: RunEvent) => void): Promise<ResultRecord>;
  /** Stops the run in flight at its next tensor or window. */
  cancel(): void;
}
