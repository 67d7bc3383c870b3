/**
 * Strict UTF-8 for the texts QuantLab scores: a file that is not UTF-8 would otherwise be scored
 * with U+FFFD in place of every bad sequence, a different text than the one the person chose.
 * Shared by the command line and the page (no Node imports).
 */

export class TextEncodingError extends Error {
  constructor(
    message: string,
    /** Byte offset of the first sequence that is not UTF-8. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TextEncodingError';
  }
}

/**
 * Offset of the first byte sequence that is not UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no sequence cut short), or -1 when all of it is. A bad
 * sequence is reported where it starts: at its lead byte, or at a stray continuation byte.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0; // overlong below U+0800
      if (lead === 0xed) high = 0x9f; // surrogates U+D800..U+DFFF
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90; // overlong below U+10000
      if (lead === 0xf4) high = 0x8f; // above U+10FFFF
    } else {
      return i;
    }
    if (i + length > bytes.length) return i;
    if (bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (let k = 2; k < length; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    i += length;
  }
  return -1;
}

function hexBytes(bytes: Uint8Array, offset: number, count: number): string {
  return Array.from(bytes.subarray(offset, offset + count), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
}

/**
 * The text of `bytes`, which must be UTF-8 (a leading byte-order mark is dropped); otherwise a
 * TextEncodingError naming `name`, the byte offset and line of the first bad sequence.
 */
export function decodeUtf8Strict(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    throw new TextEncodingError(
      `${name} is not UTF-8 text: the bytes at offset ${offset.toLocaleString('en-US')} (line ${line}: ${hexBytes(bytes, offset, 4)}) ` +
        'are not a UTF-8 sequence. QuantLab scores UTF-8 text: save the file as UTF-8.',
      offset,
    );
  }
}
