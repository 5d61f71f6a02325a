#!/usr/bin/env python3
"""bench/validate: what the validation rules add to a 1,000,000-row import (target: <= 30 %).

Generates a deterministic region tree (重庆市 -> 38 districts -> 1,000 towns) and cumulative
monthly values (1-m月) of 16 indicators for 60 months, in which every total is the sum of its
parts (so the import passes). The same file is imported, as whole processes, into two fresh
databases that differ only in `validation.toml`:
  - with rules:   for each of the 16 indicators, parts <= total (every level) and cumulative
                  1-m月 >= 1-(m-1)月, high importance (32 rules, every row checked);
  - without:      an empty rule file.
Prints both times and the ratio with / without (target <= 1.30).

Usage: python3 bench/validate/run.py [--rows N] [--pg postgres://…] [--binary target/release/yiping]
Needs: a release build (cargo build --release -p yiping).
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

ROOT = Path(__file__).resolve().parents[2]

INDICATORS = [f"V{i:02d}" for i in range(16)]


def sh(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def timed(cmd):
    t = time.perf_counter()
    sh(cmd, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def generate(out: Path, rows: int):
    rng = random.Random(20261207)
    districts = [f"5001{d:02d}" for d in range(1, 39)]
    towns = {d: [f"{d}{t:03d}" for t in range(1, 1000 // 38 + 2)] for d in districts}
    with open(out / "entities.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["类型", "代码", "名称", "层级", "上级代码"])
        w.writerow(["地区", "500000", "重庆市", 1, ""])
        for d in districts:
            w.writerow(["地区", d, f"基准区县{d}", 2, "500000"])
        for d in districts:
            for t in towns[d]:
                w.writerow(["地区", t, f"基准镇街{t}", 3, d])
    with open(out / "indicators.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["代码", "名称", "计量单位", "频率", "类型"])
        for c in INDICATORS:
            w.writerow([c, f"基准指标{c}", "万元", "月", "累计值"])
    n_ent = 1 + len(districts) + sum(len(v) for v in towns.values())
    months = max(1, rows // (n_ent * len(INDICATORS)))
    n = 0
    with open(out / "observations.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["主体代码", "指标代码", "时期", "数值"])
        for c in INDICATORS:
            cum = {}
            for k in range(months):
                y, m = 2019 + k // 12, k % 12 + 1
                if m == 1:
                    cum = {}
                period = f"{y}M01-M{m:02d}" if m > 1 else f"{y}M01"
                city = 0
                for d in districts:
                    total = 0
                    for t in towns[d]:
                        # Whole numbers (in 万元) keep every sum exact.
                        cum[t] = cum.get(t, 0) + rng.randint(1, 500)
                        w.writerow([t, c, period, cum[t]])
                        total += cum[t]
                    w.writerow([d, c, period, total])
                    city += total
                w.writerow(["500000", c, period, city])
                n += n_ent
    return n


RULES = "".join(
    f'[[rules]]\ncode = "{c}_PARTS"\nname = "下级合计不超过本级（{c}）"\nkind = "parts_le_total"\n'
    f'indicator = "{c}"\nimportance = "high"\ntolerance = 0.5\n\n'
    f'[[rules]]\ncode = "{c}_CUM"\nname = "累计不减（{c}）"\nkind = "cumulative"\n'
    f'indicator = "{c}"\nimportance = "high"\n\n'
    for c in INDICATORS
)


def prepare(binary, db, work, rules: str):
    sh([binary, "--database", db, "init"], stdout=subprocess.DEVNULL)
    conf = work / ("conf-" + str(abs(hash(rules)) % 10_000))
    conf.mkdir(exist_ok=True)
    (conf / "validation.toml").write_text(rules, encoding="utf-8")
    sh([binary, "--database", db, "config", "import", conf], stdout=subprocess.DEVNULL)
    sh([binary, "--database", db, "import", work / "entities.csv", work / "indicators.csv"],
       stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--pg", default=os.environ.get("YIPING_TEST_POSTGRES_URL", ""))
    ap.add_argument("--binary", default=str(ROOT / "target" / "release" / "yiping"))
    args = ap.parse_args()
    binary = Path(args.binary)
    if not binary.exists():
        sys.exit(f"build first: cargo build --release -p yiping ({binary} missing)")
    work = Path(tempfile.mkdtemp(prefix="yiping-bench-validate-"))
    try:
        rows = generate(work, args.rows)
        data = work / "observations.csv"
        print(f"rows: {rows:,}  file: {data.stat().st_size / 1e6:.1f} MB  rules: {2 * len(INDICATORS)}")
        results = {}
        targets = [("sqlite", lambda tag: work / f"{tag}.db")]
        if args.pg:
            base = args.pg.rsplit("/", 1)[0]

            def pg(tag):
                name = f"yiping_bench_validate_{tag}"
                sh(["psql", args.pg, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
                sh(["psql", args.pg, "-qc", f"CREATE DATABASE {name}"])
                return f"{base}/{name}"
            targets.append(("postgres", pg))
        for backend, db_for in targets:
            # Alternate the two runs so that a machine getting busier does not favour one.
            for tag, rules in [("without", ""), ("with", RULES)]:
                db = db_for(tag)
                prepare(binary, db, work, rules)
                results[(backend, tag)] = timed([binary, "--database", db, "import", data])
            if backend == "postgres":
                for tag in ["without", "with"]:
                    sh(["psql", args.pg, "-qc",
                        f"DROP DATABASE IF EXISTS yiping_bench_validate_{tag} WITH (FORCE)"])
        print(f"{'run':<26}{'seconds':>10}{'rows/s':>14}")
        for (backend, tag), v in results.items():
            print(f"{backend + ' ' + tag + ' rules':<26}{v:>10.2f}{rows / v:>14,.0f}")
        for backend, _ in targets:
            r = results[(backend, "with")] / results[(backend, "without")]
            print(f"ratio with/without rules ({backend}): {r:.2f}  (target <= 1.30)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
