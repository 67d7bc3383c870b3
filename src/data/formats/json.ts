/**
 * JSON Lines (one JSON value a line) and JSON arrays (`[ {...}, {...} ]`), both read as the text
 * streams in: an array's elements are cut out one by one and parsed alone, so a large array is
 * never parsed, or held, whole.
 */
import { DataError } from '../errors';
import { textLines } from '../files';
import type { RawRecord } from '../records';

export async function* jsonLinesRecords(pieces: AsyncIterable<string>, fileName: string): AsyncIterable<RawRecord> {
  for await (const { line, text } of textLines(pieces)) {
    if (!text.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new DataError(`${fileName}, line ${line}: not valid JSON (${(e as Error).message}); the file may be truncated`, { file: fileName }, { cause: e });
    }
    yield { value, at: `line ${line}` };
  }
}

/** The elements of a top-level JSON array. */
export async function* jsonArrayRecords(pieces: AsyncIterable<string>, fileName: string): AsyncIterable<RawRecord> {
  let started = false;
  let ended = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  let line = 1;
  let elementLine = 1;
  let index = 0;
  const bad = (why: string) => new DataError(`${fileName}, line ${line}: ${why}`, { file: fileName });
  const parse = (): RawRecord => {
    let value: unknown;
    try {
      value = JSON.parse(element);
    } catch (e) {
      throw new DataError(`${fileName}, element ${index + 1} (line ${elementLine}): not valid JSON (${(e as Error).message})`, { file: fileName }, { cause: e });
    }
    element = '';
    return { value, at: `element ${++index} (line ${elementLine})` };
  };

  for await (const piece of pieces) {
    let from = 0;
    for (let i = 0; i < piece.length; i++) {
      const c = piece[i];
      if (c === '\n') line++;
      if (!started) {
        if (c === '[') {
          started = true;
          from = i + 1;
        } else if (!/\s/.test(c)) {
          throw bad('expected a JSON array ([ ... ])');
        }
        continue;
      }
      if (ended) {
        if (!/\s/.test(c)) throw bad('text after the end of the JSON array');
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') {
        if (depth === 0 && !element.trim() && !piece.slice(from, i).trim()) elementLine = line;
        inString = true;
      } else if (c === '{' || c === '[') {
        if (depth === 0 && !element.trim() && !piece.slice(from, i).trim()) elementLine = line;
        depth++;
      } else if (c === '}' || c === ']') {
        if (depth === 0 && c === ']') {
          element += piece.slice(from, i);
          if (element.trim()) yield parse();
          else if (index > 0) throw bad('a comma before the closing ]');
          element = '';
          ended = true;
          continue;
        }
        depth--;
      } else if (c === ',' && depth === 0) {
        element += piece.slice(from, i);
        if (!element.trim()) throw bad('an empty element in the array');
        yield parse();
        from = i + 1;
      }
    }
    if (started && !ended) element += piece.slice(from);
  }
  if (!started) throw new DataError(`${fileName} is empty; expected a JSON array`, { file: fileName });
  if (!ended) throw new DataError(`${fileName} ends inside the JSON array (after ${index} elements); the file may be truncated`, { file: fileName });
}
