/**
 * The one error type of src/model: its message is written for the person who
 * picked the model (what is wrong, with which file or tensor, and what to do),
 * so the app can show it as it is.
 */
export class ModelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelError';
  }
}

/** A readable one-line account of a zod issue path such as `rope_scaling.factor` or `shape[1]`. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}
