import { describe, expect, it } from 'vitest';
import {
  decodeLink,
  DamagedLinkError,
  encodeLink,
  isLinkHash,
  LINK_SHARE_LIMIT,
  linkFor,
  MAX_LINK_CHARS,
  MAX_UNPACKED_BYTES,
} from '../../src/results/link';
import { parseRecord, type ResultRecord } from '../../src/results/record';
import { packed, v1Fragment, v2Fragment, v2FragmentOfBytes, zeroBombFragment } from './linkCraft';
import { sweepRecords, SWEEP_PRESETS } from './sweepFixture';

const round4 = (x: number) => Number(x.toPrecision(4));

/** What a record looks like after a trip through a link: no items, timings and standard errors to 4 digits. */
function asLinked(r: ResultRecord): ResultRecord {
  const { items: _, ...rest } = r;
  return {
    ...rest,
    metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, k.endsWith('_stderr') ? round4(v) : v])),
    timing: {
      upload_seconds: round4(r.timing.upload_seconds),
      score_seconds: round4(r.timing.score_seconds),
      items_per_second: round4(r.timing.items_per_second),
      tokens_per_second: round4(r.timing.tokens_per_second),
    },
  };
}

async function damaged(fragment: string): Promise<string> {
  const error = await decodeLink(fragment).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `decoding ${fragment.slice(0, 60)}… should fail`).toBeInstanceOf(DamagedLinkError);
  return (error as Error).message;
}

const v1Record = {
  schema: 1,
  id: '0123456789abcdef',
  createdAt: '2026-11-30T10:00:00.000Z',
  model: { name: 'quantlab-tiny', parameters: 26747392 },
  preset: 'w4g128',
  task: 'perplexity',
  dataset: 'quantlab-tiny held-out text',
  config: { n_ctx: 512, windows: 2 },
  metrics: { perplexity: 18.3, bits_per_byte: 1.3, tokens: 510 },
  window_nll: [700.5, 712.25],
  memory: { weights_bytes: 20_200_000, kv_cache_bytes: 2_097_152, scratch_bytes: 9_000_000 },
  timing: { seconds: 4, tokens_per_second: 255.5 },
  device: 'google / swiftshader',
};

describe('share links', () => {
  it('carry a 10-preset x 4-task sweep in under the share limit, and give back the same records and the sweep to re-run', async () => {
    const records = sweepRecords(11);
    expect(records).toHaveLength(40);
    const link = await linkFor(records, 'https://quantlab.example/');
    console.log(`10 presets x 4 tasks: a link of ${link.length} characters (limit ${LINK_SHARE_LIMIT})`);
    expect(link.fits).toBe(true);
    expect(link.url).toMatch(/^https:\/\/quantlab\.example\/#results=2\.[A-Za-z0-9_-]+$/);

    const shared = await decodeLink(new URL(link.url).hash);
    expect(shared.version).toBe(2);
    expect(shared.records).toEqual(records.map(asLinked));
    expect(shared.records.every((r) => r.items === undefined)).toBe(true);
    expect(shared.sweeps).toHaveLength(1);
    const [spec] = shared.sweeps;
    expect(spec).toMatchObject({ sweep: records[0].sweep, model: records[0].model, presets: SWEEP_PRESETS, records: 40 });
    expect(spec.tasks.map((t) => t.name)).toEqual(['perplexity', 'arc_easy', 'piqa', 'hellaswag']);
    expect(spec.tasks[2]).toEqual(records.find((r) => r.task.name === 'piqa')!.task);
  });

  it('keep every metric to full precision', async () => {
    const [r] = sweepRecords(3, ['w4g128'], 1);
    r.metrics.perplexity = 18.33421897888183;
    const shared = await decodeLink(await encodeLink([r]));
    expect(shared.records[0].metrics.perplexity).toBe(18.33421897888183);
    expect(shared.records[0].metrics.bits_per_byte).toBe(r.metrics.bits_per_byte);
  });

  it('hold several sweeps and models in one link', async () => {
    const a = sweepRecords(1, ['fp16', 'w4g128'], 2, 'sweepA');
    const b = sweepRecords(2, ['w8a8'], 1, 'sweepB').map((r) => ({ ...r, model: { ...r.model, name: 'HuggingFaceTB/SmolLM2-135M' } }));
    const shared = await decodeLink(await encodeLink([...a, ...b]));
    expect(shared.records).toHaveLength(5);
    const sweeps = shared.sweeps.map((s) => [s.sweep, s.model.name, s.presets, s.records]).sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    expect(sweeps).toEqual([
      ['sweepA', 'Qwen/Qwen2.5-0.5B-Instruct', ['fp16', 'w4g128'], 4],
      ['sweepB', 'HuggingFaceTB/SmolLM2-135M', ['w8a8'], 1],
    ]);
  });

  it("open QuantLab 0.1's one-record #r= links, upgraded to the current schema, and the schema-2 ones that followed", async () => {
    expect(isLinkHash(`#${v1Fragment(v1Record)}`)).toBe(true);
    const shared = await decodeLink(`#${v1Fragment(v1Record)}`);
    expect(shared.version).toBe(1);
    const upgraded = parseRecord(v1Record);
    if (!upgraded.ok) throw new Error(upgraded.problems.join('; '));
    const { items: _, ...withoutItems } = upgraded.record;
    expect(shared.records).toEqual([withoutItems]);
    expect(shared.sweeps[0].presets).toEqual(['w4g128']);

    const [v2] = sweepRecords(4, ['kv4'], 1);
    expect((await decodeLink(v1Fragment(v2))).records).toEqual([(({ items: __, ...r }) => r)(v2)]);
  });

  it('tell the page which hashes carry results', () => {
    expect(isLinkHash('#results=2.abc')).toBe(true);
    expect(isLinkHash('#r=abc')).toBe(true);
    expect(isLinkHash('')).toBe(false);
    expect(isLinkHash('#history')).toBe(false);
  });
});

describe('a link is untrusted', () => {
  it('says a truncated or corrupted link is damaged', async () => {
    const fragment = await encodeLink(sweepRecords(5, ['fp16', 'w4g128'], 2));
    const data = fragment.slice(fragment.indexOf('.') + 1);
    const head = fragment.slice(0, fragment.indexOf('.') + 1);
    expect(await damaged(head + data.slice(0, 40))).toMatch(/corrupt or cut short/);
    expect(await damaged(head + data.slice(0, -1))).toMatch(/corrupt or cut short|length is wrong/);
    // Every single-character edit is caught (the stream's Adler-32 or the schema), none shows altered figures.
    for (const at of [10, Math.floor(data.length / 3), Math.floor(data.length / 2), data.length - 3]) {
      const edited = data.slice(0, at) + (data[at] === 'A' ? 'B' : 'A') + data.slice(at + 1);
      await damaged(head + edited);
    }
    expect(await damaged(`${head}${data.slice(0, 20)}<script>`)).toMatch(/characters that cannot appear/);
    expect(await damaged('results=2.')).toMatch(/holds no results/);
    expect(await damaged('r=')).toMatch(/holds no result/);
  });

  it('names the version it cannot read', async () => {
    expect(await damaged('results=3.AAAA')).toMatch(/newer QuantLab \(link version 3/);
    expect(await damaged('results=AAAA')).toMatch(/does not say which version/);
    expect(await damaged('results=0.AAAA')).toMatch(/version \(0\) is not one QuantLab wrote/);
    expect(await damaged('something=else')).toMatch(/holds no QuantLab results/);
  });

  it('refuses a fragment longer than any link before decoding it', async () => {
    const started = performance.now();
    const message = await damaged(`results=2.${'A'.repeat(MAX_LINK_CHARS)}`);
    console.log(`an oversized link (${MAX_LINK_CHARS + 10} characters) refused in ${(performance.now() - started).toFixed(1)} ms`);
    expect(message).toMatch(/131,082 characters long, more than any QuantLab link/);
  });

  it('stops a zip bomb at the unpacked cap: 100 MB of zeros in a link of the longest allowed length', async () => {
    const fragment = await zeroBombFragment(100_000_000);
    expect(fragment.length).toBeLessThanOrEqual(MAX_LINK_CHARS);
    const started = performance.now();
    const message = await damaged(fragment);
    console.log(`a ${fragment.length}-character link unpacking to 100 MB refused in ${(performance.now() - started).toFixed(1)} ms`);
    expect(message).toMatch(new RegExp(`unpacks to more than ${MAX_UNPACKED_BYTES / 1e6} MB`));
  });

  it('refuses a 1 GB zero bomb by its length alone', async () => {
    const fragment = await zeroBombFragment(1 << 30);
    const started = performance.now();
    const message = await damaged(fragment);
    console.log(`a 1 GiB zero bomb (${fragment.length} characters) refused in ${(performance.now() - started).toFixed(1)} ms`);
    expect(message).toMatch(/characters long, more than any QuantLab link/);
  });

  it('refuses a huge or free-text createdAt', async () => {
    const [r] = sweepRecords(6, ['fp16'], 1);
    // 400 MB is refused by the link's length, 1 MB by the unpacked cap, the rest by the schema (ISO date-time).
    const huge = v1Fragment({ ...r, createdAt: 'x'.repeat(1_000_000) });
    expect(huge.length).toBeLessThan(MAX_LINK_CHARS);
    expect(await damaged(huge)).toMatch(/unpacks to more than 1 MB/);
    expect(await damaged(v1Fragment({ ...r, createdAt: 'x'.repeat(100_000) }))).toMatch(/createdAt/);
    const free = { ...r, createdAt: 'verified by the QuantLab team; download the fixed weights at https://example.com' };
    expect(await damaged(v1Fragment(free))).toMatch(/createdAt/);
    const p = packed([r]);
    p.c = 8.64e15;
    p.at = [1];
    expect(await damaged(v2Fragment(p))).toMatch(/time past the year/);
  });

  it('refuses prototype keys wherever they are', async () => {
    const [r] = sweepRecords(7, ['fp16'], 1);
    const proto = JSON.parse(JSON.stringify(packed([r])).replace('"perplexity":', '"__proto__":'));
    expect(await damaged(v2Fragment(proto))).toMatch(/field named "__proto__"/);
    const ctor = packed([r]);
    ctor.t[0][9] = { constructor: 1 };
    expect(await damaged(v2Fragment(ctor))).toMatch(/field named "constructor"/);
    const v1 = JSON.parse(JSON.stringify(v1Record).replace('"tokens":', '"__proto__":'));
    expect(await damaged(v1Fragment(v1))).toMatch(/field named "__proto__"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps script and javascript: in names as inert text, and cleans bidi overrides out of them', async () => {
    const [r] = sweepRecords(8, ['fp16'], 1);
    const p = packed([r]);
    p.m[0][0] = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    p.t[0][2] = 'javascript:alert(document.domain)';
    p.p[0][0] = '\u202Etxt.61pf';
    p.d[0][0] = 'GPU\u202E \u2066evil\u2069\u0000\u001b[31m';
    const shared = await decodeLink(v2Fragment(p));
    const [out] = shared.records;
    expect(out.model.name).toBe('<script>alert(1)</script><img src=x onerror=alert(2)>');
    expect(out.task.dataset.name).toBe('javascript:alert(document.domain)');
    expect(out.preset.name).toBe('txt.61pf');
    expect(out.device.description).toBe('GPU evil [31m');
    expect(shared.sweeps[0].presets).toEqual(['txt.61pf']);
  });

  it('refuses a name made only of hidden characters', async () => {
    const p = packed(sweepRecords(9, ['fp16'], 1));
    p.p[0][0] = '\u202E\u202D';
    expect(await damaged(v2Fragment(p))).toMatch(/hidden characters are removed: preset\.name/);
  });

  it('keeps 1e308, refuses what JSON turns into Infinity', async () => {
    const p = packed(sweepRecords(10, ['fp16'], 1));
    p.x.perplexity = [1e308];
    expect((await decodeLink(v2Fragment(p))).records[0].metrics.perplexity).toBe(1e308);
    const text = JSON.stringify(p).replace('1e+308', '1e309');
    expect(await damaged(v2FragmentOfBytes(Buffer.from(text)))).toMatch(/x\.perplexity/);
  });

  it('names the field of a payload that is laid out wrong', async () => {
    const base = () => packed(sweepRecords(12, ['fp16', 'w4g128'], 1));
    const cases: [string, (p: Record<string, any>) => void, RegExp][] = [
      ['an index past its table', (p) => (p.pr[1] = 7), /result 2 refers to preset 8/],
      ['a column of the wrong length', (p) => p.wb.pop(), /2 results but 1 values of "wb"/],
      ['a metric column of the wrong length', (p) => p.x.perplexity.push(1), /3 values of the metric "perplexity"/],
      ['a string where a number goes', (p) => (p.ss[0] = '12'), /ss\.0/],
      ['a negative byte count', (p) => (p.kb[0] = -1), /result 1 is not valid: memory\.kv_cache_bytes/],
      ['a repeated id', (p) => (p.id[1] = p.id[0]), /repeats the id/],
      ['no records', (p) => { for (const k of ['id', 'sw', 'at', 'qv', 'mo', 'de', 'pr', 'ta', 'wb', 'kb', 'sb', 'us', 'ss', 'ips', 'tps']) p[k] = []; }, /id/],
      ['deep nesting', (p) => (p.t[0][9] = { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } }), /nests more than 8 levels/],
      ['not an object at all', (p) => Object.keys(p).forEach((k) => delete p[k]), /laid out as a QuantLab link/],
    ];
    for (const [what, spoil, expected] of cases) {
      const p = base();
      spoil(p);
      expect(await damaged(v2Fragment(p)), what).toMatch(expected);
    }
    expect(await damaged(v2FragmentOfBytes(Buffer.from('not json')))).toMatch(/not QuantLab results/);
    expect(await damaged(v2FragmentOfBytes(Uint8Array.of(0xff, 0xfe, 0x00)))).toMatch(/not text/);
  });
});
