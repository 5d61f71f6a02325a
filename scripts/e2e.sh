#!/usr/bin/env bash
# Browser end-to-end tests: builds yiping (debug), creates a fresh demo SQLite database in a temp
# dir, starts `yiping serve` on a free loopback port, waits for /healthz, runs every
# web/e2e/*.spec.mjs through web/e2e/run.mjs (Playwright's chromium API driving /usr/bin/chromium,
# headless), writes screenshots to target/e2e-shots/ and stops the server by its PID.
#
# Needs: node and npm (web/node_modules is installed with `npm ci` when missing or older than
# web/package-lock.json), /usr/bin/chromium
# and a CJK font (fonts-wqy-zenhei) for the Chinese text in screenshots.
# E2E_ONLY=leader runs only the specs whose file name contains "leader".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# Install (again) when node_modules is missing or older than the lock file.
if [ ! -d web/node_modules/playwright-core ] || [ ! -f web/node_modules/.package-lock.json ] \
  || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --prefix web
fi
cargo build -p yiping --locked
BIN="$ROOT/target/debug/yiping"

TMP=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "e2e: creating the demo database"
"$BIN" demo --database "$TMP/demo.db" > "$TMP/demo.log" 2>&1 || { cat "$TMP/demo.log"; exit 1; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE_URL="http://127.0.0.1:$PORT"
"$BIN" serve --database "$TMP/demo.db" --addr "127.0.0.1:$PORT" > "$TMP/serve.log" 2>&1 &
SERVER_PID=$!

for _ in $(seq 1 100); do
  if curl -fsS "$BASE_URL/healthz" > /dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "e2e: the server exited:"; cat "$TMP/serve.log"; exit 1; fi
  sleep 0.2
done
curl -fsS "$BASE_URL/healthz" > /dev/null || { echo "e2e: no /healthz at $BASE_URL"; cat "$TMP/serve.log"; exit 1; }

SHOT_DIR="$ROOT/target/e2e-shots"
mkdir -p "$SHOT_DIR"
echo "e2e: server at $BASE_URL, screenshots in $SHOT_DIR"
set +e
BASE_URL="$BASE_URL" SHOT_DIR="$SHOT_DIR" CHROMIUM="${CHROMIUM:-/usr/bin/chromium}" node web/e2e/run.mjs
STATUS=$?
set -e
if [ "$STATUS" != 0 ]; then
  echo "e2e: failed; the server's log:"
  tail -n 40 "$TMP/serve.log"
else
  echo "e2e: all scenarios passed"
fi
exit "$STATUS"
