#!/usr/bin/env python3
"""bench/pages: latency of the city's one screen under load.

`yiping demo` into a fresh SQLite file, `yiping serve` on a free 127.0.0.1 port, a signed-in
session of the demo user `leader` (the login form, as a browser), then CLIENTS keep-alive
HTTP/1.1 clients (asyncio, raw sockets) x REQUESTS requests each, mixed round-robin over:

  GET /screen/500000                 the page (HTML: tiles, league, tables, embedded JSON)
  GET /api/v1/screen/500000          the whole screen model as JSON
  GET /api/v1/screen/500000/map      the districts' boundaries with names matched

The screen's data is gathered once per (unit, month) and served from memory for 2 s, then
refreshed in the background (crates/http/src/pages/screen/data.rs), so the default run (about
6 s) includes several refreshes. Prints p50/p99 per request type and overall against the target
(p99 < 100 ms). The server is stopped by its PID. --paths compares with other endpoints
(e.g. --paths /api/v1/me for the cost of the session alone).

Usage: python3 bench/pages/run.py [--clients 64] [--requests 500] [--debug] [--paths a,b]
Builds yiping in release mode itself (or --debug for target/debug/yiping); the binary is looked
up under $CARGO_TARGET_DIR when it is set, else target/.
"""
import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from buildlib import ensure_release  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PATHS = ["/screen/500000", "/api/v1/screen/500000", "/api/v1/screen/500000/map"]
TARGET_P99_MS = 100.0


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


async def http(reader, writer, method, path, headers=None, body=b""):
    """One request on a keep-alive connection; returns (status, headers dict, body bytes)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Connection: keep-alive"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    if body:
        lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1])
    hdrs = {}
    cookies = []
    for line in header_lines:
        if ":" in line:
            k, v = line.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
            if k.strip().lower() == "set-cookie":
                cookies.append(v.strip())
    hdrs["set-cookie-all"] = cookies
    if "content-length" in hdrs:
        data = await reader.readexactly(int(hdrs["content-length"]))
    elif hdrs.get("transfer-encoding") == "chunked":
        data = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            data += chunk[:-2]
    else:
        data = b""
    return status, hdrs, data


def cookie_named(hdrs, name):
    for c in hdrs["set-cookie-all"]:
        kv = c.split(";", 1)[0]
        if kv.startswith(name + "="):
            return kv
    return None


async def sign_in(port):
    r, w = await asyncio.open_connection(HOST, port)
    status, hdrs, body = await http(r, w, "GET", "/login")
    assert status == 200, status
    login_cookie = cookie_named(hdrs, "yiping_login_csrf")
    token = login_cookie.split("=", 1)[1]
    form = urllib.parse.urlencode(
        {"login": "leader", "password": "demo2026", "_csrf": token, "next": "/"}
    ).encode()
    status, hdrs, _ = await http(
        r, w, "POST", "/login",
        {"Cookie": login_cookie, "Content-Type": "application/x-www-form-urlencoded"}, form,
    )
    assert status == 303, f"login failed: {status}"
    w.close()
    return cookie_named(hdrs, "yiping_session")


async def client(port, cookie, n, offset, samples):
    r, w = await asyncio.open_connection(HOST, port)
    for i in range(n):
        path = PATHS[(i + offset) % len(PATHS)]
        t0 = time.perf_counter()
        status, _, _ = await http(r, w, "GET", path, {"Cookie": cookie})
        samples.setdefault(path, []).append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
    w.close()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def load(port, clients, requests):
    cookie = await sign_in(port)
    # Warm-up: the first gathering of the screen and the server's caches.
    warm = {}
    await client(port, cookie, len(PATHS), 0, warm)
    samples = {}
    t0 = time.perf_counter()
    await asyncio.gather(*(client(port, cookie, requests, i, samples) for i in range(clients)))
    return samples, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--debug", action="store_true", help="use target/debug/yiping")
    ap.add_argument("--paths", help="comma-separated paths instead of the screen's three")
    args = ap.parse_args()
    if args.paths:
        PATHS[:] = args.paths.split(",")
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = target / ("debug" if args.debug else "release") / "yiping"
    if not args.debug:
        ensure_release(["-p", "yiping"])
    if not binary.exists():
        sys.exit(f"{binary} is missing: cargo build -p yiping")
    tmp = Path(tempfile.mkdtemp(prefix="yiping-bench-pages-"))
    server = None
    try:
        db = tmp / "demo.db"
        subprocess.run([str(binary), "demo", "--database", str(db)], check=True,
                       stdout=subprocess.DEVNULL)
        port = free_port()
        server = subprocess.Popen(
            [str(binary), "serve", "--database", str(db), "--addr", f"{HOST}:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection((HOST, port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        samples, wall = asyncio.run(load(port, args.clients, args.requests))
        total = [x for xs in samples.values() for x in xs]
        print(f"bench/pages: {binary.parent.name} build, {args.clients} keep-alive clients x "
              f"{args.requests} requests, signed in as leader, demo database")
        print(f"{'request':36} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
        for path in PATHS:
            xs = samples[path]
            print(f"GET {path[:32]:32} {len(xs):6d} {pct(xs, 50):8.2f} {pct(xs, 99):8.2f} {max(xs):8.2f}")
        p99 = pct(total, 99)
        print(f"{'all':36} {len(total):6d} {pct(total, 50):8.2f} {p99:8.2f} {max(total):8.2f}")
        print(f"throughput: {len(total) / wall:.0f} requests/s over {wall:.1f} s")
        verdict = "met" if p99 < TARGET_P99_MS else "NOT met"
        print(f"target p99 < {TARGET_P99_MS:.0f} ms: {verdict}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
