#!/usr/bin/env bash
# Runs every test of yiping. The PostgreSQL leg runs when YIPING_TEST_POSTGRES_URL names a server
# (see README.md); with YIPING_TEST_POSTGRES_REQUIRED=1 a missing server fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked "$@"
