#!/usr/bin/env bash
# Runs every test of yiping: the Rust tests (the PostgreSQL leg runs when YIPING_TEST_POSTGRES_URL
# names a server, see README.md; with YIPING_TEST_POSTGRES_REQUIRED=1 a missing server fails
# instead of skipping), then the browser end-to-end tests (scripts/e2e.sh: Playwright driving
# /usr/bin/chromium; skipped with a note when Chromium is missing, unless YIPING_E2E_REQUIRED=1).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked "$@"
if [ -x /usr/bin/chromium ] && command -v node >/dev/null; then
  bash scripts/e2e.sh
elif [ "${YIPING_E2E_REQUIRED:-0}" = 1 ]; then
  echo "e2e: /usr/bin/chromium or node is missing (apt-get install chromium fonts-wqy-zenhei nodejs npm)" >&2
  exit 1
else
  echo "e2e: skipped — /usr/bin/chromium or node is missing (apt-get install chromium fonts-wqy-zenhei nodejs npm)"
fi
