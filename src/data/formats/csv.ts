/**
 * CSV as RFC 4180 writes it: fields split by commas, records by CRLF or LF; a field in double
 * quotes may hold commas, line breaks and doubled quotes (""). Parsed as the text streams in,
 * so a record is yielded as soon as it ends and the file is never held whole.
 * A quote inside an unquoted field is kept as it is (as Python's csv reader does).
 */
import { DataError } from '../errors';

export interface CsvRecord {
  fields: string[];
  /** The line the record starts on, from 1. */
  line: number;
}

export async function* csvRecords(pieces: AsyncIterable<string>, fileName: string): AsyncIterable<CsvRecord> {
  let fields: string[] = [];
  let field = '';
  /** START: at a field's start; PLAIN: in an unquoted field; QUOTED: inside quotes; AFTER: just after a quote in a quoted field. */
  let state: 'START' | 'PLAIN' | 'QUOTED' | 'AFTER' = 'START';
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  let pendingCr = false;
  let any = false;

  const endRecord = (): CsvRecord => {
    fields.push(field);
    const record = { fields, line: recordLine };
    fields = [];
    field = '';
    state = 'START';
    any = false;
    return record;
  };

  for await (const piece of pieces) {
    let i = 0;
    const n = piece.length;
    while (i < n) {
      if (pendingCr) {
        pendingCr = false;
        if (piece[i] === '\n') {
          i++;
          continue;
        }
      }
      if (state === 'QUOTED') {
        const q = piece.indexOf('"', i);
        const run = piece.slice(i, q < 0 ? n : q);
        for (let k = run.indexOf('\n'); k >= 0; k = run.indexOf('\n', k + 1)) line++;
        field += run;
        if (q < 0) {
          i = n;
        } else {
          state = 'AFTER';
          i = q + 1;
        }
        continue;
      }
      const c = piece[i];
      if (state === 'AFTER') {
        if (c === '"') {
          field += '"';
          state = 'QUOTED';
          i++;
          continue;
        }
        if (c !== ',' && c !== '\n' && c !== '\r') {
          throw new DataError(`${fileName}, line ${line}: text after the closing quote of a quoted field`, { file: fileName });
        }
      }
      if (c === ',') {
        fields.push(field);
        field = '';
        state = 'START';
        any = true;
        i++;
      } else if (c === '\n' || c === '\r') {
        if (state !== 'START' || any || fields.length > 0) yield endRecord();
        line++;
        recordLine = line;
        if (c === '\r') pendingCr = true;
        i++;
      } else if (state === 'START' && c === '"') {
        state = 'QUOTED';
        quoteLine = line;
        any = true;
        i++;
      } else {
        // An unquoted run up to the next comma or line end.
        let j = i;
        while (j < n && piece[j] !== ',' && piece[j] !== '\n' && piece[j] !== '\r') j++;
        field += piece.slice(i, j);
        state = 'PLAIN';
        any = true;
        i = j;
      }
    }
  }
  if (state === 'QUOTED') {
    throw new DataError(`${fileName}: the quoted field opened on line ${quoteLine} never closes; the file may be truncated`, { file: fileName });
  }
  if (state !== 'START' || any || fields.length > 0) yield endRecord();
}
