#!/usr/bin/env python3
"""tests/reliability: crash and backup checks of the built `yiping` binary (issue 18), on SQLite
and on PostgreSQL. Run by .ci/run after the tests; bounded to a few minutes.

Each backend gets a fresh database (a temporary SQLite file; a PostgreSQL database created and
dropped) with 200 districts and three indicators, TAX_MU = TAX / LAND being derived, then:

1. kill -9 of an import before its commit (killed while reading): nothing stored, no audit row;
2. kill -9 of an import after its commit, before its follow-up (YIPING_FAILPOINT=after-commit:pause
   holds it there): the data and its audit row are stored, and the next command finishes the
   follow-up (the derived values appear, the pending note is gone, the audit row is not doubled);
3. kill -9 at random moments of imports of new revisions: after each, every stored TAX is of one
   revision (all or nothing) and every TAX_MU agrees with its TAX / LAND;
4. 64 requests racing for one transition of one item version: exactly one wins (5 rounds);
   kill -9 of `serve` under 8 writing clients: every item the server answered 201 for is stored;
   a backup taken while they write restores (to another database) to the same export, and holds
   every item answered before it began;
5. SQLite only: the write-ahead log while serving stays under its limit and is empty after a
   command.

Prints one line per check and, at the end, "reliability: all checks passed".

Usage: python3 tests/reliability/run.py [--pg URL | --no-pg] [--bin target/debug/yiping]
PostgreSQL: the URL of a server where the user may create databases (YIPING_TEST_POSTGRES_URL);
needs psql, pg_dump and pg_restore on PATH.
"""
import argparse
import csv
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DISTRICTS = 200
PERIODS = [f"{y}Q{q}" for y in (2023, 2024) for q in (1, 2, 3, 4)]
WAL_LIMIT = 16 * 1024 * 1024
started = time.monotonic()


def say(msg):
    print(f"[{time.monotonic() - started:6.1f}s] {msg}", flush=True)


def fail(msg):
    print(f"reliability: FAILED: {msg}", flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    say(f"ok  {msg}")


class Db:
    """One backend's database: the address for --database, and SQL for the checks."""

    def __init__(self, kind, address, admin=None, name=None):
        self.kind, self.address, self.admin, self.name = kind, address, admin, name

    def scalar(self, sql):
        if self.kind == "sqlite":
            with sqlite3.connect(self.address, timeout=30) as c:
                return c.execute(sql).fetchone()[0]
        out = subprocess.run(["psql", self.address, "-tAc", sql], check=True,
                             capture_output=True, text=True).stdout.strip()
        return int(out) if out.lstrip("-").isdigit() else out

    def ids(self, sql):
        if self.kind == "sqlite":
            with sqlite3.connect(self.address, timeout=30) as c:
                return {r[0] for r in c.execute(sql)}
        out = subprocess.run(["psql", self.address, "-tAc", sql], check=True,
                             capture_output=True, text=True).stdout
        return {int(x) for x in out.split()}


def pg_database(admin, name):
    env = dict(os.environ, PGOPTIONS="--client-min-messages=warning")
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                   check=True, env=env)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True, env=env)
    base, _, _ = admin.rpartition("/")
    return Db("postgres", f"{base}/{name}", admin, name)


def drop_pg(db):
    env = dict(os.environ, PGOPTIONS="--client-min-messages=warning")
    subprocess.run(["psql", db.admin, "-qc", f"DROP DATABASE IF EXISTS {db.name} WITH (FORCE)"],
                   env=env)


class Yiping:
    def __init__(self, binary, db):
        self.binary, self.db = binary, db

    def cmd(self, *args):
        return [str(self.binary), "--database", self.db.address, *map(str, args)]

    def run(self, *args, ok=True, stdin=None):
        env = {k: v for k, v in os.environ.items() if k != "YIPING_DATABASE_URL"}
        p = subprocess.run(self.cmd(*args), capture_output=True, text=True, input=stdin,
                           env=env, timeout=120)
        if ok and p.returncode != 0:
            fail(f"yiping {' '.join(map(str, args))}: {p.stdout}{p.stderr}")
        return p

    def spawn(self, *args, env=None):
        e = {k: v for k, v in os.environ.items() if k != "YIPING_DATABASE_URL"}
        e.update(env or {})
        return subprocess.Popen(self.cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=e)

    def export(self, path):
        self.run("export", "-o", path)
        with open(path, newline="", encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))


def write_inputs(d):
    rows = ["类型,代码,名称,层级,上级代码", "地区,500000,重庆市,1,"]
    rows += [f"地区,{510000 + n},测试区{n:03},2,500000" for n in range(1, DISTRICTS + 1)]
    (d / "entities.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (d / "indicators.csv").write_text(
        "代码,名称,计量单位,频率,类型,公式\n"
        "TAX,税收,万元,季,累计值,\nLAND,用地,亩,季,累计值,\n"
        "TAX_MU,亩均税收,万元/亩,季,累计值,TAX / LAND\n", encoding="utf-8")


def data_file(d, revision):
    """TAX and LAND of every district and period; TAX carries the revision."""
    path = d / f"data-{revision}.csv"
    lines = ["主体代码,指标代码,时期,数值"]
    for n in range(1, DISTRICTS + 1):
        for p in PERIODS:
            lines.append(f"{510000 + n},TAX,{p},{1000 + n * 10 + revision}")
            lines.append(f"{510000 + n},LAND,{p},{10 + n % 7}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def by_indicator(rows):
    out = {}
    for r in rows:
        out.setdefault(r["指标代码"], {})[(r["主体代码"], r["时期"])] = float(r["数值"])
    return out


def consistent(rows):
    """All TAX of one revision; every TAX_MU = TAX / LAND. Returns the revision (None: no data)."""
    v = by_indicator(rows)
    tax, land, mu = v.get("TAX", {}), v.get("LAND", {}), v.get("TAX_MU", {})
    if not tax:
        check(not mu, "no derived values without data")
        return None
    revisions = {round(x - 1000 - int(k[0]) % 1000 * 10) for k, x in tax.items()}
    check(len(revisions) == 1 and len(tax) == DISTRICTS * len(PERIODS),
          f"every TAX of one revision ({len(tax)} values, revisions {sorted(revisions)})")
    bad = [k for k, x in tax.items() if k not in mu or abs(mu[k] - x / land[k]) > 0.01 * x / land[k]]
    check(not bad, f"every TAX_MU agrees with TAX / LAND ({len(mu)} derived, {len(bad)} wrong)")
    return revisions.pop()


def imports(db, name):
    return db.scalar(f"SELECT count(*) FROM audit_events WHERE action = 'import.apply' "
                     f"AND target LIKE '%{name}'")


def crash_imports(y, d, rng):
    db = y.db
    write_inputs(d)
    y.run("import", d / "entities.csv", d / "indicators.csv")
    first = data_file(d, 0)

    # 1. killed before the commit (while reading and writing; a fast machine may have committed
    #    already, then the state must be whole and the follow-up done).
    p = y.spawn("import", first)
    time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.wait()
    rows = y.export(d / "x.csv")
    last = consistent(rows)
    if last is None:
        check(imports(db, first.name) == 0,
              f"{db.kind}: an import killed before its commit stored nothing, no audit row")
    else:
        say(f"    {db.kind}: the first import committed before it was killed")
        check(imports(db, first.name) == 1, f"{db.kind}: one audit row")

    # 2. killed after the commit, before formulas, evaluations and alerts.
    revision = 0 if last is None else 9
    path = data_file(d, revision)
    p = y.spawn("import", path, env={"YIPING_FAILPOINT": "after-commit:pause"})
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline and "after-commit:pause" not in line:
        line = p.stderr.readline()
        if not line and p.poll() is not None:
            break
    check("after-commit:pause" in line, f"{db.kind}: the import reached its commit")
    p.send_signal(signal.SIGKILL)
    p.wait()
    raw = db.scalar("SELECT count(*) FROM observations")
    check(raw >= 2 * DISTRICTS * len(PERIODS) and db.scalar("SELECT count(*) FROM pending_changes") == 1,
          f"{db.kind}: killed after its commit: {raw} values stored, the follow-up pending")
    check(imports(db, path.name) == 1, f"{db.kind}: its audit row was committed with the data")
    done = y.run("export", "-o", d / "x.csv")
    check("已补做中断的后续处理" in done.stderr, f"{db.kind}: the next command finished the follow-up")
    last = consistent(y.export(d / "x.csv"))
    check(last == revision, f"{db.kind}: formulas followed the recovered import")
    check(db.scalar("SELECT count(*) FROM pending_changes") == 0 and imports(db, path.name) == 1,
          f"{db.kind}: nothing left pending, one audit row")

    # 3. killed at random moments: all or nothing, and the follow-up always completed.
    committed = 0
    for revision in range(11, 16):
        path = data_file(d, revision)
        p = y.spawn("import", path)
        time.sleep(rng.uniform(0.05, 1.5))
        p.send_signal(signal.SIGKILL)
        p.wait()
        seen = consistent(y.export(d / "x.csv"))
        committed += seen == revision
        check(seen in (last, revision),
              f"{db.kind}: kill -9 at a random moment (revision {revision}): stored revision {seen}")
        if seen != revision:
            y.run("import", path)
            check(consistent(y.export(d / "x.csv")) == revision, f"{db.kind}: re-import completes")
        last = revision
    say(f"    {committed} of 5 random kills came after the commit")


# ---------------------------------------------------------------------------------------------
# serve under writing clients

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(y, port):
    p = y.spawn("serve", "--addr", f"127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return p
        except OSError:
            if p.poll() is not None:
                fail(f"serve exited: {p.stderr.read()}")
            time.sleep(0.2)
    fail("serve did not start")


def writer(port, token, unit, stop, answered, lock, errors):
    conn = None
    n = 0
    while not stop.is_set():
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            body = json.dumps({"kind": "event", "title": f"可靠性测试 {n}", "category": "事件/01/01",
                               "channel": "hotline", "receiving_unit": unit}, ensure_ascii=False)
            conn.request("POST", "/api/v1/items", body.encode(),
                         {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            r = conn.getresponse()
            payload = r.read()
            if r.status == 201:
                with lock:
                    answered.append(json.loads(payload)["id"])
            else:
                errors.append(r.status)
            n += 1
        except (OSError, http.client.HTTPException):
            conn = None
            time.sleep(0.05)


def post(port, token, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", path, json.dumps(body, ensure_ascii=False).encode(),
                 {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = conn.getresponse()
    payload = r.read()
    conn.close()
    return r.status, payload


def race(db, port, token, unit, rounds=5, racers=64):
    """64 requests for the same transition of the same version at once: exactly one wins."""
    winners = []
    for _ in range(rounds):
        st, payload = post(port, token, "/api/v1/items",
                           {"kind": "event", "title": "竞争测试", "category": "事件/01/01",
                            "channel": "hotline", "receiving_unit": unit})
        if st != 201:
            fail(f"creating an item: {st} {payload[:200]}")
        item = json.loads(payload)
        barrier = threading.Barrier(racers)
        statuses = []

        def go():
            barrier.wait()
            statuses.append(post(port, token, f"/api/v1/items/{item['id']}/transitions",
                                 {"expected_version": item["version"], "command": "register"})[0])

        threads = [threading.Thread(target=go) for _ in range(racers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners.append((statuses.count(200), statuses.count(409), len(statuses)))
    check(all(w == (1, racers - 1, racers) for w in winners),
          f"{db.kind}: {racers} racing transitions, {rounds} rounds: (won, refused 409, answered) "
          f"{winners}")


def serve_checks(y, d, restore_db):
    db = y.db
    y.run("user", "add", "--login", "rel-admin", "--role", "admin", "--unit", "500000",
          "--password-stdin", stdin="reliability-2026\n")
    token = next(l for l in y.run("user", "token", "rel-admin").stdout.split() if l.startswith("yp_"))
    unit = db.scalar("SELECT id FROM entities WHERE code = '510001'")
    port = free_port()
    server = start_serve(y, port)
    race(db, port, token, unit)
    stop, lock, answered, errors = threading.Event(), threading.Lock(), [], []
    clients = [threading.Thread(target=writer, args=(port, token, unit, stop, answered, lock, errors))
               for _ in range(8)]
    for c in clients:
        c.start()
    wal = Path(db.address + "-wal")
    largest = [0]

    def sample():
        while not stop.is_set():
            if db.kind == "sqlite" and wal.exists():
                largest[0] = max(largest[0], wal.stat().st_size)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    time.sleep(2)
    with lock:
        before_backup = set(answered)
    backup = d / ("backup.db" if db.kind == "sqlite" else "backup.dump")
    y.run("backup", backup)
    time.sleep(1.5)
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for c in clients:
        c.join()
    sampler.join()
    stored = db.ids("SELECT id FROM work_items")
    lost = set(answered) - stored
    check(len(answered) > 50 and not lost,
          f"{db.kind}: serve killed under 8 writing clients: {len(answered)} answered writes, "
          f"{len(lost)} lost (other answers: {sorted(set(errors))})")

    # The backup taken under load: every item answered before it, and the same export.
    restorer = Yiping(y.binary, restore_db)
    restorer.run("restore", backup, "--force")
    in_backup = restore_db.ids("SELECT id FROM work_items")
    check(before_backup <= in_backup,
          f"{db.kind}: the backup holds the {len(before_backup)} items answered before it began "
          f"({len(in_backup)} in all)")
    live = (d / "live.csv")
    back = (d / "back.csv")
    y.run("export", "-o", live)
    restorer.run("export", "-o", back)
    check(live.read_bytes() == back.read_bytes() and len(live.read_bytes()) > 1000,
          f"{db.kind}: the restored backup exports the same data")
    if db.kind == "sqlite":
        # Checked every few commits: it may pass the limit by what a few batches write.
        check(largest[0] <= WAL_LIMIT + 8 * 1024 * 1024,
              f"sqlite: the log while serving peaked at {largest[0]} bytes (limit {WAL_LIMIT})")
        size = wal.stat().st_size if wal.exists() else 0
        check(size == 0, f"sqlite: the log after a command: {size} bytes")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default=os.environ.get("YIPING_TEST_POSTGRES_URL"))
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--bin", default=str(Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
                                         / "debug" / "yiping"))
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    binary = Path(args.bin)
    if not binary.exists():
        fail(f"{binary} is missing: cargo build -p yiping")
    rng = random.Random(args.seed)
    say(f"binary {binary}, seed {args.seed}")
    with tempfile.TemporaryDirectory(prefix="yiping-rel-") as tmp:
        d = Path(tmp)
        db = Db("sqlite", str(d / "rel.db"))
        y = Yiping(binary, db)
        y.run("init")
        crash_imports(y, d, rng)
        serve_checks(y, d, Db("sqlite", str(d / "restored.db")))
        if args.pg and not args.no_pg:
            pg = pg_database(args.pg, f"yiping_rel_{os.getpid()}")
            pg2 = pg_database(args.pg, f"yiping_rel_{os.getpid()}_restored")
            try:
                y = Yiping(binary, pg)
                y.run("init")
                crash_imports(y, d, rng)
                serve_checks(y, d, pg2)
            finally:
                drop_pg(pg)
                drop_pg(pg2)
        else:
            say("PostgreSQL leg skipped (no --pg / YIPING_TEST_POSTGRES_URL)")
    print(f"reliability: all checks passed in {time.monotonic() - started:.0f}s", flush=True)


if __name__ == "__main__":
    main()
