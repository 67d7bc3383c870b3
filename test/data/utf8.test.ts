import { describe, expect, it } from 'vitest';
import { decodeUtf8Strict, firstInvalidUtf8, TextEncodingError } from '../../src/data/utf8';
import { freshSeed, rng } from '../helpers/gpu';

const bytes = (...b: number[]) => Uint8Array.from(b);

/** Where the WHATWG decoder (TextDecoder, replacing) puts its first U+FFFD, as a byte offset; -1 if nowhere. */
function whatwgFirstError(input: Uint8Array): number {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(input);
  const at = text.indexOf('\ufffd');
  return at < 0 ? -1 : new TextEncoder().encode(text.slice(0, at)).length;
}

describe('strict UTF-8 (src/data/utf8.ts)', () => {
  it('finds the first bad sequence where it starts', () => {
    expect(firstInvalidUtf8(new TextEncoder().encode('plain, é, 漢字, 🙂'))).toBe(-1);
    expect(firstInvalidUtf8(bytes(0x61, 0xe9, 0x62))).toBe(1); // Latin-1 é
    expect(firstInvalidUtf8(bytes(0x61, 0x80))).toBe(1); // stray continuation
    expect(firstInvalidUtf8(bytes(0xc0, 0xaf))).toBe(0); // overlong '/'
    expect(firstInvalidUtf8(bytes(0xe0, 0x80, 0xaf))).toBe(0); // overlong, 3 bytes
    expect(firstInvalidUtf8(bytes(0xed, 0xa0, 0x80))).toBe(0); // surrogate U+D800
    expect(firstInvalidUtf8(bytes(0xf4, 0x90, 0x80, 0x80))).toBe(0); // above U+10FFFF
    expect(firstInvalidUtf8(bytes(0x61, 0x62, 0xe6, 0xbc))).toBe(2); // cut short at the end
    expect(firstInvalidUtf8(bytes(0xe6, 0x41, 0x42))).toBe(0); // lead byte, then no continuation
  });

  it('agrees with the WHATWG decoder on random byte strings built from UTF-8 pieces', () => {
    const seed = freshSeed();
    const next = rng(seed);
    const pieces = [[0x41], [0xc3, 0xa9], [0xe6, 0xbc, 0xa2], [0xf0, 0x9f, 0x99, 0x82], [0x80], [0xbf], [0xc0], [0xc2], [0xe0], [0xed], [0xed, 0xa0], [0xf0], [0xf4, 0x90], [0xf5], [0xff], [0xe0, 0xa0], [0xf0, 0x90, 0x80]];
    for (let t = 0; t < 3000; t++) {
      const input: number[] = [];
      const length = 1 + Math.floor(next() * 12);
      for (let i = 0; i < length; i++) input.push(...pieces[Math.floor(next() * (next() < 0.7 ? 4 : pieces.length))]);
      const b = Uint8Array.from(input);
      expect(firstInvalidUtf8(b), `seed ${seed}: ${input.map((x) => x.toString(16)).join(' ')}`).toBe(whatwgFirstError(b));
    }
  });

  it('decodes UTF-8 (dropping a byte-order mark) and refuses anything else, naming file, offset and line', () => {
    expect(decodeUtf8Strict(bytes(0xef, 0xbb, 0xbf, 0x68, 0x69), 'a.txt')).toBe('hi');
    const latin1 = bytes(...new TextEncoder().encode('first line\ncaf'), 0xe9, 0x0a);
    const error = (() => {
      try {
        decodeUtf8Strict(latin1, 'notes.txt');
      } catch (e) {
        return e;
      }
    })() as TextEncodingError;
    expect(error).toBeInstanceOf(TextEncodingError);
    expect(error.offset).toBe(14);
    expect(error.message).toBe(
      'notes.txt is not UTF-8 text: the bytes at offset 14 (line 2: 0xe9 0x0a) are not a UTF-8 sequence. QuantLab scores UTF-8 text: save the file as UTF-8.',
    );
  });
});
