/**
 * A bundle: the same results a link carries, as a JSON file to download and open, for a
 * selection too large for a link (LINK_SHARE_LIMIT). Readable by people and other tools: full
 * records (without per-item scores) under a header that says what the file is. The reader takes
 * a bundle or a history export (export.ts) and checks it as strictly as a link: size capped
 * before reading, prototype keys refused, every record schema-checked and its text cleaned.
 */
import { HISTORY_FORMAT } from './export';
import { parseRecord, type ResultRecord } from './record';
import { LINK_VERSION, sharedResults, type SharedResults } from './link';
import { PayloadError, refuseReservedKeys } from './linkPayload';
import { withoutItems } from './sweep';

export const BUNDLE_FORMAT = 'quantlab-results';
/** 10,000 records without per-item scores take about 12 MB. */
export const MAX_BUNDLE_BYTES = 16_000_000;
export const MAX_BUNDLE_RECORDS = 10_000;

/** A file that is not a readable bundle; the message completes "This file cannot be opened: ...". */
export class DamagedBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DamagedBundleError';
  }
}

/** The bundle file's text for `records`. */
export function bundleJson(records: readonly ResultRecord[], exportedAt = new Date()): string {
  return JSON.stringify({ format: BUNDLE_FORMAT, version: LINK_VERSION, exportedAt: exportedAt.toISOString(), records: records.map(withoutItems) }, null, 1);
}

/** Reads a bundle or a history export. Throws DamagedBundleError, and nothing else, for anything else. */
export async function readBundle(file: Blob): Promise<SharedResults> {
  if (file.size > MAX_BUNDLE_BYTES) {
    throw new DamagedBundleError(`it is ${(file.size / 1e6).toFixed(1)} MB, more than a QuantLab bundle holds (at most ${MAX_BUNDLE_BYTES / 1e6} MB)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer()));
  } catch {
    throw new DamagedBundleError('it is not a JSON file');
  }
  try {
    return checkBundle(value);
  } catch (e) {
    if (e instanceof DamagedBundleError) throw e;
    if (e instanceof PayloadError) throw new DamagedBundleError(e.message);
    throw new DamagedBundleError(`it could not be read (${e instanceof Error ? e.message : String(e)})`);
  }
}

function checkBundle(value: unknown): SharedResults {
  const header = value as { format?: unknown; version?: unknown; records?: unknown } | null;
  if (!header || typeof header !== 'object' || (header.format !== BUNDLE_FORMAT && header.format !== HISTORY_FORMAT)) {
    throw new DamagedBundleError('it is not a QuantLab bundle or history export');
  }
  if (header.format === BUNDLE_FORMAT && header.version !== LINK_VERSION) {
    throw new DamagedBundleError(`it is a bundle of version ${String(header.version)}; this page reads version ${LINK_VERSION}`);
  }
  if (!Array.isArray(header.records) || header.records.length === 0) throw new DamagedBundleError('it holds no results');
  if (header.records.length > MAX_BUNDLE_RECORDS) {
    throw new DamagedBundleError(`it holds ${header.records.length} results, more than a bundle may (${MAX_BUNDLE_RECORDS})`);
  }
  refuseReservedKeys(header.records, 'the file');
  const records = header.records.map((r, i) => {
    const parsed = parseRecord(r);
    if (!parsed.ok) throw new DamagedBundleError(`result ${i + 1} is not valid: ${parsed.problems.join('; ')}`);
    return parsed.record;
  });
  return sharedResults(LINK_VERSION, records);
}
