#!/usr/bin/env bash
# The reliability suite (issue 18): kill -9 of imports and of `serve`, backup under load and
# restore, the SQLite log's size; on SQLite and, when YIPING_TEST_POSTGRES_URL is set, PostgreSQL.
# Uses target/debug/yiping (built when missing). See tests/reliability/run.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${CARGO_TARGET_DIR:-target}/debug/yiping"
[ -x "$bin" ] || cargo build -p yiping --locked
exec timeout 300 python3 tests/reliability/run.py --bin "$bin" "$@"
