"""Builds what a benchmark needs before it runs, so every bench runs from a fresh checkout.

`ensure_release(["-p", "yiping"])` runs `cargo build --release --locked <args>` in the repository root
(cargo does nothing when the binaries are up to date, so the check costs about a second) and stops the
bench with the build's own error when the build fails. Set YIPING_BENCH_NO_BUILD=1 to skip the build and
use whatever binaries are already there (for example a binary of an older commit, for a before/after
comparison).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ensure_release(cargo_args, what="the benchmark's binaries"):
    if os.environ.get("YIPING_BENCH_NO_BUILD") == "1":
        return
    cmd = ["cargo", "build", "--release", "--locked", *cargo_args]
    print(f"== building {what}: {' '.join(cmd)}", flush=True)
    done = subprocess.run(cmd, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"the build failed ({' '.join(cmd)}); the benchmark needs it")
