#!/usr/bin/env bash
# Checks the running server against its own OpenAPI document (issue 21): schemathesis generates
# requests from /api/v1/openapi.json (bodies, parameters, examples) and fails on any server error
# (5xx) or an answer that contradicts the document's status codes. Not part of scripts/test.sh
# (it depends on a Python tool); .ci/run installs schemathesis when missing and runs it with 10
# examples per operation (about 20 s). More examples: bash tests/api-schema/run.sh 200.
#
# Usage: bash tests/api-schema/run.sh [max examples per operation, default 25]
# Needs: pip install schemathesis; builds target/debug/yiping.
set -euo pipefail
cd "$(dirname "$0")/../.."
MAX="${1:-25}"
command -v schemathesis >/dev/null || { echo "需要 schemathesis：pip install schemathesis" >&2; exit 2; }
cargo build -q -p yiping
BIN="$PWD/target/debug/yiping"
WORK="$(mktemp -d)"
trap 'kill "${PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
DB="$WORK/schema.db"
cat > "$WORK/entities.csv" <<'CSV'
类型,代码,名称,层级,上级代码
地区,500000,重庆市,1,
地区,500101,万州区,2,500000
地区,500103,渝中区,2,500000
CSV
cat > "$WORK/indicators.csv" <<'CSV'
代码,名称,计量单位,频率,类型
FAI,固定资产投资,亿元,月,累计值
CSV
"$BIN" --database "$DB" init >/dev/null
"$BIN" --database "$DB" import "$WORK/entities.csv" "$WORK/indicators.csv" >/dev/null
echo "schema-check-password" | "$BIN" --database "$DB" user add --login schema --name 接口检查 \
  --role admin --unit 500000 --password-stdin >/dev/null
TOKEN="$("$BIN" --database "$DB" user token schema | tail -1)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$BIN" --database "$DB" serve --addr "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance \
  --max-examples "$MAX" \
  --workers 1
