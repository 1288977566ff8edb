"""Run the benchmarks and print each one's ratio against its baseline.

    python tests/benchmarks/run.py [--quick] [--only build clean memory ner ...]

Each ``bench_*.py`` in this folder runs in its own process (ours first:
build, clean, memory; then the others, e.g. bench_ner.py, in name order) and
measures its baseline in the same run. Corpora are generated once into a
shared work folder (``--work``, default a temporary folder, removed at the
end). The summary lists every ``RESULT`` line with the machine's core count;
figures are medians of repeats and noisy on a busy machine (the load average
is printed with each benchmark).

Benchmark-only baselines: ``pip install 'datatrove>=0.10,<0.11' orjson psutil``
(bench_clean skips without datatrove; bench_memory falls back to getrusage
without psutil).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import benchlib  # noqa: E402

FIRST = ("bench_build.py", "bench_clean.py", "bench_memory.py")


def benches(only: list[str] | None) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    ordered = [HERE / f for f in FIRST if (HERE / f).exists()] + [p for p in found if p.name not in FIRST]
    if only:
        ordered = [p for p in ordered if p.stem.removeprefix("bench_") in only or p.stem in only]
    return ordered


def summary_line(r: dict, bench: str) -> str:
    """One summary line; records from other benchmarks may carry other keys."""
    name = r.get("name") or bench
    ratio = r.get("ratio")
    ratio_s = f"{ratio:>7.2f}" if isinstance(ratio, (int, float)) else f"{str(ratio):>7}"
    ok = r.get("ok")
    verdict = "PASS" if ok is True else "FAIL" if ok is False else "    "
    parts = [f"{name:<26} ratio {ratio_s}  target {str(r.get('target', '-')):<7} {verdict}"]
    if "ours" in r and "baseline" in r:
        unit = r.get("unit", "")
        parts.append(f"(ours {r['ours']:.2f}{unit}, baseline {r['baseline']:.2f}{unit}, cores {r.get('cores', '?')})")
    else:
        extra = {k: v for k, v in r.items() if k not in ("name", "ratio", "target", "ok")}
        parts.append(json.dumps(extra, sort_keys=True))
    return "  ".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: the whole run takes minutes")
    ap.add_argument("--only", nargs="*", help="names of benchmarks to run (build, clean, memory, ner, ...)")
    ap.add_argument("--work", help="folder for corpora and builds (kept); default a temporary folder")
    a = ap.parse_args(argv)
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="builder-bench-"))
    env = {**os.environ, "BUILDER_BENCH_DIR": str(work)}
    print(f"machine: {benchlib.machine()}; python {sys.version.split()[0]}; work folder {work}", flush=True)
    results, failed = [], []
    path_of: dict[int, str] = {}
    t0 = time.monotonic()
    for path in benches(a.only):
        cmd = [sys.executable, str(path)] + (["--quick"] if a.quick else [])
        print(f"\n== {path.name} {'--quick' if a.quick else ''}", flush=True)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                cwd=str(benchlib.ROOT))
        for line in proc.stdout:
            if line.startswith("RESULT "):
                try:
                    rec = json.loads(line[7:])
                except json.JSONDecodeError:
                    print(line, end="", flush=True)
                    continue
                results.append(rec)
                path_of[id(rec)] = path.stem.removeprefix("bench_")
            else:
                print(line, end="", flush=True)
        if proc.wait() != 0:
            failed.append(path.name)
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n== summary ({time.monotonic() - t0:.0f}s; {benchlib.machine()})")
    for r in results:
        print("  " + summary_line(r, path_of.get(id(r), "")))
    for name in failed:
        print(f"  {name}: exited with an error (see its output above)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
