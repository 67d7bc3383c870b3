/**
 * What a task is: its name and version (as lm-eval's YAML gives them), the rows it reads, how a
 * row becomes requests, and how the answers become per-item scores. The runner (src/eval/cells.ts)
 * does the running; tasks only format and score, so they are tested on given log-likelihoods.
 */
import type { RowOf, RowSchemaName } from '../../data/schemas';
import type { LoglikelihoodRequest, LoglikelihoodResult } from '../loglikelihood';
import type { PromptStyle } from '../prompt';

export interface PromptOptions extends PromptStyle {
  shots: number;
}

/** Per-item scores: one number per item and metric, e.g. {acc: 1, acc_norm: 0}. */
export type ItemScores = Record<string, number>;

interface TaskBase<S extends RowSchemaName> {
  name: string;
  title: string;
  version: number;
  /** Row layout read (src/data/schemas.ts). */
  schema: S;
  /** The few-shot examples lm-eval uses, when it has some: their rows' source ('split' = the dataset's few-shot split, e.g. MMLU's dev). */
  fewshot: { source: 'split'; split: string; maxShots: number; defaultShots: number } | { source: 'fixed'; maxShots: number; defaultShots: number } | null;
  /** Per-item arrays a record keeps, in order. */
  itemKeys: readonly string[];
  /** Plain words for the README and the page: prompt, choices, scoring. */
  describe: string;
}

export interface MultipleChoiceItem {
  /** One request per choice (or per context, for winogrande's partial evaluation). */
  requests: LoglikelihoodRequest[];
  /** The choices as doc_to_choice gives them (their lengths normalise acc_norm). */
  choices: string[];
}

export interface MultipleChoiceTask<S extends RowSchemaName = RowSchemaName> extends TaskBase<S> {
  kind: 'multiple_choice';
  /** Builds the item; `fewshot` holds the rows of the few-shot split when the task has one. */
  item(row: RowOf<S>, prompt: PromptOptions, fewshot: readonly RowOf<S>[]): MultipleChoiceItem;
  score(row: RowOf<S>, item: MultipleChoiceItem, results: readonly LoglikelihoodResult[]): ItemScores;
  /** Groups whose standard errors pool into the task's (lm-eval's weighted group, MMLU's subjects): a group index per row. */
  group?(row: RowOf<S>): number;
}

export interface LoglikelihoodItem {
  request: LoglikelihoodRequest;
}

export interface LoglikelihoodTask<S extends RowSchemaName = RowSchemaName> extends TaskBase<S> {
  kind: 'loglikelihood';
  item(row: RowOf<S>, prompt: PromptOptions): LoglikelihoodItem;
}

export interface GenerationItem {
  context: string;
  /** Stop strings (lm-eval's `until`); the EOS is added by the runner. */
  until: string[];
  maxTokens: number;
}

export interface GenerationTask<S extends RowSchemaName = RowSchemaName> extends TaskBase<S> {
  kind: 'generate_until';
  item(row: RowOf<S>, prompt: PromptOptions): GenerationItem;
  score(row: RowOf<S>, response: string): ItemScores;
}

export type ItemTask = MultipleChoiceTask | LoglikelihoodTask | GenerationTask;

export class TaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskError';
  }
}
