#!/usr/bin/env python3
"""bench/workitems: work-item lifecycles through the app layer, and API latency under load.

1. Lifecycles (crates/app/examples/workitems_bench.rs): hotline events taken through every step
   of a normal closure, 受理 → 立案 → 派遣 → 签收 → 处置 → 反馈 → 核查 → 结案, each step the
   `work_items::transition` use case with the version read before; a few concurrent tasks, on
   SQLite and on PostgreSQL (a dedicated database, created and dropped). Prints lifecycles/s and
   transitions/s (target: >= 2,000 lifecycles/s on SQLite).
2. API latency: `yiping demo` into a fresh SQLite file, `yiping run-jobs` (so that the server's
   first minute tick has nothing left to chase), `yiping serve` on a free 127.0.0.1 port, then
   CLIENTS keep-alive HTTP/1.1 clients (asyncio, raw sockets) x REQUESTS requests each, mixed:
   GET /api/v1/items?unit=…&limit=50, GET /api/v1/items/{id} and POST /api/v1/items/{id}/transitions
   (with expected_version) on items created for the purpose before the timed phase. Prints
   p50/p99 per request type and overall (target: p99 < 25 ms). The server is stopped by its PID.

Usage: python3 bench/workitems/run.py [--items 2000] [--tasks 4] [--clients 64] [--requests 200]
                                      [--pg postgres://postgres@127.0.0.1:5432/test] [--no-pg]
Builds yiping and the workitems_bench example in release mode itself (bench/buildlib.py)
       (the binaries are looked up under $CARGO_TARGET_DIR when it is set, else target/),
       psql on PATH for the PostgreSQL leg.
"""
import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from buildlib import ensure_release  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
YIPING = TARGET / "release" / "yiping"
BENCH = TARGET / "release" / "examples" / "workitems_bench"
HOST = "127.0.0.1"
PG_DB = "yiping_bench_workitems"


def sh(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def psql(url, statement):
    env = dict(os.environ, PGOPTIONS="--client-min-messages=warning")
    sh(["psql", url, "-qc", statement], env=env)


def cpu_seconds(pid):
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------
# 1. lifecycles through the app layer

def lifecycles(database, items, tasks):
    out = sh([BENCH, "--database", database, "--items", items, "--tasks", tasks],
             stdout=subprocess.PIPE, text=True, timeout=120).stdout
    for line in out.splitlines():
        if not line.startswith("RESULT "):
            print(line)
    return json.loads(next(l for l in out.splitlines() if l.startswith("RESULT "))[7:])


# ---------------------------------------------------------------------------------------------
# 2. API latency: a minimal HTTP/1.1 keep-alive client

class Conn:
    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    async def request(self, method, path, body=None, token=None):
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAccept: application/json\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + data)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length, chunked = None, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            k = k.strip().lower()
            if k == "content-length":
                length = int(v.strip())
            elif k == "transfer-encoding" and "chunked" in v.lower():
                chunked = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            payload = b"".join(parts)
        else:
            payload = await self.reader.readexactly(length or 0)
        return status, payload

    def close(self):
        if self.writer:
            self.writer.close()


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def pct(sorted_ms, p):
    if not sorted_ms:
        return float("nan")
    return sorted_ms[min(len(sorted_ms) - 1, round((len(sorted_ms) - 1) * p))]


async def api_load(port, clients, requests, tokens, seed=7):
    sup_token, handler_token = tokens["analyst"], tokens["handler"]
    rng = random.Random(seed)
    setup = Conn(port)
    await setup.open()
    # Units with inboxes and items to read, from the demo's items.
    st, body = await setup.request("GET", "/api/v1/items?limit=1000", token=sup_token)
    assert st == 200, body[:300]
    page = json.loads(body)
    units = sorted({i["owner_unit"] for i in page["items"]})
    item_ids = [i["id"] for i in page["items"]]
    district = next(i["receiving_unit"] for i in page["items"] if i["kind"] == "event")

    # Items created for the transitions: enough for each client's share of POSTs.
    post_share = 0.2
    per_client = int(requests * post_share / 7) + 2
    # The actor is the token's user: the city analyst registers, dispatches, verifies and closes
    # (as supervisor or dispatcher), a handler of the department signs, handles and replies.
    sup = disp = sup_token
    new = {"kind": "event", "title": "基准测试：小区门口暴露垃圾", "category": "事件/01/01",
           "channel": "hotline", "receiving_unit": district, "location": district}
    t = time.perf_counter()
    owned = []
    for _ in range(clients):
        mine = []
        for _ in range(per_client):
            st, body = await setup.request("POST", "/api/v1/items", new, token=sup_token)
            assert st == 201, body[:300]
            it = json.loads(body)
            mine.append({"id": it["id"], "version": it["version"], "step": 0})
        owned.append(mine)
    st, body = await setup.request("GET", f"/api/v1/items/{owned[0][0]['id']}", token=sup_token)
    dept = json.loads(body)["suggested_route"]["unit"]
    setup.close()
    created = clients * per_client
    print(f"  created {created} items for the transitions in {time.perf_counter() - t:.1f} s "
          f"(dispatched to unit {dept})")
    handler = handler_token
    steps = [("register", sup), ({"dispatch": {"unit": dept}}, disp), ("sign", handler), ("handle", handler),
             ({"reply": {"result": "已处置完毕"}}, handler), ({"verify": {"outcome": "passed"}}, sup),
             ("close", sup)]

    lat = {"list": [], "one": [], "transition": []}
    errors = {}

    async def client(n):
        crng = random.Random(seed * 1000 + n)
        conn = Conn(port)
        await conn.open()
        mine = owned[n]
        try:
            for _ in range(requests):
                r = crng.random()
                live = [it for it in mine if it["step"] < len(steps)]
                if r < post_share and live:
                    it = live[0]
                    cmd, actor = steps[it["step"]]
                    body = {"expected_version": it["version"], "command": cmd}
                    kind, t0 = "transition", time.perf_counter()
                    st, payload = await conn.request("POST", f"/api/v1/items/{it['id']}/transitions", body,
                                                     token=actor)
                    ms = (time.perf_counter() - t0) * 1000
                    if st == 200:
                        it["version"] = json.loads(payload)["item"]["version"]
                        it["step"] += 1
                elif r < 0.6:
                    unit = units[crng.randrange(len(units))]
                    kind, t0 = "list", time.perf_counter()
                    st, payload = await conn.request("GET", f"/api/v1/items?unit={unit}&limit=50", token=sup_token)
                    ms = (time.perf_counter() - t0) * 1000
                else:
                    iid = item_ids[crng.randrange(len(item_ids))]
                    kind, t0 = "one", time.perf_counter()
                    st, payload = await conn.request("GET", f"/api/v1/items/{iid}", token=sup_token)
                    ms = (time.perf_counter() - t0) * 1000
                lat[kind].append(ms)
                if st >= 300:
                    key = f"{kind} {st}"
                    errors[key] = errors.get(key, 0) + 1
                    if errors[key] == 1:
                        print(f"  first {key}: {payload[:200].decode(errors='replace')}")
        finally:
            conn.close()

    t = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(client(n) for n in range(clients))), timeout=120)
    wall = time.perf_counter() - t
    closed = sum(1 for mine in owned for it in mine if it["step"] == len(steps))
    return lat, errors, wall, closed, created


def serve_and_load(work, clients, requests):
    db = work / "demo.db"
    t = time.perf_counter()
    sh([YIPING, "--database", db, "demo"], stdout=subprocess.DEVNULL, timeout=120)
    sh([YIPING, "--database", db, "run-jobs"], stdout=subprocess.DEVNULL, timeout=60)
    # API tokens: the city analyst, and a handler of 市城市管理局 (D009), where the category
    # 事件/01/01 (暴露垃圾) is routed.
    subprocess.run([str(YIPING), "--database", str(db), "user", "add", "--login", "bench-handler",
                    "--role", "handler", "--unit", "D009", "--password-stdin"],
                   input=b"bench-password\n", check=True, stdout=subprocess.DEVNULL)
    tokens = {}
    for key, login in [("analyst", "analyst"), ("handler", "bench-handler")]:
        out = subprocess.run([str(YIPING), "--database", str(db), "user", "token", login],
                             check=True, capture_output=True).stdout.decode()
        tokens[key] = out.strip().splitlines()[-1].strip()
    print(f"  demo database ready in {time.perf_counter() - t:.1f} s")
    port = free_port()
    log = open(work / "serve.log", "wb")
    server = subprocess.Popen([str(YIPING), "--database", str(db), "serve", "--addr", f"{HOST}:{port}"],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 20
        while True:
            try:
                with socket.create_connection((HOST, port), timeout=1) as s:
                    s.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            if server.poll() is not None or time.time() > deadline:
                raise SystemExit(f"server did not start; see {work / 'serve.log'}")
            time.sleep(0.1)
        time.sleep(1.0)  # the startup tick of the jobs
        server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
        out = asyncio.run(api_load(port, clients, requests, tokens))
        cpu = (cpu_seconds(server.pid) - server_cpu, time.process_time() - client_cpu)
        return out + (cpu,)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--tasks", type=int, default=4)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--pg", default=os.environ.get("YIPING_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    ensure_release(["-p", "yiping"])
    ensure_release(["--example", "workitems_bench", "-p", "yiping-app"], "the work-item bench driver")
    work = Path(tempfile.mkdtemp(prefix="yiping-bench-workitems-"))
    started = time.perf_counter()
    try:
        print(f"== 1. lifecycles through the app layer ({args.items} items, {args.tasks} tasks)")
        life = {"sqlite": lifecycles(work / "life.db", args.items, args.tasks)}
        if not args.no_pg:
            psql(args.pg, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            psql(args.pg, f"CREATE DATABASE {PG_DB}")
            try:
                life["postgres"] = lifecycles(f"{args.pg.rsplit('/', 1)[0]}/{PG_DB}", args.items, args.tasks)
            finally:
                psql(args.pg, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")

        print(f"\n== 2. API latency ({args.clients} clients x {args.requests} requests, keep-alive, SQLite demo)")
        lat, errors, wall, closed, created, (server_cpu, client_cpu) = serve_and_load(
            work, args.clients, args.requests)

        print("\n== results")
        print(f"{'lifecycles':<12}{'tasks':>6}{'lifecycles/s':>15}{'transitions/s':>15}")
        for k, r in life.items():
            print(f"{k:<12}{r['tasks']:>6}{r['lifecycles_per_s']:>15,.0f}{r['transitions_per_s']:>15,.0f}")
        s = life["sqlite"]["lifecycles_per_s"]
        print(f"SQLite lifecycles/s: {s:,.0f}  (target >= 2,000: {'met' if s >= 2000 else 'NOT met'})")
        total = sum(len(v) for v in lat.values())
        print(f"\n{'request':<12}{'count':>7}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
        everything = []
        for k, v in lat.items():
            v.sort()
            everything += v
            print(f"{k:<12}{len(v):>7}{pct(v, .5):>10.2f}{pct(v, .99):>10.2f}{v[-1] if v else 0:>10.2f}")
        everything.sort()
        p99 = pct(everything, .99)
        print(f"{'overall':<12}{total:>7}{pct(everything, .5):>10.2f}{p99:>10.2f}{everything[-1]:>10.2f}")
        print(f"{total / wall:,.0f} requests/s over {wall:.1f} s; {closed}/{created} purpose-made items closed; "
              f"non-2xx: {errors or 'none'}")
        print(f"CPU during the load (incl. creating the items): server {server_cpu:.1f} s, "
              f"load generator {client_cpu:.1f} s, on {os.cpu_count()} cores")
        print(f"API p99: {p99:.1f} ms  (target < 25 ms: {'met' if p99 < 25 else 'NOT met'})")
        print(f"total runtime {time.perf_counter() - started:.0f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
