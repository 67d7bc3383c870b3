#!/usr/bin/env bash
# Starts the lab on the embedded default model: installs what is missing, builds, serves on localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
npx vite build --logLevel warn
port="${PORT:-4173}"
echo
echo "QuantLab is at http://127.0.0.1:${port}/  (open it in Chrome or Edge; Ctrl+C stops it)"
echo
exec npx vite preview --host 127.0.0.1 --port "$port" --strictPort
