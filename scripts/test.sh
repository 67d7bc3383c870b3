#!/usr/bin/env bash
# Every test: types, kernels and engine through Dawn (SwiftShader where there is no GPU),
# the IndexedDB stores in Debian's Chromium (Vitest browser mode), then the page end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
[ -d node_modules ] || npm ci
npm run build:cli --silent
npx tsc --noEmit -p tsconfig.json
npx vitest run
npx vitest run --config vitest.browser.config.ts
npx playwright test
