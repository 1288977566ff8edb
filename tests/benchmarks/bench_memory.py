"""(d) Bounded memory and the local executor's scaling.

Memory: peak RSS of the whole process tree (the build and its workers) for
builds of a small and a ten-times-larger generated corpus
(``ner=none stance=none``, the default executor). Target: large / small <= 1.3,
i.e. memory bounded by the shard size, not the corpus size. The line printed
before the peak says which phase the peak was in.

The same with stance labels (``ner=none``, the default zero-shot stance):
the barrier then also makes every article's stance pairs, from negative
pools of bounded size. Target: the same.

Speed-up: the same build with ``executor.processes=1`` and ``=2``, alternating,
median of 3 each (1 with --quick), timed without the memory polling (which
takes CPU from the build). Target: >= 1.7. Meaningless on a machine that other work keeps busy (the load
average is printed): the second process then has no free core to run on.

    python tests/benchmarks/bench_memory.py [--quick]

Sizes: 1,000 / 5,000 articles and a 2,000-article speed-up with --quick;
10,000 / 100,000 and 10,000 without (the 100,000 builds take about 3 and 5 minutes
on 2 cores, without and with stance).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

MEMORY_TARGET = 1.3
SPEEDUP_TARGET = 1.7
MB = 1024 * 1024


def build(work: Path, n: int, tag: str, overrides: list[str], verbose: bool = False, watch: bool = True,
          models: tuple[str, ...] = ("ner=none", "stance=none")) -> dict:
    """One build in a subprocess, measured; ``verbose`` prints the peaks between its log lines,
    ``watch=False`` times it without polling its memory; ``models``: the model stages' overrides."""
    src = benchlib.corpus(n, "txt", root=work)
    dist = work / f"mem-{tag}-{n}"
    shutil.rmtree(dist, ignore_errors=True)
    res = benchlib.run_measured(benchlib.build_cmd(src, dist, [*models, *overrides]),
                                log=work / f"mem-{tag}-{n}.log", watch=watch)
    shutil.rmtree(dist, ignore_errors=True)
    if not watch:
        print(f"  {n} articles ({tag}): {res['seconds']:.1f}s", flush=True)
        return res
    main = (f", top process {res['peak_main'] / MB:.0f} MB after {res['main_peak_after'][:60]!r}"
            if res["peak_main"] else "")
    print(f"  {n} articles ({tag}): {res['seconds']:.1f}s, peak {res['peak_rss'] / MB:.0f} MB{main} "
          f"[{res['how']}], tree peak after {res['peak_after'][:60]!r}", flush=True)
    if verbose:
        for line, tree, top in res["phases"]:
            print(f"      tree {tree / MB:6.0f} MB  top {top / MB:6.0f} MB  after {line[:70]!r}", flush=True)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", type=int, nargs=2, default=None, metavar=("SMALL", "LARGE"))
    ap.add_argument("--speedup-n", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=None,
                    help="speed-up builds per process count, alternating (median); default 3, 1 with --quick")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--skip-speedup", action="store_true")
    ap.add_argument("--skip-stance", action="store_true",
                    help="skip the memory of the labelled build (stance on: the barrier makes its pairs)")
    a = ap.parse_args(argv)
    small, large = a.sizes or ((1000, 5000) if a.quick else (10_000, 100_000))
    sn = a.speedup_n or (2000 if a.quick else 10_000)
    repeats = a.repeats or (1 if a.quick else 3)
    work = benchlib.work_dir()
    if not a.skip_memory:
        print(f"[memory] peak RSS at {small} vs {large} articles, {benchlib.machine()}", flush=True)
        rs, rl = build(work, small, "default", [], verbose=True), build(work, large, "default", [], verbose=True)
        ratio = rl["peak_rss"] / rs["peak_rss"]
        benchlib.result("peak_memory_ratio", rl["peak_rss"] / MB, rs["peak_rss"] / MB, ratio, f"<= {MEMORY_TARGET:g}",
                        ratio <= MEMORY_TARGET, unit="MB", small=small, large=large,
                        main_mb=[round((r["peak_main"] or 0) / MB) for r in (rs, rl)],
                        note=f"{large} vs {small} articles; top process {(rs['peak_main'] or 0) / MB:.0f} -> "
                             f"{(rl['peak_main'] or 0) / MB:.0f} MB")
    if not a.skip_memory and not a.skip_stance:
        print(f"[memory] the same with stance labels (stance pairs made at the barrier, zero-shot labels in "
              f"phase 2; ner=none), {benchlib.machine()}", flush=True)
        rs, rl = (build(work, n, "stance", [], verbose=True, models=("ner=none",)) for n in (small, large))
        ratio = rl["peak_rss"] / rs["peak_rss"]
        benchlib.result("peak_memory_ratio_stance", rl["peak_rss"] / MB, rs["peak_rss"] / MB, ratio,
                        f"<= {MEMORY_TARGET:g}", ratio <= MEMORY_TARGET, unit="MB", small=small, large=large,
                        note=f"{large} vs {small} articles, ner=none, stance on")
    if not a.skip_speedup:
        print(f"[speedup] local build, 1 vs 2 processes, {sn} articles, {benchlib.machine()}", flush=True)
        t1, t2 = [], []
        for _ in range(repeats):
            t1.append(build(work, sn, "p1", ["executor.processes=1"], watch=False)["seconds"])
            t2.append(build(work, sn, "p2", ["executor.processes=2"], watch=False)["seconds"])
        o, b = benchlib.median(t2), benchlib.median(t1)
        load = benchlib.machine()
        benchlib.result("local_speedup_1_to_2", o, b, b / o, f">= {SPEEDUP_TARGET:g}", b / o >= SPEEDUP_TARGET,
                        n=sn, note=f"ours = 2 processes, baseline = 1 process; ratio = speed-up; after: {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
