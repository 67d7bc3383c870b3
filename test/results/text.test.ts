import { describe, expect, it } from 'vitest';
import { cleanText, clipText } from '../../src/util/text';

describe('untrusted text', () => {
  it('loses bidi overrides, so "\\u202Etxt.61pf" no longer displays as "fp16.txt"', () => {
    expect(cleanText('\u202Etxt.61pf')).toBe('txt.61pf');
    for (const c of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C']) {
      expect(cleanText(`a${c}b`), `U+${c.charCodeAt(0).toString(16)}`).toBe('ab');
    }
  });

  it('turns control and invisible characters into spaces, on one line', () => {
    expect(cleanText('line one\nline two\r\n\ttab')).toBe('line one line two tab');
    expect(cleanText('\u0000nul\u0007bell\u001b[31mred\u007fdel\u0085nel\u009b')).toBe('nul bell [31mred del nel');
    expect(cleanText('zero\u200Bwidth\uFEFFbom\u2028sep\u2060join')).toBe('zero width bom sep join');
    expect(cleanText('   padded   ')).toBe('padded');
  });

  it('keeps real text: right-to-left letters, accents, CJK, emoji and their joiners', () => {
    for (const s of ['שלום עולם', 'مرحبا', 'Ünïcödé', '量子化', '👩\u200D💻', 'می\u200Cخواهم', 'Qwen/Qwen2.5-0.5B', '<script>alert(1)</script>']) {
      expect(cleanText(s)).toBe(s);
    }
  });

  it('clips to a number of characters without splitting a surrogate pair', () => {
    expect(clipText('abcdef', 6)).toBe('abcdef');
    expect(clipText('abcdefg', 6)).toBe('abcde…');
    expect(clipText('😀😀😀😀', 3)).toBe('😀😀…');
    expect(clipText('\u202Eabc', 3)).toBe('abc');
  });
});
