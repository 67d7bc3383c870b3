/**
 * Links made by hand, as an attacker or a careless edit would make them: any JSON, any bytes,
 * compressed as the real codec does. Shared by the codec's unit tests and the e2e link tests.
 */
import { createDeflate, deflateSync, gzipSync } from 'node:zlib';
import { packRecords } from '../../src/results/linkPayload';
import type { ResultRecord } from '../../src/results/record';

export function base64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** A version-2 fragment (`results=2.…`) holding `value` as its JSON. */
export function v2Fragment(value: unknown): string {
  return `results=2.${base64Url(deflateSync(Buffer.from(JSON.stringify(value))))}`;
}

/** A version-2 fragment holding these exact bytes, deflated. */
export function v2FragmentOfBytes(bytes: Uint8Array): string {
  return `results=2.${base64Url(deflateSync(bytes))}`;
}

/** QuantLab 0.1's `r=…` fragment: one record's JSON, gzipped. */
export function v1Fragment(value: unknown): string {
  return `r=${base64Url(gzipSync(Buffer.from(JSON.stringify(value))))}`;
}

/** The packed payload of `records`, as plain JSON to spoil before it is put into a link. */
export function packed(records: ResultRecord[]): Record<string, any> {
  return JSON.parse(JSON.stringify(packRecords(records.map(({ items: _, ...r }) => r))));
}

/** A version-2 fragment whose data inflates to `bytes` zero bytes (deflate's best ratio is about 1,032:1). */
export async function zeroBombFragment(bytes: number): Promise<string> {
  const deflate = createDeflate({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  const zero = Buffer.alloc(Math.min(bytes, 16 << 20));
  for (let left = bytes; left > 0; left -= zero.length) deflate.write(left >= zero.length ? zero : zero.subarray(0, left));
  deflate.end();
  await done;
  return `results=2.${base64Url(Buffer.concat(chunks))}`;
}
