#!/usr/bin/env python3
"""bench/write-api: values posted to `POST /api/v1/observations` in batches, against `yiping
import` of the same values as one file (issue 21; target: the API at least 0.8x the import).

Uses the data of bench/import (its `generate`: enterprises x 10 indicators x months), loads the
entities and indicators into two fresh SQLite databases (not timed), then times:
  - `yiping import observations.csv`, a whole process (the file import);
  - the same values as JSON batches of --batch items posted one after another over one
    keep-alive connection to `yiping serve`, from the first request to the last answer (the
    bodies are encoded before the clock starts: the client's work is not the server's).
and prints values/s of both and the ratio API / file.

Usage: python3 bench/write-api/run.py [--rows 1000000] [--batch 10000] [--debug]
Needs: cargo build --release -p yiping (or --debug for target/debug/yiping: a debug build's
figures are slower throughout, the ratio is still the same binary against itself).
"""
import argparse
import csv
import http.client
import importlib.util
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def bench_import_module():
    spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench" / "import" / "run.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def sh(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def batches(data: Path, size: int):
    """The rows of the long CSV as JSON bodies of `size` items each."""
    out, items = [], []
    with open(data, newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        for row in r:
            items.append({"entity_code": row["主体代码"], "indicator_code": row["指标代码"],
                          "period": row["时期"], "value": float(row["数值"])})
            if len(items) == size:
                out.append(json.dumps({"items": items}, ensure_ascii=False).encode())
                items = []
    if items:
        out.append(json.dumps({"items": items}, ensure_ascii=False).encode())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--debug", action="store_true", help="use target/debug/yiping")
    args = ap.parse_args()
    yiping = ROOT / "target" / ("debug" if args.debug else "release") / "yiping"
    if not yiping.exists():
        sys.exit(f"build first: cargo build {'' if args.debug else '--release '}-p yiping ({yiping} missing)")
    gen = bench_import_module()
    work = Path(tempfile.mkdtemp(prefix="yiping-bench-write-api-"))
    server = None
    try:
        rows = gen.generate(work, args.rows)
        data = work / "observations.csv"
        print(f"values: {rows:,}  batch: {args.batch:,}  binary: {yiping.relative_to(ROOT)}")
        masters = [work / "entities.csv", work / "indicators.csv"]

        # The file import.
        file_db = work / "file.db"
        sh([yiping, "--database", file_db, "init"], stdout=subprocess.DEVNULL)
        sh([yiping, "--database", file_db, "import", *masters], stdout=subprocess.DEVNULL)
        t = time.perf_counter()
        sh([yiping, "--database", file_db, "import", data], stdout=subprocess.DEVNULL)
        file_s = time.perf_counter() - t

        # The API: an administrator's token, a server, the batches.
        api_db = work / "api.db"
        sh([yiping, "--database", api_db, "init"], stdout=subprocess.DEVNULL)
        sh([yiping, "--database", api_db, "import", *masters], stdout=subprocess.DEVNULL)
        sh([yiping, "--database", api_db, "user", "add", "--login", "bench", "--name", "基准",
            "--role", "admin", "--unit", "500000", "--password-stdin"],
           input=b"bench-password-0001\n", stdout=subprocess.DEVNULL)
        out = sh([yiping, "--database", api_db, "user", "token", "bench"], capture_output=True).stdout.decode()
        token = out.strip().splitlines()[-1].strip()
        port = free_port()
        server = subprocess.Popen([str(yiping), "--database", str(api_db), "serve", "--addr", f"127.0.0.1:{port}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        bodies = batches(data, args.batch)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        inserted = 0
        t = time.perf_counter()
        for i, body in enumerate(bodies):
            conn.request("POST", "/api/v1/observations", body=body,
                         headers={**headers, "Idempotency-Key": f"bench-{i}"})
            r = conn.getresponse()
            answer = r.read()
            if r.status != 200:
                sys.exit(f"batch {i}: {r.status} {answer[:500].decode(errors='replace')}")
            inserted += json.loads(answer)["inserted"]
        api_s = time.perf_counter() - t
        assert inserted == rows, (inserted, rows)

        print(f"{'run':<24}{'seconds':>10}{'values/s':>14}")
        print(f"{'yiping import (file)':<24}{file_s:>10.2f}{rows / file_s:>14,.0f}")
        print(f"{'POST /api/v1/observations':<24}{api_s:>10.2f}{rows / api_s:>14,.0f}")
        print(f"ratio API / file import: {file_s / api_s:.2f}  (target >= 0.80)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
