/**
 * Hostile links decoded by the page's own Chromium (its CompressionStream and DecompressionStream,
 * its main thread), timed: the figures of the e2e tests include loading the page around them.
 */
import { commands } from '@vitest/browser/context';
import { expect, it } from 'vitest';
import { DamagedLinkError, decodeLink, encodeLink } from '../../src/results/link';
import { sweepRecords } from '../results/sweepFixture';

declare module '@vitest/browser/context' {
  interface BrowserCommands {
    zeroBombFragment: (bytes: number) => Promise<string>;
  }
}

async function refusedIn(fragment: string): Promise<{ message: string; ms: number }> {
  const started = performance.now();
  const error = await decodeLink(fragment).then(
    () => null,
    (e: unknown) => e,
  );
  const ms = performance.now() - started;
  expect(error).toBeInstanceOf(DamagedLinkError);
  return { message: (error as Error).message, ms };
}

it('refuses zip bombs in well under a second', async () => {
  for (const [what, bytes, reason] of [
    ['100 MB of zeros, in a link of the longest allowed length', 100_000_000, /unpacks to more than 1 MB/],
    ['1 GiB of zeros', 1 << 30, /characters long, more than any QuantLab link/],
  ] as const) {
    const fragment = await commands.zeroBombFragment(bytes);
    // Twice: the first call also pays for compiling the decoder.
    for (const call of ['first', 'second']) {
      const { message, ms } = await refusedIn(fragment);
      console.log(`${what} (${fragment.length} characters): refused in ${ms.toFixed(1)} ms (${call} call)`);
      expect(message).toMatch(reason);
    }
  }
});

it('decodes a 10 x 4 sweep', async () => {
  const fragment = await encodeLink(sweepRecords(71));
  for (const call of ['first', 'second']) {
    const started = performance.now();
    const shared = await decodeLink(fragment);
    console.log(`a 10 x 4 sweep (${fragment.length} characters): decoded and checked in ${(performance.now() - started).toFixed(1)} ms (${call} call)`);
    expect(shared.records).toHaveLength(40);
  }
});
