/**
 * Text that came from someone else (a shared link, an imported file, a model's config) and will be
 * shown on the page. React already escapes markup; what it cannot stop is text that *looks* like
 * something else: a right-to-left override makes `"\u202Etxt.61pf"` display as "fp16.txt" and
 * reverses the page's own words beside it, and control characters break lines or hide text.
 *
 * The page renders such text inside `<bdi>` (or an element with `unicode-bidi: isolate`) with
 * `overflow-wrap: anywhere`, so right-to-left names stay readable without reordering their
 * neighbours, and a long unbroken name wraps instead of widening the page.
 */

/**
 * Bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI)
 * and the invisible direction marks (LRM, RLM, ALM). Letters of right-to-left scripts are left
 * alone: they are real names, and `<bdi>` keeps them from reordering what surrounds them.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/**
 * C0 and C1 control characters, DEL, the line and paragraph separators, and the invisible
 * characters that hide text: zero-width space, word joiner, invisible operators, the byte-order
 * mark and the interlinear annotation marks. Zero-width joiners (U+200C, U+200D) stay: emoji
 * sequences and several scripts (Persian, Indic) need them.
 */
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u200B\u2060-\u2064\uFEFF\uFFF9-\uFFFB]/g;

/**
 * Untrusted text made safe to show on one line: bidi controls removed, every other control
 * character (newlines and tabs included) replaced by a space, runs of spaces collapsed, and the
 * ends trimmed.
 */
export function cleanText(text: string): string {
  return text.replace(BIDI_CONTROLS, '').replace(CONTROLS, ' ').replace(/ {2,}/g, ' ').trim();
}

/**
 * `cleanText`, cut to at most `max` characters (code points, so no surrogate pair is split),
 * with an ellipsis where something was cut.
 */
export function clipText(text: string, max: number): string {
  const points = Array.from(cleanText(text));
  if (points.length <= max) return points.join('');
  return `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

