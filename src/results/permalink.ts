/**
 * Permalinks: a result record travels inside the URL's hash (`#r=...`), as
 * gzip (the browser's CompressionStream) in base64url. The hash never reaches
 * a server, so a shared link needs no backend and leaks nothing to one.
 * Whatever arrives in a link is untrusted: it is checked step by step, and
 * every failure says which step failed.
 */
import { parseRecord, type ResultRecord } from './record';

/** The hash parameter that carries a record. */
export const PERMALINK_PARAM = 'r';

/** A link that does not decode to a valid record; the message says why, for the person who opened it. */
export class DamagedLinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DamagedLinkError';
  }
}

async function pipeBytes(bytes: Uint8Array<ArrayBuffer>, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  // Chunks keep String.fromCharCode's argument list short for long records.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) {
    throw new DamagedLinkError('it contains characters that cannot appear in a QuantLab link');
  }
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  let binary: string;
  try {
    binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  } catch {
    throw new DamagedLinkError('its length is wrong, so part of it is missing');
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The record as the text that follows `#r=`. */
export async function encodeRecord(record: ResultRecord): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(record));
  return toBase64Url(await pipeBytes(json, new CompressionStream('gzip')));
}

/** Undoes encodeRecord; throws DamagedLinkError, never anything else, for input that is not a valid record. */
export async function decodeRecord(text: string): Promise<ResultRecord> {
  if (text.length === 0) throw new DamagedLinkError('it holds no result');
  const packed = fromBase64Url(text);
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(await pipeBytes(packed, new DecompressionStream('gzip')));
  } catch {
    throw new DamagedLinkError('its compressed data is corrupt or cut short, so the result cannot be read back');
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new DamagedLinkError('it unpacks to text that is not a result record');
  }
  const parsed = parseRecord(value);
  if (!parsed.ok) throw new DamagedLinkError(`the result in it is not valid: ${parsed.problems.join('; ')}`);
  return parsed.record;
}

/** The link to `record` on the page at `pageUrl` (its own hash is dropped). */
export async function permalinkFor(record: ResultRecord, pageUrl: string): Promise<string> {
  const url = new URL(pageUrl);
  url.hash = `${PERMALINK_PARAM}=${await encodeRecord(record)}`;
  return url.href;
}

/** The encoded record in a location hash (`#r=...`), or null where the hash carries none. */
export function permalinkPayload(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return params.get(PERMALINK_PARAM);
}
