#!/usr/bin/env python3
"""bench/evaluate: the 亩均 evaluation of 100,000 enterprises x 6 indicators against DuckDB and pandas.

Generates deterministic data (every firm 规上, every 97th also 公用事业 = 不定等级, every 13th
without emission data = the cohort-average rule, every 1000th without 亩均税收 = excluded), then
times, as whole processes (best of --repeat runs):
  (a) yiping evaluate --input CSV --output CSV with crates/eval/schemes/mujun.toml
      (benchmark-ratio scores, percentile classes A 25 % / B 70 % / C 95 % / D)
  (b) the same computation as one SQL script run by the duckdb command-line program
  (c) the same computation in pandas (python3 script)
checks that all three give every firm the same rank and class, and also times
  - compute only: yiping's `--timing` compute step, DuckDB's `.timer` on the query over a loaded
    table, pandas' own clock around the computation;
  - load + compute + persist: `yiping evaluate --scheme MUJUN --period 2023` on a database holding
    the same data (SQLite file and PostgreSQL), after importing it (import time shown apart).
Prints seconds and ratios (yiping time / peer time: below 1 means yiping is faster).

Usage: python3 bench/evaluate/run.py [--n 100000] [--repeat 3] [--pg postgres://...] [--no-db]
Builds yiping in release mode itself (bench/buildlib.py); needs `pip install duckdb-cli pandas`
(check `pip index versions duckdb-cli`), psql for the PostgreSQL leg.
"""
import argparse
import csv
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from buildlib import ensure_release  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
YIPING = Path(os.environ.get("YIPING_BIN", ROOT / "target" / "release" / "yiping"))
SCHEME = ROOT / "crates" / "eval" / "schemes" / "mujun.toml"
PERIOD = "2023"

# (code, benchmark, weight) in the scheme's item order; must match mujun.toml.
ITEMS = [
    ("TAX_PER_MU", 24.097, 30),
    ("VA_PER_MU", 136.16, 20),
    ("VA_PER_ENERGY", 2.694, 20),
    ("VA_PER_EMISSION", 4929.81, 10),
    ("LABOUR_PROD", 18.14, 10),
    ("RD_RATIO", 0.0302, 10),
]
EXEMPT_GROUPS = ["公用事业", "税收扶持", "初创企业", "重大项目建设期"]


def sh(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def timed(cmd, repeat=1, **kw):
    """Best wall time of `repeat` runs, and the last run's stdout+stderr."""
    best, out = None, ""
    for _ in range(repeat):
        t = time.perf_counter()
        r = sh(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
        out = r.stdout + r.stderr
    return best, out


def duckdb_binary():
    """The duckdb executable itself (pip's `duckdb` is a Python wrapper that starts it)."""
    try:
        import duckdb_cli  # noqa: PLC0415
        p = Path(duckdb_cli.__file__).parent / "duckdb"
        if p.exists():
            return p
    except ImportError:
        pass
    w = shutil.which("duckdb")
    if not w:
        sys.exit("duckdb not found: pip install duckdb-cli")
    return Path(w)


def key(i):
    return f"91500000BENCH{i:06d}"


def generate(work: Path, n: int):
    rng = random.Random(20250120)
    rows = []
    for i in range(n):
        groups = "规上;公用事业" if i % 97 == 5 else "规上"
        vals = []
        for k, (code, bench, _) in enumerate(ITEMS):
            v = round(bench * rng.lognormvariate(0.0, 0.6), 4 if code != "RD_RATIO" else 6)
            if code == "VA_PER_EMISSION" and i % 13 == 0:
                v = None
            if code == "TAX_PER_MU" and i % 1000 == 999:
                v = None
            vals.append(v)
        rows.append((key(i), f"基准企业{i:06d}", groups, vals))
    fmt = lambda v: "" if v is None else repr(v)  # noqa: E731
    with open(work / "in.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["主体代码", "名称", "分组"] + [c for c, _, _ in ITEMS])
        for k, name, g, vals in rows:
            w.writerow([k, name, g] + [fmt(v) for v in vals])
    # The same data for the database path.
    with open(work / "entities.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["类型", "代码", "名称", "层级", "上级代码", "分组"])
        w.writerow(["地区", "500000", "重庆市", 1, "", ""])
        for k, name, g, _ in rows:
            w.writerow(["企业", k, name, 3, "500000", g])
    with open(work / "indicators.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["代码", "名称", "计量单位", "频率", "类型"])
        for c, _, _ in ITEMS:
            w.writerow([c, f"基准{c}", "万元", "年", "比率"])
    with open(work / "observations.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["主体代码", "指标代码", "时期", "数值"])
        for k, _, _, vals in rows:
            for (c, _, _), v in zip(ITEMS, vals):
                if v is not None:
                    w.writerow([k, c, PERIOD, repr(v)])


def duckdb_script(work: Path):
    """The whole evaluation as SQL: load, score, rank, class, write."""
    cols = ", ".join(f"{c}: 'DOUBLE'" for c, _, _ in ITEMS)
    points = ",\n    ".join(f"100.0 * ({c} / {b!r}) AS p{k}" for k, (c, b, _) in enumerate(ITEMS))
    active = " AND ".join(f"{c} IS NOT NULL" for c, _, _ in ITEMS if c != "VA_PER_EMISSION")
    exempt = " OR ".join(f"list_contains(g, '{x}')" for x in EXEMPT_GROUPS)
    weighted = " + ".join(
        (f"coalesce(p{k}, a) * {w}.0 / 100.0" if c == "VA_PER_EMISSION" else f"p{k} * {w}.0 / 100.0")
        for k, (c, _, w) in enumerate(ITEMS)
    )
    load = f"""CREATE TABLE firms AS SELECT * FROM read_csv('{work / "in.csv"}', header = true,
    columns = {{'主体代码': 'VARCHAR', '名称': 'VARCHAR', '分组': 'VARCHAR', {cols}}});"""
    compute = f"""CREATE TABLE result AS
WITH pts AS (
  SELECT 主体代码 AS key, TAX_PER_MU AS tax, string_split(分组, ';') AS g,
    {points},
    ({active}) AS active
  FROM firms
  WHERE list_contains(string_split(分组, ';'), '规上')
),
flags AS (SELECT *, ({exempt}) AS exempt FROM pts),
avg_emission AS (SELECT avg(p3) AS a FROM flags WHERE active AND p3 IS NOT NULL),
scored AS (SELECT key, tax, exempt, {weighted} AS score FROM flags, avg_emission WHERE active),
ranked AS (
  SELECT *, row_number() OVER (ORDER BY score DESC, tax DESC, key ASC) AS rank FROM scored
),
graded AS (SELECT *, row_number() OVER (PARTITION BY exempt ORDER BY rank) AS pos FROM ranked),
graded_count AS (SELECT count(*) AS n FROM ranked WHERE NOT exempt)
SELECT rank, key, score,
  CASE WHEN exempt THEN NULL
       WHEN pos * 100 <= 25 * n THEN 'A'
       WHEN pos * 100 <= 70 * n THEN 'B'
       WHEN pos * 100 <= 95 * n THEN 'C'
       ELSE 'D' END AS grade
FROM graded, graded_count
UNION ALL
SELECT NULL, 主体代码, NULL, NULL FROM firms
WHERE list_contains(string_split(分组, ';'), '规上') AND NOT ({active});"""
    write = f"COPY (SELECT * FROM result ORDER BY rank NULLS LAST, key) TO '{work / 'duck.csv'}' (HEADER);"
    (work / "duck.sql").write_text(f"{load}\n{compute}\n{write}\n", encoding="utf-8")
    (work / "duck_timed.sql").write_text(
        f"{load}\n.timer on\n{compute}\n.timer off\n{write}\n", encoding="utf-8"
    )


PANDAS = r'''
import sys, time
import numpy as np
import pandas as pd
src, out, items, exempt_groups = sys.argv[1], sys.argv[2], eval(sys.argv[3]), eval(sys.argv[4])
df = pd.read_csv(src, dtype={"主体代码": str, "名称": str, "分组": str}, float_precision="round_trip")
t0 = time.perf_counter()
g = df["分组"].fillna("").str.split(";")
df = df[g.map(lambda x: "规上" in x)].copy()
g = df["分组"].fillna("").str.split(";")
df["exempt"] = g.map(lambda x: any(e in x for e in exempt_groups))
pts = {c: 100.0 * (df[c] / b) for c, b, _ in items}
active = np.ones(len(df), dtype=bool)
for c, _, _ in items:
    if c != "VA_PER_EMISSION":
        active &= df[c].notna().to_numpy()
p_em = pts["VA_PER_EMISSION"]
avg = p_em[active & p_em.notna().to_numpy()].mean()
score = None
for c, _, w in items:
    p = pts[c].fillna(avg) if c == "VA_PER_EMISSION" else pts[c]
    part = p * w / 100.0
    score = part if score is None else score + part
df["score"] = score
scored = df[active].sort_values(["score", "TAX_PER_MU", "主体代码"], ascending=[False, False, True], kind="mergesort")
scored["rank"] = np.arange(1, len(scored) + 1)
n = int((~scored["exempt"]).sum())
pos = (~scored["exempt"]).cumsum()
grade = np.where(pos * 100 <= 25 * n, "A", np.where(pos * 100 <= 70 * n, "B", np.where(pos * 100 <= 95 * n, "C", "D")))
scored["grade"] = np.where(scored["exempt"], None, grade)
excluded = df[~active].sort_values("主体代码")
t1 = time.perf_counter()
res = pd.concat([
    scored[["rank", "主体代码", "score", "grade"]],
    pd.DataFrame({"rank": None, "主体代码": excluded["主体代码"], "score": None, "grade": None}),
])
res.rename(columns={"主体代码": "key"}).to_csv(out, index=False)
print(f"compute_s={t1 - t0:.6f}", file=sys.stderr)
'''


def read_result(path: Path, key_col, rank_col, grade_col, score_col):
    out = {}
    with open(path, encoding="utf-8-sig") as f:
        lines = f.read().splitlines()
    # A league table exported by yiping starts with its title line.
    start = next(i for i, line in enumerate(lines) if rank_col in next(csv.reader([line])))
    for row in csv.DictReader(lines[start:]):
        if True:
            r = row[rank_col]
            s = row[score_col]
            out[row[key_col]] = (
                int(float(r)) if r not in ("", None) else None,
                None if row[grade_col] in ("", "不定等级") else row[grade_col],
                float(s) if s not in ("", None) else None,
            )
    return out


def compare(name, a, b):
    assert a.keys() == b.keys(), f"{name}: different firms ({len(a)} vs {len(b)})"
    rank_diff = sum(1 for k in a if a[k][0] != b[k][0])
    grade_diff = sum(1 for k in a if a[k][1] != b[k][1])
    score_diff = max(
        (abs(a[k][2] - b[k][2]) for k in a if a[k][2] is not None and b[k][2] is not None),
        default=0.0,
    )
    print(f"  {name:<22} ranks differ: {rank_diff}, classes differ: {grade_diff}, max |score diff|: {score_diff:.2e}")
    return rank_diff == 0 and grade_diff == 0


def db_leg(label, url, work, repeat, results):
    import_s, _ = timed([YIPING, "--database", url, "import", work / "entities.csv", work / "indicators.csv"])
    t_obs, _ = timed([YIPING, "--database", url, "import", work / "observations.csv"])
    sh([YIPING, "--database", url, "schemes", "--add", SCHEME], stdout=subprocess.DEVNULL)
    t, out = timed([YIPING, "--database", url, "evaluate", "--scheme", "MUJUN", "--period", PERIOD, "--limit", "1"], repeat)
    results[f"yiping {label}: load+compute+persist"] = t
    n_obs = sum(1 for _ in open(work / "observations.csv", encoding="utf-8")) - 1
    print(f"  {label}: import entities+indicators {import_s:.2f}s, {n_obs:,} observations {t_obs:.2f}s (not in the ratio)")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pg", default=os.environ.get("YIPING_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--no-db", action="store_true", help="skip the SQLite and PostgreSQL legs")
    args = ap.parse_args()
    if "YIPING_BIN" not in os.environ:
        ensure_release(["-p", "yiping"])
    if not YIPING.exists():
        sys.exit(f"{YIPING} missing (YIPING_BIN names a binary that is not there)")
    duck = duckdb_binary()
    work = Path(tempfile.mkdtemp(prefix="yiping-bench-eval-"))
    try:
        generate(work, args.n)
        print(f"firms: {args.n:,} x {len(ITEMS)} indicators, input {(work / 'in.csv').stat().st_size / 1e6:.1f} MB")
        duckdb_script(work)
        (work / "pandas_mujun.py").write_text(PANDAS, encoding="utf-8")
        results, compute = {}, {}

        t, out = timed([YIPING, "evaluate", "--scheme-file", SCHEME, "--input", work / "in.csv",
                        "--output", work / "yiping.csv", "--timing"], args.repeat)
        results["yiping evaluate (CSV->CSV)"] = t
        compute["yiping"] = float(re.search(r"compute_ms=([\d.]+)", out).group(1)) / 1000
        # The same four columns the peers write (rank, key, score, class).
        t, _ = timed([YIPING, "evaluate", "--scheme-file", SCHEME, "--input", work / "in.csv",
                      "--output", work / "yiping_brief.csv", "--brief"], args.repeat)
        results["yiping evaluate --brief (4 columns)"] = t
        t, _ = timed([duck, "-batch", "-init", "/dev/null", "-c", f".read {work / 'duck.sql'}"], args.repeat)
        results["duckdb CLI (SQL script)"] = t
        t, _ = timed([sys.executable, work / "pandas_mujun.py", work / "in.csv", work / "pandas.csv",
                      repr([list(i) for i in ITEMS]), repr(EXEMPT_GROUPS)], args.repeat)
        results["pandas (python3 script)"] = t

        # Compute only.
        best = None
        for _ in range(args.repeat):
            _, out = timed([duck, "-batch", "-init", "/dev/null", "-c", f".read {work / 'duck_timed.sql'}"])
            s = float(re.search(r"Run Time \(s\): real ([\d.]+)", out).group(1))
            best = s if best is None else min(best, s)
        compute["duckdb"] = best
        best = None
        for _ in range(args.repeat):
            _, out = timed([sys.executable, work / "pandas_mujun.py", work / "in.csv", work / "pandas.csv",
                            repr([list(i) for i in ITEMS]), repr(EXEMPT_GROUPS)])
            s = float(re.search(r"compute_s=([\d.]+)", out).group(1))
            best = s if best is None else min(best, s)
        compute["pandas"] = best

        print("same ranks and classes:")
        y = read_result(work / "yiping.csv", "主体代码", "排名", "等级", "得分")
        d = read_result(work / "duck.csv", "key", "rank", "grade", "score")
        p = read_result(work / "pandas.csv", "key", "rank", "grade", "score")
        ok = compare("yiping vs duckdb", y, d) & compare("yiping vs pandas", y, p)
        yb = read_result(work / "yiping_brief.csv", "主体代码", "排名", "等级", "得分")
        ok &= compare("yiping --brief vs duckdb", yb, d)

        if not args.no_db:
            db = work / "bench.db"
            sh([YIPING, "--database", db, "init"], stdout=subprocess.DEVNULL)
            db_leg("sqlite", db, work, args.repeat, results)
            sh([YIPING, "--database", db, "export", "--league", "MUJUN", "--period", PERIOD, "-o", work / "db.csv"],
               stdout=subprocess.DEVNULL)
            ok &= compare("yiping sqlite vs CSV", y, read_result(work / "db.csv", "代码", "排名", "等级", "得分"))
            if shutil.which("psql"):
                base, name = args.pg.rsplit("/", 1)[0], "yiping_bench_eval"
                quiet = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
                sh(["psql", args.pg, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], env=quiet)
                sh(["psql", args.pg, "-qc", f"CREATE DATABASE {name}"], env=quiet)
                try:
                    db_leg("postgres", f"{base}/{name}", work, args.repeat, results)
                finally:
                    sh(["psql", args.pg, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], env=quiet)

        print("\n(yiping writes the full league table: 22 columns with a Chinese explanation per firm;")
        print(" with --brief, and the DuckDB and pandas scripts, rank, key, score and class only)")
        print(f"{'run (whole process, best of %d)' % args.repeat:<42}{'seconds':>9}")
        for k, v in results.items():
            print(f"{k:<42}{v:>9.3f}")
        print(f"\n{'compute only':<42}{'seconds':>9}")
        for k, v in compute.items():
            print(f"{k:<42}{v:>9.3f}")
        y_all = results["yiping evaluate (CSV->CSV)"]
        print("\nratios (yiping / peer; < 1 means yiping is faster)")
        print(f"  whole process  vs duckdb: {y_all / results['duckdb CLI (SQL script)']:.2f}   vs pandas: {y_all / results['pandas (python3 script)']:.2f}")
        y_brief = results["yiping evaluate --brief (4 columns)"]
        print(f"  same 4 columns vs duckdb: {y_brief / results['duckdb CLI (SQL script)']:.2f}   vs pandas: {y_brief / results['pandas (python3 script)']:.2f}")
        print(f"  compute only   vs duckdb: {compute['yiping'] / compute['duckdb']:.2f}   vs pandas: {compute['yiping'] / compute['pandas']:.2f}")
        if not ok:
            sys.exit("the outputs differ")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
