"""(a) The whole build without model stages vs the I/O floor.

Ours: ``builder source.path=<generated txt corpus> ner=none stance=none`` as a
user runs it (a fresh process, the default executor: one process per core, the driver included,
the full release: Parquet, arrow/, audit, card).

Floor: a fresh process that reads the same files (sorted, decoded as UTF-8)
and writes them to one Parquet file with pyarrow: the least any build must do.

Target: the build within 3x the floor. Both are medians of repeats.

    python tests/benchmarks/bench_build.py [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

TARGET = 3.0


def floor(source: str, out: str) -> None:
    """Read every article file and write one Parquet file (run in a subprocess)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = sorted(p for p in Path(source).rglob("*.txt") if p.is_file())
    rel = [p.relative_to(source).as_posix() for p in paths]
    text = [p.read_bytes().decode("utf-8", errors="replace") for p in paths]
    pq.write_table(pa.table({"path": rel, "text": text}), out, compression="zstd")


def time_report(log: Path) -> list[str]:
    """The time report a build logs at its end (its phases' wall times, each phase's steps), from its log."""
    if not log.exists():
        return []
    lines = [ln.strip().split(" ", 1)[-1] for ln in log.read_text(encoding="utf-8").splitlines()]
    return [ln for ln in lines if ln.startswith(("Time: ", "Phase 1 work", "Phase 2 work"))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    benchlib.add_size_args(ap, quick=(1000, 2), full=(10_000, 3))
    ap.add_argument("--floor", nargs=2, metavar=("SOURCE", "OUT"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.floor:
        floor(*a.floor)
        return 0
    n, repeats, work, src = benchlib.begin(a, "build", "whole build (ner=none stance=none) vs I/O floor")
    ours, base = [], []
    for r in range(repeats):
        out = work / f"floor-{n}-{r}.parquet"
        base.append(benchlib.run_measured([benchlib.PYTHON, __file__, "--floor", str(src), str(out)],
                                          watch=False)["seconds"])
        out.unlink(missing_ok=True)
        dist = work / f"build-{n}-{r}"
        shutil.rmtree(dist, ignore_errors=True)
        res = benchlib.run_measured(benchlib.build_cmd(src, dist, ["ner=none", "stance=none"]),
                                    log=work / f"build-{n}-{r}.log", watch=False)
        ours.append(res["seconds"])
        shutil.rmtree(dist, ignore_errors=True)
    print(f"  floor: {benchlib.fmt_times(base)}; build: {benchlib.fmt_times(ours)}", flush=True)
    median_run = sorted(range(repeats), key=ours.__getitem__)[(repeats - 1) // 2]
    for line in time_report(work / f"build-{n}-{median_run}.log"):  # where the median build's time went
        print(f"  {line}", flush=True)
    o, b = benchlib.median(ours), benchlib.median(base)
    benchlib.result("build_vs_io_floor", o, b, o / b, f"<= {TARGET:g}", o / b <= TARGET, n=n,
                    note=f"{n / o:.0f} articles/s built, {n / b:.0f} articles/s floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
