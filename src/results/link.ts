/**
 * Share links: the selected records themselves travel in the URL's fragment, compressed and in
 * base64url. The fragment never reaches a server, so a link needs no backend and tells none
 * anything.
 *
 *     #results=2.<deflate of the packed records, base64url>   this version (linkPayload.ts)
 *     #r=<gzip of one record's JSON, base64url>               QuantLab 0.1 (still opened)
 *
 * A link is untrusted data. Before anything is decoded its length is capped; it is decompressed
 * as a stream, fed a kilobyte at a time, and abandoned the moment it unpacks past a megabyte (so a
 * zip bomb costs at most that); the JSON is checked by schema, and every string in it is cleaned
 * of bidi overrides and control characters. Whatever fails, the reader gets a DamagedLinkError
 * whose message says what is wrong, never another exception.
 */
import { parseRecord, type ResultRecord } from './record';
import { packRecords, PayloadError, refuseReservedKeys, unpackRecords } from './linkPayload';
import { cleanRecordText, sweepSpecs, withoutItems, type SweepSpec } from './sweep';

/** The format this version writes. Version 1 is QuantLab 0.1's one-record `#r=` link. */
export const LINK_VERSION = 2;
const PARAM = 'results';
const V1_PARAM = 'r';

/**
 * Past this many characters (the whole URL) the page offers a JSON bundle instead of a link.
 * 4,000 fits one message in the strictest common places people paste links: Telegram (4,096
 * characters), Discord with Nitro (4,000), and Slack's advice for a message (4,000), with room for
 * a few words beside it; every browser opens far longer URLs (Chromium 2 MB, Firefox and Safari
 * tens of thousands of characters), and the fragment never counts against a server's limit.
 * Discord without Nitro (2,000) takes a single sweep of a few presets.
 */
export const LINK_SHARE_LIMIT = 4000;

/**
 * The longest fragment this page reads: far above what it writes (LINK_SHARE_LIMIT), so that
 * QuantLab 0.1's links, which carried every window's loss, still open; and short enough that a
 * hostile link is refused before any work.
 */
export const MAX_LINK_CHARS = 131_072;

/** The most a link may unpack to. A 10 x 4 sweep unpacks to about 12 KB. */
export const MAX_UNPACKED_BYTES = 1_000_000;

/** Compressed bytes fed to the decompressor at once: deflate expands at most ~1,032:1, so one slice yields at most ~1 MB. */
const SLICE_BYTES = 1024;

/** A link that does not decode; the message says why, for the person who opened it. It completes "This link is damaged: ...". */
export class DamagedLinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DamagedLinkError';
  }
}

/** What a link (or a bundle file) holds, ready to show. */
export interface SharedResults {
  /** The format version it was written in. */
  version: number;
  /** The records, without their per-item scores, their text cleaned for display. */
  records: ResultRecord[];
  /** The sweeps they come from: what "re-run on this GPU" runs. */
  sweeps: SweepSpec[];
}

async function compress(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Decompresses `bytes`, stopping as soon as the output passes `cap`. The input goes in slices so
 * the decompressor never holds more than one slice's expansion; the reader is cancelled at the cap.
 */
export async function inflateCapped(bytes: Uint8Array<ArrayBuffer>, format: CompressionFormat, cap: number): Promise<Uint8Array> {
  const stream = new DecompressionStream(format);
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const feed = async () => {
    for (let i = 0; i < bytes.length; i += SLICE_BYTES) await writer.write(bytes.subarray(i, i + SLICE_BYTES));
    await writer.close();
  };
  const chunks: Uint8Array[] = [];
  let total = 0;
  const drain = async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
      if (total > cap) {
        await reader.cancel();
        throw new DamagedLinkError(`it unpacks to more than ${cap / 1e6} MB, more than any QuantLab link holds`);
      }
      chunks.push(value);
    }
  };
  // Both sides settle: a cancelled reader fails the feed, a corrupt stream fails both.
  const [fed, drained] = await Promise.allSettled([feed(), drain()]);
  if (drained.status === 'rejected') {
    if (drained.reason instanceof DamagedLinkError) throw drained.reason;
    throw new DamagedLinkError('its compressed data is corrupt or cut short, so the results cannot be read back');
  }
  if (fed.status === 'rejected') throw new DamagedLinkError('its compressed data is corrupt or cut short, so the results cannot be read back');
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  // Chunks keep String.fromCharCode's argument list short.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new DamagedLinkError('it contains characters that cannot appear in a QuantLab link');
  if (text.length % 4 === 1) throw new DamagedLinkError('its length is wrong, so part of it is missing');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The fragment (without '#') that carries `records`: `results=2.<data>`. Per-item scores are left out. */
export async function encodeLink(records: readonly ResultRecord[]): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(packRecords(records.map(withoutItems))));
  return `${PARAM}=${LINK_VERSION}.${toBase64Url(await compress(json))}`;
}

export interface ShareLink {
  url: string;
  /** Characters in `url`. */
  length: number;
  /** Whether `length` is within LINK_SHARE_LIMIT; past it, offer a bundle (bundle.ts) instead. */
  fits: boolean;
}

/** The link to `records` on the page at `pageUrl` (its own fragment is replaced). */
export async function linkFor(records: readonly ResultRecord[], pageUrl: string): Promise<ShareLink> {
  const url = new URL(pageUrl);
  url.hash = await encodeLink(records);
  return { url: url.href, length: url.href.length, fits: url.href.length <= LINK_SHARE_LIMIT };
}

/**
 * The fragment's parameter and value, for the one-parameter fragments links are. Not
 * URLSearchParams: it would percent-decode the whole of a hostile megabyte-long fragment
 * (about 0.1 s in Chromium) before anything could refuse it, and base64url needs no decoding.
 */
function linkParam(hash: string): { name: string; value: string } | null {
  const fragment = hash.startsWith('#') ? hash.slice(1) : hash;
  const equals = fragment.indexOf('=');
  if (equals < 0) return null;
  const name = fragment.slice(0, equals);
  return name === PARAM || name === V1_PARAM ? { name, value: fragment.slice(equals + 1) } : null;
}

/** Whether a location hash carries shared results (of any version, damaged or not), so the page shows them instead of the lab. */
export function isLinkHash(hash: string): boolean {
  return linkParam(hash) !== null;
}

function parseJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DamagedLinkError('it unpacks to bytes that are not text');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new DamagedLinkError('it unpacks to text that is not QuantLab results');
  }
}

/** Cleans the records' text and checks them again (a name that was only control characters is now empty). */
export function sharedResults(version: number, records: ResultRecord[]): SharedResults {
  const ids = new Set<string>();
  const cleaned = records.map((r, i) => {
    if (ids.has(r.id)) throw new PayloadError(`result ${i + 1} repeats the id of an earlier one`);
    ids.add(r.id);
    const again = parseRecord(cleanRecordText(withoutItems(r)));
    if (!again.ok) throw new PayloadError(`result ${i + 1} is not valid once its hidden characters are removed: ${again.problems.join('; ')}`);
    return again.record;
  });
  return { version, records: cleaned, sweeps: sweepSpecs(cleaned) };
}

/**
 * Reads the results a location hash (`#results=...` or QuantLab 0.1's `#r=...`, with or without
 * the '#') carries. Throws DamagedLinkError, and nothing else, for anything that is not a valid link.
 */
export async function decodeLink(hash: string): Promise<SharedResults> {
  try {
    return await decode(hash.startsWith('#') ? hash.slice(1) : hash);
  } catch (e) {
    if (e instanceof DamagedLinkError) throw e;
    if (e instanceof PayloadError) throw new DamagedLinkError(e.message);
    throw new DamagedLinkError(`it could not be read (${e instanceof Error ? e.message : String(e)})`);
  }
}

async function decode(fragment: string): Promise<SharedResults> {
  if (fragment.length > MAX_LINK_CHARS) {
    throw new DamagedLinkError(
      `it is ${fragment.length.toLocaleString('en-US')} characters long, more than any QuantLab link (at most ${MAX_LINK_CHARS.toLocaleString('en-US')})`,
    );
  }
  const param = linkParam(fragment);
  if (param?.name === PARAM) {
    const match = /^(\d{1,6})\./.exec(param.value);
    if (!match) throw new DamagedLinkError('it does not say which version of QuantLab wrote it');
    const version = Number(match[1]);
    if (version !== LINK_VERSION) {
      throw new DamagedLinkError(
        version > LINK_VERSION
          ? `it was written by a newer QuantLab (link version ${version}; this page reads versions 1 and ${LINK_VERSION}). Open it with the newer QuantLab`
          : `its version (${version}) is not one QuantLab wrote`,
      );
    }
    const data = param.value.slice(match[0].length);
    if (data.length === 0) throw new DamagedLinkError('it holds no results');
    const value = parseJson(await inflateCapped(fromBase64Url(data), 'deflate', MAX_UNPACKED_BYTES));
    return sharedResults(LINK_VERSION, unpackRecords(value));
  }
  if (param?.name === V1_PARAM) {
    if (param.value.length === 0) throw new DamagedLinkError('it holds no result');
    const value = parseJson(await inflateCapped(fromBase64Url(param.value), 'gzip', MAX_UNPACKED_BYTES));
    refuseReservedKeys(value, 'the result');
    const parsed = parseRecord(value);
    if (!parsed.ok) throw new DamagedLinkError(`the result in it is not valid: ${parsed.problems.join('; ')}`);
    return sharedResults(1, [parsed.record]);
  }
  throw new DamagedLinkError('it holds no QuantLab results');
}
