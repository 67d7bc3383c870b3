import { defineConfig } from '@playwright/test';

/**
 * The page end to end in Debian's Chromium, whose SwiftShader stands in for a
 * GPU (see ARCHITECTURE.md, "Test set-up that works here"). SwiftShader on two
 * cores is slow, so timeouts are generous and tests run one at a time.
 */
/** QUANTLAB_E2E_PORT lets two checkouts on one machine run their suites without one reusing the other's server. */
export const PORT = Number(process.env.QUANTLAB_E2E_PORT ?? 4173);
export const BASE_URL = `http://127.0.0.1:${PORT}`;

/** The flags that give headless Chromium a WebGPU adapter (SwiftShader). */
export const WEBGPU_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'e2e',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 240_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: BASE_URL,
    browserName: 'chromium',
    // WebGPU exists only in a secure context: 127.0.0.1 is one.
    launchOptions: { executablePath: '/usr/bin/chromium', args: WEBGPU_ARGS },
    viewport: { width: 1280, height: 900 },
    actionTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    // The production build, served as a user would get it: no dev-server dependency
    // re-optimisation reloading the page in the middle of a test.
    command: `npx vite build --logLevel warn && npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: BASE_URL,
    reuseExistingServer: !process.env.CI,
    timeout: 300_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
