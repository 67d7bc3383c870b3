/**
 * The page's decode speed: Debian's Chromium (SwiftShader here, a real GPU where there is one)
 * runs the engine's speed benchmark (src/eval/speed.ts) on the embedded default model, inside a
 * page served by Vite, and this prints its figures. A benchmark, not a test:
 *
 *   node_modules/.bin/vite-node bench/page-speed.ts [presets, comma-separated] [prompt tokens] [decode tokens]
 */
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { WEBGPU_ARGS } from '../playwright.config';

const presets = (process.argv[2] ?? 'fp16,w4g128').split(',');
const promptTokens = Number(process.argv[3] ?? 32);
const decodeTokens = Number(process.argv[4] ?? 8);
const PORT = 4190;

const server = await createServer({ configFile: 'vite.config.ts', logLevel: 'warn', server: { port: PORT, strictPort: true } });
await server.listen();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: WEBGPU_ARGS });
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(`page: ${m.text()}`));
  // Any document of the origin is a secure context with navigator.gpu; this one starts no app
  // (and no engine worker of its own) beside the benchmark.
  await page.goto(`http://127.0.0.1:${PORT}/models/quantlab-tiny/config.json`);
  // Sent as text: vite-node rewrites the dynamic imports of a function written here.
  const script = `(async () => {
    const { acquireBrowserGpu } = await import('/src/gpu/browser.ts');
    const { urlModelFiles } = await import('/src/model/remote.ts');
    const { loadModel } = await import('/src/model/load.ts');
    const { runSpeedBenchmark } = await import('/src/eval/speed.ts');
    const gpu = await acquireBrowserGpu();
    const model = await loadModel(await urlModelFiles('/models/quantlab-tiny/'));
    const text = await (await fetch('/models/quantlab-tiny/heldout.txt')).text();
    const out = [gpu.info.description];
    for (const preset of ${JSON.stringify(presets)}) {
      const options = { preset, promptTokens: ${promptTokens}, decodeTokens: ${decodeTokens}, repeat: 1 };
      out.push((await runSpeedBenchmark(gpu, model, text, options)).summary);
    }
    return out;
  })()`;
  const summaries = (await page.evaluate(script)) as string[];
  for (const line of summaries) console.log(line);
} finally {
  await browser.close();
  await server.close();
}
