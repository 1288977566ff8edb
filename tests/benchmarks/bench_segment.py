"""Throughput of the segment stage (MB/s on one core) against a plain line pass on the same texts.

Run it directly (pytest does not collect ``bench_*.py``)::

    .venv/bin/python tests/benchmarks/bench_segment.py [--quick] [--rounds 5] [--copies 3]

The texts are the cleaning dev set (``tests/devset/txt``, scraped-style pages
in many house styles) and, when it is next to the repository, the 31 real
text dumps of ``../shared/devsets/pages/txt``, normalised as a build does,
repeated ``--copies`` times. Each round times, back to back and alternating
which goes first:

* the baseline: split into lines, strip each, find its ``\\w+`` words and
  search it with one regular expression (what any line-based cleaner does at
  least);
* the stage: ``BoilerplateSegmenter.segment`` on every text (features,
  language, teasers, body search, labels, teaser records).

The report gives the median MB/s of each (UTF-8 bytes of the input), the
ratio stage/baseline, by wall clock and by CPU time (steadier on a shared
machine), and a ``RESULT {json}`` line. One process, one core.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def texts() -> list[str]:
    from builder.stages.normalize import TextNormalizer

    norm = TextNormalizer()
    files = sorted((ROOT / "tests" / "devset" / "txt").glob("*.txt"))
    shared = ROOT.parent / "shared" / "devsets" / "pages" / "txt"
    if shared.is_dir():
        files += sorted(shared.glob("*.txt"))
    return [norm.normalize(f.read_text(encoding="utf-8")) for f in files]


WORD = re.compile(r"\w+")
PHRASE = re.compile(r"\b(?:read more|related|subscribe|newsletter|all rights reserved)\b", re.IGNORECASE)


def baseline(docs: list[str]) -> int:
    hits = 0
    for d in docs:
        for ln in d.split("\n"):
            t = ln.strip()
            WORD.findall(t)
            hits += PHRASE.search(t) is not None
    return hits


def stage(seg, docs: list[str]) -> int:
    return sum(len(seg.segment(d)["teasers"]) for d in docs)


def timed(fn, *args) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - w, time.process_time() - c


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="2 rounds of 1 copy")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--copies", type=int, default=3, help="copies of the text set per round")
    a = p.parse_args(argv)
    if a.quick:
        a.rounds, a.copies = 2, 1

    from builder.stages import BoilerplateSegmenter

    t0 = time.perf_counter()
    seg = BoilerplateSegmenter()
    init_s = time.perf_counter() - t0
    docs = texts() * a.copies
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    stage(seg, docs[:5])  # warm up
    base_w, base_c, seg_w, seg_c = [], [], [], []
    for r in range(a.rounds):
        order = [("base", baseline, (docs,)), ("seg", stage, (seg, docs))]
        for name, fn, args in (order if r % 2 == 0 else order[::-1]):
            w, c = timed(fn, *args)
            (base_w if name == "base" else seg_w).append(w)
            (base_c if name == "base" else seg_c).append(c)
    res = {
        "docs": len(docs), "mb": round(mb, 3), "init_s": round(init_s, 3),
        "segment_mb_s": round(mb / statistics.median(seg_w), 3),
        "segment_mb_s_cpu": round(mb / statistics.median(seg_c), 3),
        "baseline_mb_s": round(mb / statistics.median(base_w), 3),
        "baseline_mb_s_cpu": round(mb / statistics.median(base_c), 3),
    }
    res["ratio"] = round(res["segment_mb_s"] / res["baseline_mb_s"], 4)
    res["ratio_cpu"] = round(res["segment_mb_s_cpu"] / res["baseline_mb_s_cpu"], 4)
    print(f"{len(docs)} documents, {mb:.2f} MB (UTF-8), {a.rounds} rounds; stage set-up {init_s:.2f} s")
    print(f"  baseline (lines + words + one regex): {res['baseline_mb_s']:8.2f} MB/s wall  {res['baseline_mb_s_cpu']:8.2f} MB/s cpu")
    print(f"  segment stage ({seg.version}):  {res['segment_mb_s']:8.2f} MB/s wall  {res['segment_mb_s_cpu']:8.2f} MB/s cpu")
    print(f"  ratio stage/baseline: {res['ratio']:.4f} wall, {res['ratio_cpu']:.4f} cpu")
    print("RESULT " + json.dumps(res, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
