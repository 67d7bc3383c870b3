#!/usr/bin/env node
// The command line is the engine bundled for Node by `npm run build:cli` (run by npm install).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli/quantlab.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('quantlab: the command line is not built yet: run `npm run build:cli` in the QuantLab folder\n');
  process.exit(1);
}
await import(bundle);
