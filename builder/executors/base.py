"""What executors share: the work functions run per shard, and progress.

An executor only decides *where* ``work_phase1`` / ``work_phase2`` run; both
executors run the same functions on the same shard descriptions, so they
produce the same files.
"""

from __future__ import annotations

import logging
import os
import sys
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Callable

from builder.errors import BuilderError

log = logging.getLogger("builder")

_PIPELINE = None  # one per worker process

#: ``executor.memory_pool``: pyarrow's allocator in the driver and every worker
MEMORY_POOLS = ("jemalloc", "mimalloc", "system", "default")
_POOL_SET = None  # the value this process put in ARROW_DEFAULT_MEMORY_POOL (one the user set is theirs)


def check_memory_pool(name: str | None) -> None:
    if name is not None and name not in MEMORY_POOLS:
        raise BuilderError(f"executor.memory_pool={name!r} is not one of {', '.join(MEMORY_POOLS)}")


def use_memory_pool(name: str | None) -> str | None:
    """Make ``name`` pyarrow's memory pool here and in the processes started from here on.

    pyarrow's own default (mimalloc since pyarrow 20) keeps freed pages for
    reuse: with shards read, written and freed over and over, a 100k-article
    build's driver peaked ~120 MB higher writing the release than with
    jemalloc (426 against 307 MB; the README has the benchmarks). pyarrow reads
    ``ARROW_DEFAULT_MEMORY_POOL`` once, when it is imported, and much of its
    C++ (the Parquet writer, IPC, compute) allocates from that pool whatever
    ``pa.set_memory_pool`` says, so the variable is set here, before the CLI
    imports pyarrow, and spawned workers inherit it. Where pyarrow is already
    loaded (the build called from Python), ``set_memory_pool`` covers what it
    can. ``"default"``, or the variable set by the user, leaves pyarrow's
    choice. jemalloc exists only in pyarrow's Linux builds: elsewhere it
    means the system allocator. Returns the pool asked of pyarrow (None: its
    own choice).
    """
    global _POOL_SET
    check_memory_pool(name)
    current = os.environ.get("ARROW_DEFAULT_MEMORY_POOL")
    if current and current != _POOL_SET:  # the user's own setting
        return current
    if not name or name == "default":
        if current:  # undo what this process set for an earlier build
            del os.environ["ARROW_DEFAULT_MEMORY_POOL"]
            _POOL_SET = None
        return None
    if name == "jemalloc" and not sys.platform.startswith("linux"):
        name = "system"
    os.environ["ARROW_DEFAULT_MEMORY_POOL"] = _POOL_SET = name
    if "pyarrow" in sys.modules:
        import pyarrow as pa

        try:
            pa.set_memory_pool({"jemalloc": pa.jemalloc_memory_pool, "mimalloc": pa.mimalloc_memory_pool,
                                "system": pa.system_memory_pool}[name]())
        except NotImplementedError:  # this pyarrow was built without it
            pa.set_memory_pool(pa.system_memory_pool())
    return name


def init_worker(cfg: dict) -> None:
    """Build the pipeline (and so load models) once per worker."""
    global _PIPELINE
    from builder.pipeline import Pipeline

    use_memory_pool((cfg.get("executor") or {}).get("memory_pool"))
    _PIPELINE = Pipeline(cfg)
    # the config, the stages and (in the driver) the scanned inputs live as long as
    # the process: keep them out of the cyclic collector's full passes, which would
    # otherwise walk them again and again while documents are processed
    import gc

    gc.freeze()


def worker_pipeline(cfg: dict | None = None):
    if _PIPELINE is None:
        init_worker(cfg)
    return _PIPELINE


def work_phase1(task: tuple) -> dict:
    shard, out = task
    out = Path(out)
    done = _finished(out)
    return done if done is not None else worker_pipeline().run_phase1(shard, out)


def _finished(out: Path) -> dict | None:
    """The stats of a shard finished by an earlier build (its ``stats.json``), marked ``resumed``; else None."""
    if not (out / "stats.json").exists():
        return None
    import json

    return {**json.loads((out / "stats.json").read_text()), "resumed": True}


def work_barrier(task: tuple) -> dict:
    """The barrier over every phase-1 shard, as one task (on a worker when there is a pool, while the
    driver imports what the writer needs). Returns the barrier's stats."""
    import json

    dirs, out = task
    out = Path(out)
    done = out / "barrier.json"
    if not done.exists():  # else finished earlier (resume)
        from builder.barrier import barrier
        from builder.pipeline import write_marker

        stats = barrier(worker_pipeline(), [Path(d) for d in dirs], out)
        write_marker(done, stats)
        release_memory()  # its process goes on to phase 2 (or to the release, in the driver)
    return json.loads(done.read_text())


def release_memory() -> None:
    """Hand the memory a large task freed back to the system.

    The C allocator keeps freed heap pages for reuse (glibc raises its mmap
    threshold as large blocks are freed, so later arrays come from the heap),
    and the process would go on holding the barrier's peak through phase 2:
    ``malloc_trim`` returns them, Arrow's pool its unused pages."""
    import gc

    gc.collect()
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl)
            pass


def work_phase2(task: tuple) -> dict:
    docs, keys, corpus, out = task
    out = Path(out)
    done = _finished(out)
    return done if done is not None else worker_pipeline().run_phase2(Path(docs), Path(keys), Path(corpus), out)


class Executor(ABC):
    """Runs a function over tasks, in order of results, with progress."""

    name = "executor"

    def __init__(self, progress: bool = True, keep_work: bool = False, memory_pool: str = "jemalloc"):
        check_memory_pool(memory_pool)  # (applied from the config, before pyarrow loads: use_memory_pool)
        self.progress = progress
        self.keep_work = keep_work
        #: where each map's tasks ran, for the time report: ``{desc: {node: tasks}}`` (an executor that
        #: runs on several machines fills it; one that runs on this machine leaves it empty)
        self.placement: dict[str, dict[str, int]] = {}

    def prepare(self, cfg: dict) -> None:
        """Optionally start workers ahead of :meth:`start` (while the driver scans the inputs)."""

    def start(self, cfg: dict) -> None:
        """Prepare workers for a pipeline config (load models once each)."""

    def stop(self) -> None:
        """Release workers."""

    @abstractmethod
    def map(self, fn: Callable[[Any], dict], tasks: list, desc: str,
            on_idle: Callable[[], None] | None = None) -> list[dict]:
        """``fn`` over ``tasks``; results in task order.

        ``on_idle`` is called once, in the driver, when the driver has CPU to
        spare while the map still runs: when it has no task left to take while
        workers finish theirs, or at the start when it does not run tasks
        itself (Ray) or runs them all alone (the other cores are free). The
        build uses it to import what the writer needs off the critical path.
        """

    def _progress(self, total: int, desc: str):
        """A progress bar on a terminal; elsewhere (a log file, CI, a cluster job) :class:`LogProgress`."""
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        console = Console(stderr=True)
        if self.progress and not console.is_terminal:
            return LogProgress(desc, total)
        return Progress(TextColumn(f"[bold]{desc}"), BarColumn(), MofNCompleteColumn(), TextColumn("shards"),
                        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                        console=console, disable=not self.progress or not console.is_terminal, transient=False)


#: seconds between two progress lines of :class:`LogProgress`
LOG_EVERY = 30.0


class LogProgress:
    """Progress as log lines where there is no terminal to draw a bar on: at most one line every
    :data:`LOG_EVERY` seconds, with shards done, rate and time left ("clean: 412/2000 shards (20%),
    1.85 shards/s, 0:14:18 left"). The last shard's line is :func:`report`'s. Takes the calls the
    executors make of rich's ``Progress``, from any thread."""

    def __init__(self, desc: str, total: int):
        import threading
        import time

        self.desc, self.total = desc, total
        self.every = LOG_EVERY
        self._clock = time.monotonic
        self.t0 = self._last = self._clock()
        self.done = 0
        self._lock = threading.Lock()

    def __enter__(self) -> "LogProgress":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def add_task(self, desc: str, total: int | None = None, **fields) -> int:
        return 0

    def update(self, task: int, advance: int = 0, **fields) -> None:
        with self._lock:
            self.done += advance
            now = self._clock()
            if self.done >= self.total or now - self._last < self.every:
                return
            self._last = now
            done, elapsed = self.done, now - self.t0
        rate = done / elapsed if elapsed > 0 else 0.0
        left = _clock_time((self.total - done) / rate) if rate > 0 else "?"
        log.info("%s: %d/%d shards (%d%%), %.2f shards/s, %s left", self.desc, done, self.total,
                 100 * done // self.total, rate, left)


def _clock_time(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def report(desc: str, done: int, total: int, elapsed: float) -> None:
    """A log line for non-terminal runs (CI, files)."""
    if not sys.stderr.isatty():
        rate = done / elapsed if elapsed > 0 else 0.0
        if total == 1:  # one task (the barrier, a one-shard corpus): no rate to speak of
            log.info("%s: done in %.1fs", desc, elapsed)
        else:
            log.info("%s: %d/%d shards in %.1fs (%.2f shards/s)", desc, done, total, elapsed, rate)
