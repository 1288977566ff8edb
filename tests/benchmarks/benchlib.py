"""What the benchmarks share: corpora, timing, peak memory, and one result format.

Each ``bench_*.py`` runs on its own (``python tests/benchmarks/bench_build.py
[--quick]``) and prints, for each measurement, a human line and a
``RESULT {json}`` line that ``run.py`` collects into its summary.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_TEMP: Path | None = None
PYTHON = sys.executable


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{cores()} cores (os.cpu_count()={os.cpu_count()}), load average {load}"


def work_dir() -> Path:
    """Where corpora and builds go: $BUILDER_BENCH_DIR (shared by run.py), else a fresh temporary folder."""
    d = os.environ.get("BUILDER_BENCH_DIR")
    if d:
        Path(d).mkdir(parents=True, exist_ok=True)
        return Path(d)
    global _TEMP
    if _TEMP is None:
        _TEMP = Path(tempfile.mkdtemp(prefix="builder-bench-"))
        atexit.register(shutil.rmtree, _TEMP, True)
    return _TEMP


def corpus(n: int, fmt: str = "txt", seed: int = 0, root: Path | None = None) -> Path:
    """A generated corpus of ``n`` articles (made once per work folder)."""
    from builder.generate import generate

    root = root or work_dir()
    out = root / f"corpus-{fmt}-{n}-s{seed}"
    done = out / ".complete"
    if not done.exists():
        if out.exists():
            shutil.rmtree(out)
        t0 = time.monotonic()
        generate(out, n, seed=seed, fmt=fmt)
        done.write_text("")
        print(f"  generated {n} {fmt} articles in {time.monotonic() - t0:.1f}s -> {out}", flush=True)
    return out


def add_size_args(ap, quick: tuple[int, int], full: tuple[int, int]) -> None:
    """``--quick``, ``--n`` and ``--repeats`` on ``ap``; ``quick`` and ``full``: (articles, repeats) of each
    mode. :func:`sizes` reads them back."""
    ap.add_argument("--quick", action="store_true", help=f"{quick[0]:,} articles, {quick[1]} repeat(s) "
                                                         f"(default {full[0]:,}, {full[1]})")
    ap.add_argument("--n", type=int, default=None, help="articles (overrides the mode's)")
    ap.add_argument("--repeats", type=int, default=None, help="repeats (overrides the mode's)")
    ap.set_defaults(_sizes=(quick, full))


def sizes(args) -> tuple[int, int]:
    """(articles, repeats) from the arguments :func:`add_size_args` added."""
    n, repeats = args._sizes[0] if args.quick else args._sizes[1]
    return args.n or n, args.repeats or repeats


def begin(args, tag: str, what: str) -> tuple[int, int, Path, Path]:
    """A benchmark's start: its header line (with the machine), then (articles, repeats, work folder,
    generated txt corpus)."""
    n, repeats = sizes(args)
    print(f"[{tag}] {what}, {n} articles, {machine()}", flush=True)
    work = work_dir()
    return n, repeats, work, corpus(n, "txt", root=work)


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def fmt_times(xs: list[float]) -> str:
    return "median {:.2f}s of [{}]".format(median(xs), ", ".join(f"{x:.2f}" for x in xs))


def result(name: str, ours: float, baseline: float, ratio: float, target: str, ok: bool, unit: str = "s",
           note: str = "", **extra) -> dict:
    """Print one measurement: a readable line and a ``RESULT`` line for run.py."""
    rec = {"name": name, "ours": round(ours, 4), "baseline": round(baseline, 4), "ratio": round(ratio, 3),
           "target": target, "ok": bool(ok), "unit": unit, "note": note, "cores": cores(), **extra}
    print(f"  {name}: ours {ours:.2f}{unit}, baseline {baseline:.2f}{unit}, ratio {ratio:.2f} "
          f"(target {target}) {'PASS' if ok else 'FAIL'}" + (f" - {note}" if note else ""), flush=True)
    print("RESULT " + json.dumps(rec), flush=True)
    return rec


def build_cmd(source: Path, dist: Path, overrides: list[str]) -> list[str]:
    """The ``builder`` command line (as a user runs it) for a build of ``source`` into ``dist``."""
    return [PYTHON, "-c", "from builder.cli import entry; entry()", f"source.path={source}", f"paths.dist={dist}",
            "executor.progress=false", *overrides]


def run_measured(cmd: list[str], log: Path | None = None, poll: float = 0.05, watch: bool = True) -> dict:
    """Run ``cmd``; its wall seconds, peak RSS (bytes) of its whole process tree, and where the peak was.

    ``watch=False`` times the command only: polling the process tree every
    50 ms takes CPU from the command (on 2 cores, more from a 2-process
    build than from a 1-process one), so speed is measured without it.

    The tree's RSS is summed over the process and all its descendants every
    ``poll`` seconds with psutil (``peak_rss``; ``peak_main`` is the top
    process alone); each output line is timestamped, so ``peak_after`` is the
    last line the command printed before its peak (the phase it was in),
    ``main_peak_after`` the same for the top process's own peak.
    Without psutil, ``getrusage(RUSAGE_CHILDREN)`` gives the largest single
    process instead (``how`` says which).
    """
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "PYTHONUNBUFFERED": "1"}
    try:
        import psutil
    except ImportError:
        psutil = None
    samples: list[tuple[float, int, int]] = []
    lines: list[tuple[float, str]] = []
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=str(ROOT),
                            text=True, errors="replace")

    def read():
        for line in proc.stdout:
            lines.append((time.monotonic() - t0, line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stop = threading.Event()

    def watch_tree():
        try:
            p = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            total = main = 0
            try:
                main = p.memory_info().rss
                total = main
                for q in p.children(recursive=True):
                    try:
                        total += q.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            samples.append((time.monotonic() - t0, total, main))
            stop.wait(poll)

    th = threading.Thread(target=watch_tree, daemon=True) if psutil is not None and watch else None
    if th:
        th.start()
    rc = proc.wait()
    wall = time.monotonic() - t0
    stop.set()
    if th:
        th.join()
    reader.join()
    if log:
        Path(log).write_text("\n".join(f"{t:8.2f} {ln}" for t, ln in lines) + "\n")
    if rc != 0:
        tail = "\n".join(ln for _, ln in lines[-30:])
        raise RuntimeError(f"command failed ({rc}): {' '.join(cmd)}\n{tail}")
    if samples:
        t_peak, peak, _ = max(samples, key=lambda s: s[1])
        t_main, _, peak_main = max(samples, key=lambda s: s[2])
        before = [ln for t, ln in lines if t <= t_peak and ln.strip()]
        before_main = [ln for t, ln in lines if t <= t_main and ln.strip()]
        how = "psutil, process tree"
    else:
        import resource

        t_peak, peak_main = None, None
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        before = before_main = []
        how = "getrusage, largest process"
    phases = []  # (line, tree peak, top-process peak) for the time from each line to the next
    marks = [(t, ln) for t, ln in lines if ln.strip()]
    for k, (t, ln) in enumerate(marks):
        t_next = marks[k + 1][0] if k + 1 < len(marks) else float("inf")
        inside = [sm for sm in samples if t <= sm[0] < t_next]
        if inside:
            phases.append((ln, max(sm[1] for sm in inside), max(sm[2] for sm in inside)))
    return {"seconds": wall, "peak_rss": peak, "peak_main": peak_main, "peak_at": t_peak, "phases": phases,
            "peak_after": before[-1] if before else "", "main_peak_after": before_main[-1] if before_main else "",
            "how": how, "lines": lines}
