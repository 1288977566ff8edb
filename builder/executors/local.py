"""Run shards on this machine: in this process, helped by a pool of worker processes.

The driver runs tasks itself and ``processes - 1`` spawned workers take the
others, all from one queue: a build of N processes uses N cores for its
shards. The driver has its libraries loaded before the first shard, so it
starts at once while the workers import theirs on the other cores (a worker's
start-up is over half a second of CPU); and one process fewer is spawned.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from builder.errors import BuilderError
from builder.executors.base import Executor, init_worker, report


class LocalExecutor(Executor):
    """This process and a pool of worker processes over one queue of shards.

    Args:
        processes: processes that run shards, this one included; ``0`` means
            one per CPU core, ``1`` runs everything in this process (no pool).
        progress: show a progress bar (on a terminal; log lines otherwise).
        keep_work: keep the work folder after a successful build.
        memory_pool: pyarrow's allocator in every process (see
            :func:`~builder.executors.base.use_memory_pool`).
    """

    name = "local"

    def __init__(self, processes: int = 0, progress: bool = True, keep_work: bool = False,
                 memory_pool: str = "jemalloc"):
        super().__init__(progress, keep_work, memory_pool)
        self.processes = processes if processes > 0 else (os.cpu_count() or 1)
        self._pool = None
        self._cfg = None
        self._used = False  # a map has run

    def prepare(self, cfg: dict) -> None:
        """Start the workers now: they load their libraries and build their pipeline while the
        driver scans the inputs (the build calls this only when it knows it will run shards)."""
        if self.processes > 1:
            self._cfg = cfg
            pool = self._get_pool()
            for _ in range(self.processes - 1):  # each submit starts one worker (none is idle yet)
                pool.submit(os.getpid)

    def start(self, cfg: dict) -> None:
        self._cfg = cfg
        init_worker(cfg)  # the driver runs shards too
        # the pool starts on first use (or in prepare), so a no-op build never pays for it

    def _get_pool(self):
        if self._pool is None:
            ctx = mp.get_context("spawn")  # no fork: pyarrow and BLAS threads do not survive it
            self._pool = ProcessPoolExecutor(self.processes - 1, mp_context=ctx, initializer=init_worker,
                                             initargs=(self._cfg,))
        return self._pool

    def stop(self) -> None:
        if self._pool is not None:
            if not self._used:  # started by prepare for a build that stopped before its first shard
                for proc in list(getattr(self._pool, "_processes", {}).values()):
                    proc.terminate()  # they hold nothing; do not wait for them to finish loading
            # the workers exit while the driver writes the release (they hold nothing it needs);
            # the interpreter joins them before it exits
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable[[Any], dict], tasks: list, desc: str,
            on_idle: Callable[[], None] | None = None) -> list[dict]:
        t0 = time.monotonic()
        self._used = True
        results: list = [None] * len(tasks)
        with self._progress(len(tasks), desc) as prog:
            bar = prog.add_task(desc, total=len(tasks), rate="")
            if self.processes == 1 or (len(tasks) <= 1 and self._pool is None):
                if on_idle is not None:  # the other cores are free
                    on_idle()
                for i, t in enumerate(tasks):
                    results[i] = fn(t)
                    prog.update(bar, advance=1, rate=_rate(i + 1, t0))
            else:
                _Shared(self._get_pool(), self.processes - 1, fn, tasks, results, prog, bar, t0).run(on_idle)
        report(desc, len(tasks), len(tasks), time.monotonic() - t0)
        return results


class _Shared:
    """One queue of tasks, taken by the driver (between its own tasks) and by the pool's workers
    (each given its next task the moment it returns one, so none waits behind a busy driver)."""

    def __init__(self, pool, workers: int, fn, tasks: list, results: list, prog, bar, t0: float):
        self.pool, self.workers, self.fn, self.tasks, self.results = pool, workers, fn, tasks, results
        self.prog, self.bar, self.t0 = prog, bar, t0
        self.queue = deque(range(len(tasks)))
        self.cond = threading.Condition()
        self.in_pool = 0
        self.done = 0
        self.error: BaseException | None = None

    def _take(self) -> int | None:
        with self.cond:
            return self.queue.popleft() if self.queue and self.error is None else None

    def _give(self) -> None:
        """Hand the next task to a free worker (from the driver, or from the pool's result thread)."""
        i = self._take()
        if i is None:
            return
        with self.cond:
            self.in_pool += 1
        try:
            f = self.pool.submit(self.fn, self.tasks[i])
        except BaseException as e:  # a broken pool: report it from the driver
            self._finish(i, None, e)
            return
        f.add_done_callback(lambda f, i=i: self._returned(i, f))

    def _returned(self, i: int, f) -> None:
        err = f.exception() if not f.cancelled() else RuntimeError(f"task {i} was cancelled")
        self._finish(i, None if err else f.result(), err)
        if err is None:
            self._give()

    def _finish(self, i: int, result, err: BaseException | None) -> None:
        with self.cond:
            self.in_pool -= 1
            if err is not None:
                if self.error is None:
                    self.error = err
            else:
                self.results[i] = result
                self.done += 1
            self.cond.notify_all()
        if err is None:
            self.prog.update(self.bar, advance=1, rate=_rate(self.done, self.t0))

    def run(self, on_idle: Callable[[], None] | None) -> None:
        for _ in range(self.workers):
            self._give()
        while True:
            i = self._take()
            if i is None:
                break
            try:
                r = self.fn(self.tasks[i])
            except BaseException:
                with self.cond:
                    self.queue.clear()  # the workers take no more; the error is the driver's own
                raise
            with self.cond:
                self.results[i] = r
                self.done += 1
            self.prog.update(self.bar, advance=1, rate=_rate(self.done, self.t0))
        if on_idle is not None and self.error is None:
            on_idle()  # the driver has nothing left to take while workers finish theirs
        with self.cond:
            while self.in_pool and self.error is None:
                self.cond.wait()
            err = self.error
        if isinstance(err, BrokenProcessPool):
            raise BuilderError("a worker process died while running shards (killed, or out of memory?); "
                               "run the same command again to resume from the finished shards, with fewer "
                               "processes (executor.processes=N) or smaller shards (source.shard_size=N) if "
                               "memory is short") from err
        if err is not None:
            raise err


def _rate(done: int, t0: float) -> str:
    dt = time.monotonic() - t0
    return f"{done / dt:.2f}/s" if dt > 0 else ""
