#!/usr/bin/env python3
"""bench/import: `yiping import` of a 1,000,000-row long CSV against the raw baselines.

Generates deterministic data (2,000 enterprises x 10 indicators x 50 months), loads the entities
and indicators (not timed), then times, as whole processes:
  - yiping import into SQLite        vs  sqlite3 `.import --csv` into a bare table
  - yiping import into PostgreSQL    vs  psql `\\copy` into a bare table
and prints rows/s and the ratio yiping / baseline (target: >= 0.5).

Usage: python3 bench/import/run.py [--rows N] [--pg postgres://postgres@127.0.0.1:5432/test]
Builds yiping in release mode itself (bench/buildlib.py); needs sqlite3 and psql on PATH.
"""
import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from buildlib import ensure_release  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
YIPING = ROOT / "target" / "release" / "yiping"


# A bare table with yiping's key and index, for the "keyed" baselines.
KEYED_TABLE = ("CREATE TABLE t (entity TEXT NOT NULL, indicator TEXT NOT NULL, period TEXT NOT NULL, "
               "value DOUBLE PRECISION, PRIMARY KEY (indicator, period, entity))")
KEYED_INDEX = "CREATE INDEX t_entity ON t (entity, indicator)"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd, **kw):
    t = time.perf_counter()
    sh(cmd, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t


def generate(out: Path, rows: int):
    rng = random.Random(20241021)
    n_ent = 2000
    inds = [f"B{i:02d}" for i in range(10)]
    months = [(2021 + m // 12, m % 12 + 1) for m in range(max(1, rows // (n_ent * len(inds))))]
    with open(out / "entities.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["类型", "代码", "名称", "层级", "上级代码"])
        w.writerow(["地区", "500000", "重庆市", 1, ""])
        for i in range(n_ent):
            w.writerow(["企业", f"91500000BENCH{i:05d}", f"基准测试企业{i:05d}", 9, "500000"])
    with open(out / "indicators.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["代码", "名称", "计量单位", "频率", "类型"])
        for c in inds:
            w.writerow([c, f"基准指标{c}", "万元", "月", "水平值"])
    n = 0
    with open(out / "observations.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["主体代码", "指标代码", "时期", "数值"])
        for (y, m) in months:
            for c in inds:
                for i in range(n_ent):
                    if n >= rows:
                        return n
                    w.writerow([f"91500000BENCH{i:05d}", c, f"{y}M{m:02d}", round(rng.uniform(1, 10000), 2)])
                    n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--pg", default=os.environ.get("YIPING_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"))
    args = ap.parse_args()
    ensure_release(["-p", "yiping"])
    work = Path(tempfile.mkdtemp(prefix="yiping-bench-import-"))
    try:
        rows = generate(work, args.rows)
        data = work / "observations.csv"
        print(f"rows: {rows:,}  file: {data.stat().st_size / 1e6:.1f} MB")
        results = {}

        # SQLite
        db = work / "bench.db"
        sh([YIPING, "--database", db, "init"], stdout=subprocess.DEVNULL)
        sh([YIPING, "--database", db, "import", work / "entities.csv", work / "indicators.csv"], stdout=subprocess.DEVNULL)
        results["yiping sqlite"] = timed([YIPING, "--database", db, "import", data])
        raw = work / "raw.db"
        sh(["sqlite3", raw, "CREATE TABLE t (entity TEXT, indicator TEXT, period TEXT, value REAL);"])
        results["sqlite3 .import"] = timed(["sqlite3", raw, ".mode csv", f".import --skip 1 {data} t"])
        # The same tool into a table keyed and indexed like yiping's (what the keys alone cost).
        keyed = work / "keyed.db"
        sh(["sqlite3", keyed, KEYED_TABLE.replace("DOUBLE PRECISION", "REAL") + " WITHOUT ROWID; " + KEYED_INDEX])
        results["sqlite3 keyed"] = timed(["sqlite3", keyed, ".mode csv", f".import --skip 1 {data} t"])

        # PostgreSQL: a fresh database for each side
        base = args.pg.rsplit("/", 1)[0]
        for name in ["yiping_bench_import", "yiping_bench_raw"]:
            sh(["psql", args.pg, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
            sh(["psql", args.pg, "-qc", f"CREATE DATABASE {name}"])
        pg = f"{base}/yiping_bench_import"
        sh([YIPING, "--database", pg, "init"], stdout=subprocess.DEVNULL)
        sh([YIPING, "--database", pg, "import", work / "entities.csv", work / "indicators.csv"], stdout=subprocess.DEVNULL)
        results["yiping postgres"] = timed([YIPING, "--database", pg, "import", data])
        rawpg = f"{base}/yiping_bench_raw"
        sh(["psql", rawpg, "-qc", "CREATE TABLE t (entity TEXT, indicator TEXT, period TEXT, value DOUBLE PRECISION)"])
        results["psql \\copy"] = timed(["psql", rawpg, "-qc", f"\\copy t FROM '{data}' WITH (FORMAT csv, HEADER true)"])
        sh(["psql", rawpg, "-qc", "DROP TABLE t"])
        sh(["psql", rawpg, "-qc", KEYED_TABLE + "; " + KEYED_INDEX])
        results["psql keyed"] = timed(["psql", rawpg, "-qc", f"\\copy t FROM '{data}' WITH (FORMAT csv, HEADER true)"])
        for name in ["yiping_bench_import", "yiping_bench_raw"]:
            sh(["psql", args.pg, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])

        print(f"{'run':<18}{'seconds':>10}{'rows/s':>14}")
        for k, v in results.items():
            print(f"{k:<18}{v:>10.2f}{rows / v:>14,.0f}")
        r1 = results["sqlite3 .import"] / results["yiping sqlite"]
        r2 = results["psql \\copy"] / results["yiping postgres"]
        print(f"ratio yiping/sqlite3 .import : {r1:.2f}  (target >= 0.50)")
        print(f"ratio yiping/psql \\copy      : {r2:.2f}  (target >= 0.50)")
        r3 = results["sqlite3 keyed"] / results["yiping sqlite"]
        r4 = results["psql keyed"] / results["yiping postgres"]
        print(f"ratio yiping/sqlite3 keyed   : {r3:.2f}  (same tool, table keyed and indexed like yiping's)")
        print(f"ratio yiping/psql keyed      : {r4:.2f}  (same tool, table keyed and indexed like yiping's)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
