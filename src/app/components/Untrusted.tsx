import { cleanText } from '../../util/text';

/**
 * Text that came from a record (names of models, presets, tasks, GPUs): control characters and
 * bidi overrides stripped, and isolated, so a right-to-left name cannot reorder the page's own
 * words beside it. Long names wrap (styles.css: .untrusted).
 */
export function Untrusted({ text }: { text: string }) {
  return <bdi className="untrusted">{cleanText(text)}</bdi>;
}
