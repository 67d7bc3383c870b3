/**
 * The page's security headers and Content-Security-Policy, as `vite preview` serves the
 * production build: present, strict (no inline or remote script, no framing), and not in the way
 * of the lab itself.
 */
import { expect, test, type Page } from '@playwright/test';
import { bundleJson } from '../src/results/bundle';
import { sweepRecords } from '../test/results/sweepFixture';
import { MODEL_READY_MS } from './lab';
import { openLabWithoutModel } from './seed';

/** Collects the page's CSP violations from the first script on: Playwright's init scripts are not subject to the policy. */
async function recordViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: { directive: string; blocked: string }[] = [];
    (window as unknown as { __violations: typeof seen }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push({ directive: e.effectiveDirective, blocked: e.blockedURI }));
  });
}

function violations(page: Page): Promise<{ directive: string; blocked: string }[]> {
  return page.evaluate(() => (window as unknown as { __violations: { directive: string; blocked: string }[] }).__violations);
}

/** The directives of a policy, by name. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values]),
  );
}

test('the page, its scripts and its worker come with the security headers', async ({ request }) => {
  const page = await request.get('/');
  const html = await page.text();
  const scripts = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]);
  expect(scripts.length).toBeGreaterThan(0);
  const main = await request.get(scripts[0]);
  const worker = /assets\/engine\.worker-[\w-]+\.js/.exec(await main.text());
  expect(worker, 'the engine worker is a file of its own').not.toBeNull();
  // A worker's policy is the one its own response carries.
  for (const response of [page, main, await request.get(`/${worker![0]}`)]) {
    const headers = response.headers();
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    const csp = directives(headers['content-security-policy'] ?? '');
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    const script = csp.get('script-src')!;
    expect(script).toContain("'self'");
    // Nothing that runs text as script, and no other origin's script.
    for (const unsafe of ["'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'", 'data:', 'blob:', '*', 'https:', 'http:']) expect(script).not.toContain(unsafe);
    expect(script.every((s) => s === "'self'" || s === "'wasm-unsafe-eval'")).toBe(true);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('connect-src')).toEqual(expect.arrayContaining(["'self'", 'https://huggingface.co', 'https://*.hf.co']));
  }
  // The <meta> copy, for hosts that send no headers (frame-ancestors is not obeyed there).
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
  expect(meta).not.toBeNull();
  expect(directives(meta![1]).get('script-src')).toEqual(directives((await page.headersArray()).find((h) => h.name.toLowerCase() === 'content-security-policy')!.value).get('script-src'));
});

test('script injected into the page does not run', async ({ page }) => {
  await recordViolations(page);
  await page.goto('/#results=2.');
  await expect(page.getByTestId('damaged-link')).toBeVisible();
  const ran = await page.evaluate(async () => {
    const w = window as unknown as Record<string, unknown>;
    const inline = document.createElement('script');
    inline.textContent = 'window.__inline = true';
    document.head.append(inline);
    const remote = document.createElement('script');
    remote.src = 'https://attacker.example/x.js';
    document.head.append(remote);
    const holder = document.createElement('div');
    holder.innerHTML = '<img src="data:," onerror="window.__handler = true">';
    document.body.append(holder);
    const link = document.createElement('a');
    link.href = 'javascript:window.__url = true';
    document.body.append(link);
    link.click();
    // Code in a string, run by the page's own timer (DevTools' evaluate is exempt from the policy, a timer is not).
    (setTimeout as (code: string, ms: number) => number)('window.__timer = true', 0);
    await new Promise((r) => setTimeout(r, 500));
    return { inline: w.__inline, handler: w.__handler, url: w.__url, timer: w.__timer };
  });
  expect(ran).toEqual({ inline: undefined, handler: undefined, url: undefined, timer: undefined });
  const seen = await violations(page);
  expect(seen.map((v) => v.directive)).toEqual(expect.arrayContaining(['script-src-elem', 'script-src-attr', 'script-src']));
  expect(seen.some((v) => v.blocked === 'https://attacker.example/x.js')).toBe(true);
  expect(seen.some((v) => v.directive === 'script-src' && v.blocked === 'eval')).toBe(true);
});

test('the lab itself needs nothing the policy forbids', async ({ page }) => {
  test.setTimeout(MODEL_READY_MS + 60_000);
  await recordViolations(page);
  const messages: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) messages.push(m.text());
  });
  await page.goto('/');
  // The default model loads in the engine worker: fetches, WGSL pipelines, the tokenizer.
  await expect(page.getByTestId('model-status')).toContainText('is ready', { timeout: MODEL_READY_MS });
  expect(await violations(page)).toEqual([]);
  expect(messages).toEqual([]);
});

test('a results file with markup, overrides and prototype keys is text or refused, never markup', async ({ page }) => {
  await openLabWithoutModel(page);
  const [r] = sweepRecords(66, ['fp16'], 1);
  const hostile = {
    ...r,
    model: { ...r.model, name: '<img src=x onerror="window.__pwned=1">' },
    preset: { ...r.preset, name: '\u202Etxt.61pf' },
    device: { ...r.device, description: '<script>window.__pwned=2</script>' },
  };
  await page.getByLabel(/Open a results file/).setInputFiles({ name: 'hostile.json', mimeType: 'application/json', buffer: Buffer.from(bundleJson([hostile])) });
  await expect(page.getByRole('table', { name: 'Results' }).locator('bdi', { hasText: 'txt.61pf' })).toHaveCount(1);
  // The model and GPU names show, as text, in the record under the pointer.
  await page.getByTestId('chart-bits-perplexity').locator('.recharts-scatter-symbol').first().hover();
  await expect(page.locator('.chart-tooltip')).toContainText('<img src=x onerror="window.__pwned=1"> on <script>window.__pwned=2</script>');
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  expect(await page.evaluate(() => document.body.innerText.includes('\u202E'))).toBe(false);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

  const proto = bundleJson([r]).replace('"perplexity":', '"__proto__":');
  await page.getByLabel(/Open a results file/).setInputFiles({ name: 'proto.json', mimeType: 'application/json', buffer: Buffer.from(proto) });
  await expect(page.getByRole('alert').filter({ hasText: /This file cannot be opened: .*__proto__/ })).toBeVisible();
});
