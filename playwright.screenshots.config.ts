import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/**
 * `npm run screenshots`: the pictures in docs/screenshots/, made on purpose and never by a test
 * run (npm test runs e2e/ only, with playwright.config.ts).
 */
export default defineConfig({ ...base, testDir: 'scripts/screenshots', timeout: 180_000 });
