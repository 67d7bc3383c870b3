/**
 * A plain text file (the perplexity text) as rows of the `text` schema: consecutive pieces of
 * about `pieceChars` characters, each cut after a line end, so that the rows joined with nothing
 * between them give the file back exactly, and a large text is stored and read in chunks.
 */
import type { RawRecord } from '../records';

export const TEXT_PIECE_CHARS = 1 << 18;

export async function* textRecords(pieces: AsyncIterable<string>, pieceChars = TEXT_PIECE_CHARS): AsyncIterable<RawRecord> {
  let pending = '';
  let n = 0;
  for await (const piece of pieces) {
    pending += piece;
    while (pending.length >= pieceChars) {
      const cut = pending.lastIndexOf('\n', pieceChars - 1);
      // A line longer than a piece is cut where the piece ends, outside a UTF-16 surrogate pair.
      let end = cut >= 0 ? cut + 1 : pieceChars;
      if (cut < 0 && /[\uD800-\uDBFF]/.test(pending[end - 1])) end--;
      yield { value: { text: pending.slice(0, end) }, at: `piece ${++n}` };
      pending = pending.slice(end);
    }
  }
  if (pending) yield { value: { text: pending }, at: `piece ${++n}` };
}
