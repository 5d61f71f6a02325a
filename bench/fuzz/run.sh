#!/usr/bin/env bash
# bench/fuzz: the proptest fuzz targets (issue 18) for a long time each — not in CI, where the
# same targets run 256 cases per property with the tests.
#
#   kernel/tests/fuzz_period.rs   the Chinese period parser (Period::parse, find_in_text, parse_code)
#   io/tests/layout/fuzz.rs       the CSV reader and the table parser (UTF-8, GBK, any bytes)
#
# Tool: proptest (stable toolchain; cargo-fuzz needs nightly). Each round runs a target's test
# binary with YIPING_FUZZ_CASES cases per property and fresh random seeds, until MINUTES have
# passed for that target; a failure stops the script with proptest's minimal failing input.
#
# Usage: bash bench/fuzz/run.sh [MINUTES per target, default 10] [CASES per round, default 20000]
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes="${1:-10}"
cases="${2:-20000}"
export YIPING_FUZZ_CASES="$cases"
for target in "yiping-kernel fuzz_period" "yiping-io layout fuzz::"; do
  set -- $target
  pkg=$1 test=$2 filter=${3:-}
  cargo build --release -p "$pkg" --tests --locked >/dev/null 2>&1 || cargo test --release -p "$pkg" --test "$test" --no-run
  end=$(( $(date +%s) + minutes * 60 ))
  rounds=0
  start=$(date +%s)
  while [ "$(date +%s)" -lt "$end" ]; do
    cargo test --release -q -p "$pkg" --test "$test" -- $filter >/tmp/yiping-fuzz.log 2>&1 || {
      cat /tmp/yiping-fuzz.log
      echo "fuzz: $pkg $test FAILED after $rounds rounds" >&2
      exit 1
    }
    rounds=$((rounds + 1))
  done
  echo "fuzz: $pkg $test: $rounds rounds x $cases cases per property in $(( $(date +%s) - start )) s, no failure"
done
