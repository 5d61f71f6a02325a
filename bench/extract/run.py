#!/usr/bin/env python3
"""bench/extract: `yiping extract` on the seed reports, scored against the hand-labelled gold set.

Runs `yiping extract` on seed 000 (the development set) and scores it against
`data/extraction/gold-000.jsonl` as its README suggests: a predicted fact matches a gold fact
when `measure` is equal, `value` is equal (numbers within 1e-9, grades as strings) and the two
spans [offset, offset + len(text)) overlap; each gold fact matches at most once (maximum
matching). Gold rows flagged `displaced` carry the subject and region of their true unit, so the
extractor is judged on where the text belongs, not where the layout put it.

Prints precision, recall and F1; among matched facts the share with the right subject or region
(either one right, as the issue states it), each of the two alone, and the right period; then the
extraction time for all seeds together (the engine's own clock, `--timing`, and the wall time of
the whole processes including reading the catalogue).

The catalogue is the built-in demo one (a database path that does not exist is passed), so the
figures do not depend on a local database.

Usage: python3 bench/extract/run.py [--shared DIR] [--verbose]
Builds yiping in release mode itself (bench/buildlib.py; YIPING_BIN overrides).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from buildlib import ensure_release  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def find_bin():
    env = os.environ.get("YIPING_BIN")
    if env:
        return Path(env)
    ensure_release(["-p", "yiping"])
    return ROOT / "target" / "release" / "yiping"


def find_shared(arg):
    cands = [Path(arg)] if arg else []
    cands += [ROOT.parent / "shared", ROOT.parent.parent / "shared", Path("/work/shared")]
    for c in cands:
        if (c / "data" / "extraction" / "gold-000.jsonl").exists():
            return c
    sys.exit("gold set not found: pass --shared DIR (the folder holding data/ and seeds/)")


def run_extract(binary, path, db):
    t0 = time.perf_counter()
    p = subprocess.run(
        [str(binary), "--database", str(db), "extract", str(path), "--timing"],
        capture_output=True, text=True, env={**os.environ, "YIPING_LOG": "warn"},
    )
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"yiping extract {path} failed:\n{p.stderr}")
    ms = 0.0
    for line in p.stderr.splitlines():
        if line.startswith("extract_ms="):
            ms = float(line.split("=", 1)[1])
    facts = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return facts, ms, wall


def same_value(a, b):
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    return abs(float(a) - float(b)) <= 1e-9


def overlap(p, g):
    a0, a1 = p["offset"], p["offset"] + len(p["text"])
    b0, b1 = g["offset"], g["offset"] + len(g["text"])
    return a0 < b1 and b0 < a1


def match(pred, gold):
    """Maximum bipartite matching (augmenting paths): pred index -> gold index."""
    cand = [
        [j for j, g in enumerate(gold)
         if p["measure"] == g["measure"] and same_value(p["value"], g["value"]) and overlap(p, g)]
        for p in pred
    ]
    owner = {}

    def augment(i, seen):
        for j in cand[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(pred)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    binary = find_bin()
    shared = find_shared(args.shared)
    gold = [json.loads(l) for l in open(shared / "data" / "extraction" / "gold-000.jsonl", encoding="utf-8")]
    seeds = sorted((shared / "seeds").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "none.db"
        results = {s.name[:3]: run_extract(binary, s, db) for s in seeds}
    pred = results["000"][0]
    m = match(pred, gold)
    tp = len(m)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0

    def share(ok):
        n = sum(1 for i, j in m.items() if ok(pred[i], gold[j]))
        return n / tp if tp else 0.0

    either = share(lambda a, b: a.get("subject") == b["subject"] or a.get("region") == b["region"])
    subj = share(lambda a, b: a.get("subject") == b["subject"])
    reg = share(lambda a, b: a.get("region") == b["region"])
    per = share(lambda a, b: a.get("period") == b["period"])
    disp = [j for j, g in enumerate(gold) if "displaced" in g["flags"]]
    disp_matched = [j for j in disp if j in m.values()]
    inv = {j: i for i, j in m.items()}
    disp_right = sum(
        1 for j in disp_matched
        if pred[inv[j]].get("subject") == gold[j]["subject"] or pred[inv[j]].get("region") == gold[j]["region"]
    )
    print(f"binary: {binary}")
    print(f"development set: seed 000, {len(gold)} gold facts, {len(pred)} extracted, {tp} matched")
    print(f"precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}")
    print(f"among matches: subject or region right {either:.1%}  (subject {subj:.1%}, region {reg:.1%}), period right {per:.1%}")
    print(f"displaced rows (scored against their true unit): {len(disp_matched)}/{len(disp)} matched, {disp_right} with subject or region right")
    total_ms = sum(v[1] for v in results.values())
    total_wall = sum(v[2] for v in results.values())
    counts = ", ".join(f"{k}: {len(v[0])}" for k, v in sorted(results.items()))
    print(f"seeds {len(results)} ({counts} facts): extraction {total_ms:.1f} ms together (engine clock); "
          f"whole processes {total_wall:.2f} s (including reading the catalogue)")
    if args.verbose:
        print("\n-- gold facts not matched")
        for j, g in enumerate(gold):
            if j not in m.values():
                print(f"  {g['id']} {g['measure']} {g['value']} {g['unit']} «{g['text']}» @{g['offset']}")
        print("\n-- extracted facts not matched")
        for i, f in enumerate(pred):
            if i not in m:
                print(f"  {f['measure']} {f['value']} {f['unit']} «{f['text']}» @{f['offset']} [{f.get('subject')}|{f['indicator_text']}]")
        print("\n-- matched with a wrong subject and region, or a wrong period")
        for i, j in sorted(m.items(), key=lambda x: x[1]):
            a, b = pred[i], gold[j]
            bad_sr = not (a.get("subject") == b["subject"] or a.get("region") == b["region"])
            bad_p = a.get("period") != b["period"]
            if bad_sr or bad_p:
                print(f"  {b['id']} «{b['text'][:30]}» subject {a.get('subject')}/{b['subject']} "
                      f"region {a.get('region')}/{b['region']} period {a.get('period')}/{b['period']}")


if __name__ == "__main__":
    main()
