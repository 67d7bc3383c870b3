/**
 * Share links opened in a fresh browser: a whole sweep shown read-only without touching the GPU,
 * and every kind of damaged or hostile link answered with a clear message, no injected markup,
 * no page wider than the window, and a page that still works.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { encodeLink, linkFor, MAX_LINK_CHARS } from '../src/results/link';
import { packed, v1Fragment, v2Fragment, zeroBombFragment } from '../test/results/linkCraft';
import { sweepRecords } from '../test/results/sweepFixture';
import { runButton } from './lab';

/** Marks when the damaged-link message first appears, on the page's own clock. */
async function watchForMessage(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __messageAt?: number };
    new MutationObserver(() => {
      if (w.__messageAt === undefined && document.querySelector('[data-testid="damaged-link"]')) w.__messageAt = performance.now();
    }).observe(document, { childList: true, subtree: true });
  });
}

/** Milliseconds from the document's arrival to the message. */
function messageDelay(page: Page): Promise<number> {
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return (window as unknown as { __messageAt: number }).__messageAt - nav.responseEnd;
  });
}

async function expectNoOverflow(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: document.documentElement.clientWidth }));
  expect(widths.page, 'the page is no wider than the window').toBeLessThanOrEqual(widths.window);
}

/** Opens `fragment` on the page in a browser context of its own, as someone who was sent it. */
async function open(browser: Browser, fragment: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await watchForMessage(page);
  await page.goto(`/#${fragment}`);
  return page;
}

async function expectDamaged(page: Page, reason: RegExp): Promise<void> {
  const message = page.getByTestId('damaged-link');
  await expect(message).toContainText('This link is damaged:');
  await expect(message).toContainText(reason);
  await expect(page.getByRole('table', { name: 'Results' })).toHaveCount(0);
  await expectNoOverflow(page);
}

test('a 10-preset x 4-task sweep opens read-only in a fresh browser, without the model or the GPU', async ({ browser, baseURL }) => {
  const records = sweepRecords(61);
  const link = await linkFor(records, `${baseURL}/`);
  console.log(`10 presets x 4 tasks at ${baseURL}: a link of ${link.length} characters`);
  expect(link.fits).toBe(true);
  const context = await browser.newContext();
  const page = await context.newPage();
  const modelRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/models/')) modelRequests.push(r.url());
  });
  await page.goto(link.url);
  await expect(page.getByRole('heading', { name: /Shared result/ })).toBeVisible();
  // One row a preset, one column a task.
  await expect(page.getByRole('table', { name: 'Results' }).locator('tbody tr')).toHaveCount(10);
  for (const task of ['perplexity', 'arc_easy', 'piqa', 'hellaswag']) {
    const r = records.find((x) => x.preset.name === 'w2g128' && x.task.name === task)!;
    await expect(page.getByTestId(`${task}-w2g128`)).toHaveAttribute('data-value', String(task === 'perplexity' ? r.metrics.perplexity : r.metrics.acc));
  }
  await expect(page.getByTestId('perplexity-w4g128').first()).toHaveAttribute('data-value', String(records.find((r) => r.preset.name === 'w4g128')!.metrics.perplexity));
  await expect(runButton(page)).toHaveCount(0);
  await expectNoOverflow(page);
  expect(modelRequests).toEqual([]);
  await context.close();
});

test.describe('damaged and hostile links', () => {
  test('truncated, edited, empty, unknown-version and oversized links each say what is wrong', async ({ browser }) => {
    const fragment = await encodeLink(sweepRecords(62, ['fp16', 'w4g128'], 2));
    const head = fragment.slice(0, fragment.indexOf('.') + 1);
    const data = fragment.slice(head.length);
    const middle = Math.floor(data.length / 2);
    const cases: [string, string, RegExp][] = [
      ['truncated', head + data.slice(0, 60), /corrupt or cut short/],
      ['edited', head + data.slice(0, middle) + (data[middle] === 'A' ? 'B' : 'A') + data.slice(middle + 1), /corrupt or cut short|not valid/],
      ['empty', head, /holds no results/],
      ['a newer version', `results=9.${data}`, /newer QuantLab \(link version 9/],
      ['markup in the data', `${head}<img src=x onerror=alert(1)>`, /characters that cannot appear/],
      ['oversized', `${head}${'A'.repeat(MAX_LINK_CHARS)}`, /characters long, more than any QuantLab link/],
    ];
    for (const [what, spoilt, reason] of cases) {
      const page = await open(browser, spoilt);
      await test.step(what, () => expectDamaged(page, reason));
      await page.context().close();
    }
  });

  test('zip bombs are refused at once', async ({ browser }) => {
    test.setTimeout(180_000);
    const baseline = await open(browser, 'results=2.');
    await expectDamaged(baseline, /holds no results/);
    const empty = await messageDelay(baseline);
    await baseline.context().close();
    for (const [what, bytes, reason] of [
      ['100 MB of zeros in a link of the longest allowed length', 100_000_000, /unpacks to more than 1 MB/],
      ['a 1 GB zero bomb', 1 << 30, /characters long, more than any QuantLab link/],
    ] as const) {
      const bomb = await zeroBombFragment(bytes);
      const page = await open(browser, bomb);
      await expectDamaged(page, reason);
      const delay = await messageDelay(page);
      console.log(`${what} (${bomb.length} characters): message ${delay.toFixed(0)} ms after the document arrived (an empty link: ${empty.toFixed(0)} ms)`);
      // Still a working page: the lab opens from it.
      await page.getByRole('button', { name: 'Open the lab to run your own' }).click();
      await expect(runButton(page)).toBeVisible();
      await page.context().close();
    }
  });

  test('a huge or free-text createdAt and prototype keys are refused', async ({ browser }) => {
    const [r] = sweepRecords(63, ['fp16'], 1);
    const proto = JSON.parse(JSON.stringify(packed([r])).replace('"perplexity":', '"__proto__":'));
    const cases: [string, string, RegExp][] = [
      ['a 1 MB createdAt', v1Fragment({ ...r, createdAt: 'x'.repeat(1_000_000) }), /unpacks to more than 1 MB/],
      ['a 100 KB createdAt', v1Fragment({ ...r, createdAt: 'x'.repeat(100_000) }), /createdAt/],
      ['free text in createdAt', v1Fragment({ ...r, createdAt: 'verified by the QuantLab team; download the fixed weights from example.com' }), /createdAt/],
      ['__proto__', v2Fragment(proto), /field named "__proto__"/],
    ];
    for (const [what, fragment, reason] of cases) {
      const page = await open(browser, fragment);
      await test.step(what, () => expectDamaged(page, reason));
      await expect(page.getByText('verified by the QuantLab team')).toHaveCount(0);
      await page.context().close();
    }
  });

  test('a right-to-left override and control characters in a model name stay inside the name', async ({ browser }) => {
    const records = sweepRecords(65, ['fp16', 'w4g128'], 1);
    const p = packed(records);
    p.m[0][0] = 'evil\u202E\u0007model\u0000\u2066name';
    const page = await open(browser, v2Fragment(p));
    await expect(page.getByRole('heading', { name: /Shared result/ })).toBeVisible();
    const name = page.locator('.details bdi').first();
    await expect(name).toHaveText('evil model name');
    // The page's own words after the name read in their own order.
    await expect(page.locator('.details dd').first()).toContainText(/evil model name\s*\(\d/);
    expect(await page.evaluate(() => /[\u202A-\u202E\u2066-\u2069\u0000-\u001F]/.test(document.body.innerText.replace(/\n|\t/g, '')))).toBe(false);
    await page.context().close();
  });

  test('names from a link show as text: no markup, no reversed text, no page wider than the window', async ({ browser }) => {
    const records = sweepRecords(64, ['fp16', 'w4g128'], 1);
    const p = packed(records);
    p.m[0][0] = `<img src=x onerror="window.__pwned=1">${'M'.repeat(150)}`;
    p.t[0][2] = 'javascript:window.__pwned=2';
    p.p[0][0] = '\u202Etxt.61pf';
    p.d[0][0] = `${'W'.repeat(300)}`;
    p.x.perplexity = [1e308, 17.5];
    const page = await open(browser, v2Fragment(p));
    await expect(page.getByRole('heading', { name: /Shared result/ })).toBeVisible();
    await expect(page.getByRole('table', { name: 'Results' }).locator('tbody tr')).toHaveCount(2);
    // Every name from the link sits in its own bidi isolate.
    await expect(page.getByRole('table', { name: 'Results' }).locator('bdi', { hasText: 'txt.61pf' })).toHaveCount(1);
    await expect(page.locator('bdi', { hasText: 'javascript:window.__pwned=2' }).first()).toBeVisible();
    await expect(page.getByText('<img src=x onerror="window.__pwned=1">', { exact: false })).toBeVisible();
    await expect(page.locator('img[src="x"]')).toHaveCount(0);
    // The override is gone, so the name reads as it is spelled, not as "fp16.txt".
    await expect(page.getByRole('table', { name: 'Results' }).getByText('txt.61pf', { exact: true })).toBeVisible();
    expect(await page.evaluate(() => document.body.innerText.includes('\u202E'))).toBe(false);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await expectNoOverflow(page);
    await page.context().close();
  });
});
