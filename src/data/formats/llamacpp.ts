/**
 * The data files of llama.cpp's `llama-perplexity` (tools/perplexity/perplexity.cpp), read as
 * that tool reads them:
 * - `--hellaswag`: text, 6 lines a task: context (activity label, ": ", context), the gold
 *   ending's index, then the 4 endings.
 * - `--winogrande`: CSV lines `index,sentence,choice 1,choice 2,answer` (answer 1 or 2; the
 *   sentence may be in double quotes and has `_` for the blank).
 * - `--multiple-choice`: binary, little-endian: u32 task count, u32 byte offset of each task,
 *   then each task as a string (u32 length + UTF-8 bytes) question and two answer sets
 *   (mc1: one correct answer, mc2: any number), each a u32 count (at most 100), that many
 *   strings and that many i32 labels (1 = correct).
 */
import { DataError } from '../errors';
import { textLines, utf8Pieces, type DataFile } from '../files';
import type { RawRecord } from '../records';
import { csvRecords } from './csv';

export interface LlamaHellaswagTask {
  context: string;
  label: string;
  endings: string[];
}

export async function* llamaHellaswagRecords(file: DataFile, signal?: AbortSignal): AsyncIterable<RawRecord> {
  let lines: string[] = [];
  let first = 1;
  let last = 0;
  for await (const { line, text } of textLines(utf8Pieces(file.stream(0, signal), file.name))) {
    lines.push(text);
    last = line;
    if (lines.length === 6) {
      const task: LlamaHellaswagTask = { context: lines[0], label: lines[1].trim(), endings: lines.slice(2) };
      yield { value: task, at: `lines ${first}-${line}` };
      lines = [];
      first = line + 1;
    }
  }
  if (lines.length) {
    throw new DataError(
      `${file.name} has ${last} lines, not a multiple of 6 (llama-perplexity --hellaswag reads 6 lines a task); the last task, from line ${first}, is incomplete`,
      { file: file.name },
    );
  }
}

export interface LlamaWinograndeTask {
  index: string;
  sentence: string;
  option1: string;
  option2: string;
  answer: string;
}

export async function* llamaWinograndeRecords(file: DataFile, signal?: AbortSignal): AsyncIterable<RawRecord> {
  let first = true;
  for await (const { fields, line } of csvRecords(utf8Pieces(file.stream(0, signal), file.name), file.name)) {
    // A header line, if the file has one, is the only line whose answer is not a number.
    if (first && fields.length === 5 && !/^\s*\d+\s*$/.test(fields[4]) && !/^\s*\d+\s*$/.test(fields[0])) {
      first = false;
      continue;
    }
    first = false;
    if (fields.length !== 5) {
      throw new DataError(`${file.name}, line ${line}: ${fields.length} fields where llama-perplexity --winogrande reads 5 (index, sentence, choice 1, choice 2, answer)`, {
        file: file.name,
      });
    }
    const [index, sentence, option1, option2, answer] = fields;
    const task: LlamaWinograndeTask = { index, sentence, option1, option2, answer: answer.trim() };
    yield { value: task, at: `line ${line}` };
  }
}

export interface LlamaChoiceSet {
  answers: string[];
  labels: number[];
}
export interface LlamaMultipleChoiceTask {
  question: string;
  mc1: LlamaChoiceSet;
  mc2: LlamaChoiceSet;
}

/** Little-endian reads from a byte stream, pulling pieces as needed. */
class StreamReader {
  private buffer = new Uint8Array(0);
  private at = 0;
  /** Bytes consumed from the start of the stream. */
  offset = 0;
  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** false where the stream ended before n more bytes. */
  private async need(n: number): Promise<boolean> {
    while (this.buffer.length - this.at < n) {
      const { done, value } = await this.source.next();
      if (done) return false;
      const rest = this.buffer.subarray(this.at);
      const joined = new Uint8Array(rest.length + value.length);
      joined.set(rest);
      joined.set(value, rest.length);
      this.buffer = joined;
      this.at = 0;
    }
    return true;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.need(1));
  }

  async bytes(n: number): Promise<Uint8Array | null> {
    if (!(await this.need(n))) return null;
    const out = this.buffer.subarray(this.at, this.at + n);
    this.at += n;
    this.offset += n;
    return out;
  }

  async u32(): Promise<number | null> {
    const b = await this.bytes(4);
    return b && new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }
}

export async function* llamaMultipleChoiceRecords(file: DataFile, signal?: AbortSignal): AsyncIterable<RawRecord> {
  const reader = new StreamReader(file.stream(0, signal)[Symbol.asyncIterator]());
  const refuse = (why: string) => new DataError(`${file.name}: ${why}`, { file: file.name });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const nTasks = await reader.u32();
  if (nTasks === null || nTasks === 0) throw refuse('no tasks (llama-perplexity --multiple-choice files start with the task count)');
  if (4 + 4 * nTasks > file.size) throw refuse(`the header announces ${nTasks} tasks, more than a file of ${file.size} bytes can hold: not a multiple-choice file, or truncated`);
  const positions: number[] = [];
  for (let i = 0; i < nTasks; i++) positions.push((await reader.u32())!);

  for (let t = 0; t < nTasks; t++) {
    const where = `task ${t + 1} of ${nTasks}`;
    const truncated = () => refuse(`the file ends inside ${where} (byte ${reader.offset}); it is truncated`);
    if (reader.offset !== positions[t]) {
      throw refuse(`${where} starts at byte ${reader.offset} but the file's index says ${positions[t]}; the file is damaged`);
    }
    const string = async (what: string): Promise<string> => {
      const size = await reader.u32();
      if (size === null) throw truncated();
      if (reader.offset + size > file.size) throw truncated();
      const bytes = await reader.bytes(size);
      if (!bytes) throw truncated();
      try {
        return decoder.decode(bytes);
      } catch {
        throw refuse(`${where}: the ${what} is not UTF-8 text`);
      }
    };
    const choiceSet = async (name: string): Promise<LlamaChoiceSet> => {
      const n = await reader.u32();
      if (n === null) throw truncated();
      if (n > 100) throw refuse(`${where}: ${name} has ${n} answers; llama-perplexity reads at most 100`);
      const answers: string[] = [];
      for (let i = 0; i < n; i++) answers.push(await string(`${name} answer ${i + 1}`));
      const raw = await reader.bytes(4 * n);
      if (!raw) throw truncated();
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const labels = Array.from({ length: n }, (_, i) => view.getInt32(4 * i, true));
      return { answers, labels };
    };
    const start = reader.offset;
    const question = await string('question');
    const mc1 = await choiceSet('mc1');
    const mc2 = await choiceSet('mc2');
    const task: LlamaMultipleChoiceTask = { question, mc1, mc2 };
    yield { value: task, at: `${where} (byte ${start})` };
  }
  if (!(await reader.atEnd())) throw refuse(`bytes after the last of its ${nTasks} tasks; the file is damaged or not a multiple-choice file`);
}

/** Whether bytes look like the start of a multiple-choice file: a plausible task count and first offset. */
export function looksLikeMultipleChoice(head: Uint8Array, size: number): boolean {
  if (head.length < 8) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n = view.getUint32(0, true);
  return n > 0 && 4 + 4 * n < size && view.getUint32(4, true) === 4 + 4 * n;
}
