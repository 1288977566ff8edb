"""Run shards on this machine: in-process, or a process pool (one worker per core)."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

from builder.executors.base import Executor, init_worker, report, worker_pipeline


class LocalExecutor(Executor):
    """A process pool over shards.

    Args:
        processes: worker processes; ``0`` means one per CPU core, ``1`` runs
            everything in this process (no pool).
        progress: show a progress bar (on a terminal; log lines otherwise).
        keep_work: keep the work folder after a successful build.
    """

    name = "local"

    def __init__(self, processes: int = 0, progress: bool = True, keep_work: bool = False):
        super().__init__(progress, keep_work)
        self.processes = processes if processes > 0 else (os.cpu_count() or 1)
        self._pool = None
        self._cfg = None

    def start(self, cfg: dict) -> None:
        self._cfg = cfg
        if self.processes == 1:
            init_worker(cfg)
        # the pool starts on first use, so a no-op build never pays for it

    def _get_pool(self):
        if self._pool is None:
            ctx = mp.get_context("spawn")  # no fork: pyarrow and BLAS threads do not survive it
            self._pool = ProcessPoolExecutor(self.processes, mp_context=ctx, initializer=init_worker,
                                             initargs=(self._cfg,))
        return self._pool

    def stop(self) -> None:
        if self._pool is not None:
            # the workers exit while the driver writes the release (they hold nothing it needs);
            # the interpreter joins them before it exits
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable[[Any], dict], tasks: list, desc: str,
            on_idle: Callable[[], None] | None = None) -> list[dict]:
        t0 = time.monotonic()
        results: list = [None] * len(tasks)
        with self._progress(len(tasks), desc) as prog:
            bar = prog.add_task(desc, total=len(tasks), rate="")
            if self.processes == 1 or (len(tasks) <= 1 and self._pool is None):
                worker_pipeline(self._cfg)  # in this process, built once
                if on_idle is not None:
                    on_idle()
                for i, t in enumerate(tasks):
                    results[i] = fn(t)
                    prog.update(bar, advance=1, rate=_rate(i + 1, t0))
            else:
                pool = self._get_pool()
                futs = {pool.submit(fn, t): i for i, t in enumerate(tasks)}
                from concurrent.futures import as_completed

                idle = [on_idle] if on_idle is not None else []

                def check_idle(left: int) -> None:  # fewer tasks left than workers: one has nothing to take
                    if idle and left < self.processes:
                        idle.pop()()

                check_idle(len(tasks))
                for n, f in enumerate(as_completed(futs), 1):
                    results[futs[f]] = f.result()
                    prog.update(bar, advance=1, rate=_rate(n, t0))
                    check_idle(len(tasks) - n)
        report(desc, len(tasks), len(tasks), time.monotonic() - t0)
        return results


def _rate(done: int, t0: float) -> str:
    dt = time.monotonic() - t0
    return f"{done / dt:.2f}/s" if dt > 0 else ""
