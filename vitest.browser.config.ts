import { defineConfig } from 'vitest/config';
import { WEBGPU_ARGS } from './playwright.config';
import { zeroBombFragment } from './test/results/linkCraft';

/**
 * Tests that need a real browser (IndexedDB, Web Locks, storage quota), in Debian's Chromium
 * driven by Playwright through Vitest's browser mode: `npx vitest run --config vitest.browser.config.ts`.
 * Files are test/browser/**\/*.browser.ts, so the Node suite (vitest.config.ts) never picks them up.
 */
export default defineConfig({
  // The real benchmark files are read from ../shared/datasets (server.commands.readFile).
  server: { fs: { allow: ['.', '../shared'] } },
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    browser: {
      enabled: true,
      provider: 'playwright',
      headless: true,
      screenshotFailures: false,
      instances: [{ browser: 'chromium', launch: { executablePath: '/usr/bin/chromium', args: WEBGPU_ARGS } }],
      // Made in Node (zlib at level 9, the best ratio), called from a test as commands.zeroBombFragment(bytes).
      commands: { zeroBombFragment: (_context, bytes: number) => zeroBombFragment(bytes) },
    },
  },
});
