#!/usr/bin/env python3
"""bench/import-corpus: every file of issue 20's corpus through `yiping import`, with the peak
memory (RSS) of each import.

Writes the corpus with `yiping-import-corpus <dir> --heavy` (crates/import-corpus: the awkward and
malformed files of every class, plus a legal 1,048,576-row sheet as XLSX and as CSV), imports the
catalogue into a fresh database, then imports each file as its own process and checks:
  - the exit code (0 for a file to accept, not 0 for one to refuse),
  - the message fragments the manifest lists (refusals: the error; accepted: the warnings),
  - for accepted files, the number of values added ("新增 N"),
  - the peak resident set size of the process (os.wait4), which must stay under 1 GiB.
Prints one line per file and exits 1 on any mismatch or on a peak over 1 GiB.

Usage: python3 bench/import-corpus/run.py [--pg postgres://postgres@127.0.0.1:5432/test]
                                           [--no-heavy] [--bin target/release]
Builds yiping and yiping-import-corpus in release mode itself (or give --bin target/debug).
"""
import argparse
import json
import os
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
LIMIT_KIB = 1024 * 1024  # 1 GiB


def run_measured(cmd):
    """Runs cmd as a child; returns (exit code, stdout, stderr, peak RSS in KiB, seconds)."""
    import selectors
    t = time.perf_counter()
    r, w = os.pipe()
    r2, w2 = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w, 1)
        os.dup2(w2, 2)
        os.close(r)
        os.close(r2)
        try:
            os.execv(str(cmd[0]), [str(c) for c in cmd])
        finally:
            os._exit(127)
    os.close(w)
    os.close(w2)
    chunks = {r: [], r2: []}
    open_fds = {r, r2}
    sel = selectors.DefaultSelector()
    for fd in open_fds:
        sel.register(fd, selectors.EVENT_READ)
    while open_fds:
        for key, _ in sel.select():
            data = os.read(key.fd, 65536)
            if data:
                chunks[key.fd].append(data)
            else:
                sel.unregister(key.fd)
                os.close(key.fd)
                open_fds.discard(key.fd)
    _, status, usage = os.wait4(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    out = b"".join(chunks[r]).decode("utf-8", "replace")
    err = b"".join(chunks[r2]).decode("utf-8", "replace")
    return code, out, err, usage.ru_maxrss, time.perf_counter() - t


def check(case, code, out, err):
    """Returns a list of what went wrong (empty when the outcome is the expected one)."""
    wrong = []
    # The file name says what the file is; the fragments must be in the rest of the report.
    text = (out + err).replace(case["file"], "《文件》")
    if case["outcome"] == "accept":
        if code != 0:
            wrong.append(f"expected to be imported, exit {code}: {err.strip()[:300]}")
        m = re.search(r"新增 (\d+)", out)
        if not m or int(m.group(1)) != case["rows"]:
            wrong.append(f"expected 新增 {case['rows']}, got {m.group(0) if m else 'nothing'}")
    else:
        if code == 0:
            wrong.append("expected a refusal, exit 0")
    for f in case["fragments"]:
        if f not in text:
            wrong.append(f"“{f}” missing")
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
        wrong.append("raw control character in the report")
    return wrong


def backend(yiping, corpus, manifest, url, label, heavy):
    print(f"\n== {label}")
    subprocess.run([yiping, "--database", url, "init"], check=True, stdout=subprocess.DEVNULL)
    for name in manifest["catalog"]:
        subprocess.run([yiping, "--database", url, "import", corpus / name], check=True,
                       stdout=subprocess.DEVNULL)
    failures, peak = 0, 0
    print(f"{'file':<46}{'expect':>8}{'exit':>6}{'peak RSS':>12}{'seconds':>9}  result")
    for case in manifest["cases"]:
        if case["heavy"] and not heavy:
            continue
        code, out, err, rss_kib, secs = run_measured(
            [yiping, "--database", url, "import", corpus / case["file"]])
        wrong = check(case, code, out, err)
        if rss_kib > LIMIT_KIB:
            wrong.append(f"peak RSS {rss_kib / 1024:.0f} MiB over 1 GiB")
        peak = max(peak, rss_kib)
        failures += bool(wrong)
        result = "ok" if not wrong else "WRONG: " + "; ".join(wrong)
        print(f"{case['file']:<46}{case['outcome']:>8}{code:>6}{rss_kib / 1024:>9.1f} MiB{secs:>9.2f}  {result}")
    print(f"{label}: {failures} wrong, highest peak RSS {peak / 1024:.1f} MiB (limit 1024 MiB)")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default=None, help="postgres://… (a database is created and dropped)")
    ap.add_argument("--no-heavy", action="store_true", help="skip the 1,048,576-row sheets")
    ap.add_argument("--bin", default=str(ROOT / "target" / "release"))
    ap.add_argument("--yiping", default=None, help="the yiping binary to test (default: in --bin)")
    args = ap.parse_args()
    bindir = Path(args.bin)
    yiping = Path(args.yiping) if args.yiping else bindir / "yiping"
    writer = bindir / "yiping-import-corpus"
    if args.bin == str(ROOT / "target" / "release"):
        ensure_release(["-p", "yiping", "-p", "yiping-import-corpus"])
    for b in [yiping, writer]:
        if not b.exists():
            sys.exit(f"build first: cargo build --release -p yiping -p yiping-import-corpus ({b} missing)")
    heavy = not args.no_heavy
    work = Path(tempfile.mkdtemp(prefix="yiping-import-corpus-"))
    try:
        corpus = work / "corpus"
        cmd = [writer, corpus] + (["--heavy"] if heavy else [])
        subprocess.run(cmd, check=True)
        manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
        failures = backend(yiping, corpus, manifest, work / "corpus.db", "SQLite", heavy)
        if args.pg:
            base = args.pg.rsplit("/", 1)[0]
            name = "yiping_import_corpus"
            subprocess.run(["psql", args.pg, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)
            subprocess.run(["psql", args.pg, "-qc", f"CREATE DATABASE {name}"], check=True)
            try:
                failures += backend(yiping, corpus, manifest, f"{base}/{name}", "PostgreSQL", heavy)
            finally:
                subprocess.run(["psql", args.pg, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
        sys.exit(1 if failures else 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
