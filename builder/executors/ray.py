"""Run shards on Ray: one machine or a cluster (``executor=ray``).

The same work functions as the local executor (``work_phase1`` /
``work_phase2`` in :mod:`builder.executors.base`) run on the same shard
descriptions and write the same work files, so a release built on Ray is
byte-identical to one built locally. Only the dispatch differs:

* functions without models (phase 1: read, clean, segment) run as Ray tasks,
  each worker process building the pipeline once (and again only when the
  config changes);
* functions that run models (phase 2: NER, stance) run in a pool of actors
  (:class:`ray.util.ActorPool`); each actor builds the pipeline, and so loads
  its models, once, and holds ``num_gpus`` of a GPU where the cluster has GPUs.
  A build without model stages (``ner=none stance=none``) runs phase 2 as
  tasks too, on the workers phase 1 warmed: no actor is started.

The barrier is one task (it works on small keyed data). Every path the
build hands to a task must be readable and writable from every node: on a
cluster, put ``source.path`` and ``paths.dist`` on storage that all nodes
mount at the same path, and install the builder on every node. Each worker
process checks that once per build (:mod:`builder.executors.cluster`), and each result
comes back with the node that made it (the time report's ``Nodes`` line). A
task whose worker or node dies runs again elsewhere, and a model actor
restarts, up to ``max_retries`` times: a shard's work is idempotent.

Why the pool leaves a CPU free: actors hold their CPUs for as long as they
live. A pool that takes every CPU of a small machine starves anything else
that needs one (Ray's own readers, a task submitted while the pool is up) and
the build hangs. So by default the pool has ``cluster CPUs / num_cpus - 1``
actors (at least one): on 2 cores, one actor.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable

from builder.errors import BuilderError
from builder.executors.base import Executor, init_worker, report
from builder.executors.cluster import (Place, cannot_import, check_shared, code_id, job_runtime_env, join_hint,
                                       missing_module, node_name, short_names, source_path)

log = logging.getLogger("builder")

#: Seconds between two looks at the cluster's size while tasks run (:meth:`RayExecutor._window`).
_RESIZE_EVERY = 1.0

#: (config digest, working folder) the pipeline of this Ray worker process was built for.
_TASK_KEY: tuple | None = None
#: The build's files and code (:func:`~builder.executors.cluster.check_shared`) this Ray worker process has found.
_CHECKED: tuple | None = None


def _import_ray():
    try:
        import ray
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise BuilderError("executor=ray needs Ray: pip install '.[ray]' (or pip install 'ray[data]>=2.9,<3')") from e
    return ray


def needs_models(fn: Callable) -> bool:
    """Whether ``fn`` runs model stages (and so belongs in the actor pool).

    A work function says so with a ``needs_models`` attribute; without one,
    ``work_phase2`` (NER, stance) does and everything else does not.
    """
    flag = getattr(fn, "needs_models", None)
    if flag is not None:
        return bool(flag)
    return getattr(fn, "__name__", "") == "work_phase2"


def _enter(place: Place) -> None:
    """Resolve the build's relative paths as the driver does (same folder on every node)."""
    if place.cwd and os.getcwd() != place.cwd and os.path.isdir(place.cwd):
        os.chdir(place.cwd)


def _run_task(cfg: dict, key: str, place: Place, fn: Callable, task: Any) -> tuple[str, dict]:
    """Body of a phase task in a Ray worker process: shared storage checked and pipeline built once per
    build. Returns the node it ran on and ``fn``'s result."""
    global _TASK_KEY, _CHECKED
    _enter(place)
    if _CHECKED != place:  # (a new probe each build)
        check_shared(place)
        _CHECKED = place
    if _TASK_KEY != (key, place.cwd):  # (a worker that outlives a build keeps its pipeline for the next)
        init_worker(cfg)
        _TASK_KEY = (key, place.cwd)
    return node_name(), fn(task)


def pool_sizes(cpus: float, num_workers: int, num_cpus: float) -> tuple[int, int]:
    """(tasks in flight, actors in the model pool) on a cluster with ``cpus`` CPUs.

    Tasks may take every CPU; the pool leaves one free (see the module's doc),
    at least one actor. ``num_workers`` (when not 0) sets both, cut to what fits.
    """
    fits = max(1, int(cpus // num_cpus))
    if num_workers:
        if num_workers > fits:
            log.warning("executor.num_workers=%d but the cluster has room for %d workers of %s CPU; using %d",
                        num_workers, fits, num_cpus, fits)
        n = min(num_workers, fits)
        return n, n
    return fits, max(1, int((cpus - 1) // num_cpus))


class _Worker:
    """A pool actor: builds the pipeline (loads the models) once, then runs tasks."""

    def __init__(self, cfg: dict, place: Place):
        _enter(place)
        self._place = place
        self._checked = False
        init_worker(cfg)

    def run(self, fn: Callable, item: tuple[int, Any]) -> tuple[int, str, dict]:
        _enter(self._place)
        if not self._checked:  # here, not in __init__: an actor that fails to start reads as a lost worker
            check_shared(self._place)
            self._checked = True
        i, task = item
        return i, node_name(), fn(task)


class RayExecutor(Executor):
    """Ray tasks for shards without models, an actor pool for model stages.

    Args:
        address: the Ray cluster to join (``auto``, ``ray://head:10001``,
            ``host:6379``); ``null`` starts a local Ray for the build (or reuses
            one this process has already initialised).
        num_workers: concurrent workers: tasks in flight and actors in the
            model pool. ``0`` = automatic: tasks use every CPU of the cluster
            (``CPUs / num_cpus``) with as many more waiting, looked at again
            every second while tasks run (nodes that join get work at once,
            and an autoscaler sees demand); the pool has one actor fewer than
            the CPUs at its start (at least one), leaving a CPU for the driver
            and Ray's own work. More than the cluster can place is cut to
            what it can.
        num_cpus: CPUs each task and each actor reserves.
        num_gpus: GPUs each model actor reserves (fractions share a GPU).
            ``null`` = where the cluster has GPUs, share them out among the
            actors (at most one each), else none; a request on a cluster
            without GPUs is ignored with a warning rather than hang.
        progress: show a progress bar (on a terminal; log lines otherwise).
        keep_work: keep the work folder after a successful build.
        processes: the local executor's name for ``num_workers``, used when
            ``num_workers`` is 0 (so ``debug=default``, which sets
            ``executor.processes=1``, runs one worker at a time on Ray too).
        memory_pool: pyarrow's allocator in the driver and every task and
            actor (see :func:`~builder.executors.base.use_memory_pool`).
        runtime_env: Ray's ``runtime_env`` for the build's job when it starts
            or joins Ray: ``py_modules`` (ship this builder to nodes that lack
            it or have another version), ``pip``, ``env_vars``, ...
        ship_code: add the driver's own builder package to ``py_modules``:
            the nodes run the driver's code without an install of it (they
            still need its dependencies).
        max_retries: how often a task whose worker or node died is run again
            elsewhere, and how often in the build a model actor is restarted
            (its call then runs again). A shard's work is idempotent (its files are
            written atomically, its marker last), so a node lost mid-build
            costs its shards' time, not the build. An exception raised by
            the work itself is never retried: it stops the build. A task
            that Ray's memory monitor kills is retried on Ray's own count
            (``RAY_task_oom_retries``, 15), as Ray does for retriable tasks.
    """

    name = "ray"

    def __init__(self, address: str | None = None, num_workers: int = 0, num_cpus: float = 1,
                 num_gpus: float | None = None, progress: bool = True, keep_work: bool = False,
                 processes: int = 0, memory_pool: str = "jemalloc", max_retries: int = 3,
                 runtime_env: dict | None = None, ship_code: bool = False):
        super().__init__(progress, keep_work, memory_pool)
        if processes and not num_workers:  # the local executor's name for it (debug=default sets 1)
            num_workers = processes
        if num_workers < 0:
            raise BuilderError(f"executor.num_workers must be 0 (automatic) or more, got {num_workers}")
        if num_cpus <= 0:
            raise BuilderError(f"executor.num_cpus must be more than 0, got {num_cpus}")
        if num_gpus is not None and num_gpus < 0:
            raise BuilderError(f"executor.num_gpus must be null (automatic), 0 or more, got {num_gpus}")
        if max_retries < 0:
            raise BuilderError(f"executor.max_retries must be 0 (no retry) or more, got {max_retries}")
        self.max_retries = int(max_retries)
        if runtime_env is not None and not isinstance(runtime_env, Mapping):
            raise BuilderError(f"executor.runtime_env must be a mapping (Ray's runtime_env: py_modules, pip, "
                               f"env_vars, ...), got {runtime_env!r}")
        self.runtime_env = dict(runtime_env or {})
        if ship_code:
            import builder

            self.runtime_env["py_modules"] = [*(self.runtime_env.get("py_modules") or []),
                                              str(Path(builder.__file__).parent)]
        self.address = address
        self.num_workers = int(num_workers)
        self.num_cpus = num_cpus
        self.num_gpus = num_gpus
        self._cfg = None
        self._cfg_ref = None
        self._key = None
        self._place = Place()
        self._started_ray = False
        self._models = True  # the config has model stages (set by start)
        self._actors: list = []
        self._placed: dict[str, dict[str, int]] = {}  # placement with whole node names
        self._size = 1  # actors in the model pool
        self._slots = 1  # tasks in flight

    # -- lifecycle -----------------------------------------------------------
    def start(self, cfg: dict) -> None:
        from builder.ids import json_digest

        ray = _import_ray()
        if not ray.is_initialized():
            log.info("Starting Ray%s", f" (joining {self.address})" if self.address else " on this machine")
            try:
                ray.init(address=self.address, include_dashboard=False, log_to_driver=True,
                         logging_level=logging.WARNING, runtime_env=job_runtime_env(self.runtime_env))
            except (ConnectionError, RuntimeError, ValueError) as e:
                raise BuilderError(f"cannot start or join Ray at executor.address={self.address!r}: {e}"
                                   f"{join_hint(e, self.address)}") from e
            self._started_ray = True
        elif self.runtime_env:
            log.warning("executor.runtime_env is ignored: this process joined Ray before the build (its job's "
                        "runtime_env applies)")
        self._cfg = cfg
        from builder.pipeline import PHASE2_STAGES  # the stages that load models: without them, no actor pool

        self._models = any(cfg.get(name) for name in PHASE2_STAGES)
        self._key = json_digest(cfg)
        self._placed, self.placement = {}, {}  # this build's
        self._place = Place(os.getcwd(), self._write_probe(cfg), source_path(cfg), code_id())
        self._cfg_ref = ray.put(cfg)
        self._slots, self._size = self._sizes(ray)
        log.info("Ray: %d task slots, %d model actors, %s CPU each", self._slots, self._size, self.num_cpus)

    @staticmethod
    def _write_probe(cfg: dict) -> str | None:
        """A file in the work folder that every node must see (:func:`check_shared`); its absolute path."""
        work = (cfg.get("paths") or {}).get("work_dir")
        if not work:
            return None
        import uuid

        root = Path(work).expanduser().absolute()
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".ray-probe-{uuid.uuid4().hex[:12]}"
        probe.write_text("this build's Ray workers check that they see this file\n")
        return str(probe)

    def stop(self) -> None:
        if self._place.probe:
            Path(self._place.probe).unlink(missing_ok=True)
            self._place = self._place._replace(probe=None)
        if not self._started_ray and self._cfg_ref is None:
            return
        ray = _import_ray()
        self._kill_actors(ray)
        self._cfg_ref = None
        if self._started_ray and ray.is_initialized():
            ray.shutdown()
        self._started_ray = False

    def _kill_actors(self, ray) -> None:
        for a in self._actors:
            try:
                ray.kill(a)
            except Exception:  # pragma: no cover - an actor already gone
                pass
        self._actors = []

    def _sizes(self, ray) -> tuple[int, int]:
        """(tasks in flight, actors in the model pool) for this cluster."""
        cpus = float(ray.cluster_resources().get("CPU", 1))
        return pool_sizes(cpus, self.num_workers, self.num_cpus)

    def _gpus_per_actor(self, ray) -> float:
        gpus = float(ray.cluster_resources().get("GPU", 0))
        if self.num_gpus is None:
            return min(1.0, gpus / self._size) if gpus else 0.0
        if self.num_gpus and not gpus:
            log.warning("executor.num_gpus=%s but the Ray cluster has no GPUs: the model actors run on CPUs",
                        self.num_gpus)
            return 0.0
        return float(self.num_gpus)

    # -- dispatch ------------------------------------------------------------
    def uses_actors(self, fn: Callable) -> bool:
        """Whether :meth:`map` runs ``fn`` in the model actor pool: a function that runs model stages
        (:func:`needs_models`), in a build that has some. Without a model to load, an actor pool's start
        (fresh processes that import the libraries and build the pipeline) is pure cost: a 2k-article
        build's phase 2 on 2 cores took 1.4 s with an actor, 0.13 s as tasks on the workers that have the
        pipeline already."""
        return needs_models(fn) and self._models

    def map(self, fn: Callable[[Any], dict], tasks: list, desc: str,
            on_idle: Callable[[], None] | None = None) -> list[dict]:
        if self._cfg_ref is None:
            raise BuilderError("RayExecutor.map called before start(cfg)")
        ray = _import_ray()
        if on_idle is not None:  # the driver does not run the tasks: it is idle from the start
            on_idle()
        t0 = time.monotonic()
        results: list = [None] * len(tasks)
        nodes: dict[str, int] = {}
        with self._progress(len(tasks), desc) as prog:
            bar = prog.add_task(desc, total=len(tasks), rate="")

            def done(n: int, node: str) -> None:
                nodes[node] = nodes.get(node, 0) + 1
                dt = time.monotonic() - t0
                prog.update(bar, advance=1, rate=f"{n / dt:.2f}/s" if dt > 0 else "")

            try:
                if tasks and self.uses_actors(fn):
                    self._map_actors(ray, fn, tasks, results, done)
                elif tasks:
                    self._map_tasks(ray, fn, tasks, results, done)
            except ray.exceptions.RayTaskError as e:
                cause = getattr(e, "cause", None)
                if isinstance(cause, BuilderError):  # a user error: its one line, as the local executor gives it
                    raise cause from None
                missing = missing_module(e, cause)
                if missing:
                    raise cannot_import(missing, desc) from None
                raise e.as_instanceof_cause() from None  # the worker's exception type, with its traceback
            except ray.exceptions.RayActorError as e:
                missing = missing_module(e, None)
                if missing:  # the pool's actor could not be made
                    raise cannot_import(missing, desc) from None
                raise BuilderError(f"a Ray worker died while running '{desc}' (out of memory?) and "
                                   f"executor.max_retries={self.max_retries} restarts did not save it: {e}; run "
                                   "the same command again to resume from the finished shards") from None
            except ray.exceptions.OutOfMemoryError as e:  # Ray's memory monitor, past its own retries
                raise BuilderError(f"Ray's memory monitor killed a '{desc}' task each time it ran (the node ran low "
                                   f"on memory: {str(e).splitlines()[0]}); run fewer at once (executor.num_workers=N, "
                                   "or executor.num_cpus=2 per task) or smaller shards (source.shard_size=N), then "
                                   "the same command again to resume from the finished shards") from None
            except ray.exceptions.RayError as e:  # a worker or node lost more often than the retries allow
                raise BuilderError(f"Ray lost the worker or node of a '{desc}' task more often than "
                                   f"executor.max_retries={self.max_retries} allows ({type(e).__name__}: {e}); run "
                                   "the same command again to resume from the finished shards") from None
        report(desc, len(tasks), len(tasks), time.monotonic() - t0)
        self._placed[desc] = nodes
        self.placement = short_names(self._placed)
        return results

    def _map_tasks(self, ray, fn, tasks, results, done) -> None:
        self._kill_actors(ray)  # a pool that holds every CPU would leave the tasks waiting forever
        remote = ray.remote(_run_task).options(num_cpus=self.num_cpus, num_gpus=0, max_retries=self.max_retries,
                                               retry_exceptions=False)
        window = self._window(ray, log_change=False)
        checked = time.monotonic()
        pending: dict = {}
        it = iter(enumerate(tasks))
        n = 0
        while True:
            if time.monotonic() - checked >= _RESIZE_EVERY:  # nodes may have joined (or left) the cluster
                window, checked = self._window(ray), time.monotonic()
            while len(pending) < window:
                nxt = next(it, None)
                if nxt is None:
                    break
                i, t = nxt
                pending[remote.remote(self._cfg_ref, self._key, self._place, fn, t)] = i
            if not pending:
                break
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=_RESIZE_EVERY)  # (long shards: look again)
            for ref in ready:
                node, results[pending.pop(ref)] = ray.get(ref)
                n += 1
                done(n, node)

    def _window(self, ray, log_change: bool = True) -> int:
        """Tasks in flight: ``num_workers`` when set; else twice the task slots the cluster has now.

        Every CPU has a task and as many more wait for one: the next task starts the moment one ends,
        and the waiting ones are the demand an autoscaling cluster grows on. The driver makes a shard's
        task (its file list) only when it submits it, so this also bounds what the driver holds."""
        if self.num_workers:
            return self._slots
        slots = self._sizes(ray)[0]
        if log_change and slots != self._slots:
            log.info("Ray: the cluster has %d task slots now (was %d)", slots, self._slots)
        self._slots = slots
        return 2 * slots

    def _map_actors(self, ray, fn, tasks, results, done) -> None:
        from ray.util import ActorPool

        if not self._actors:
            gpus = self._gpus_per_actor(ray)
            actor = ray.remote(_Worker).options(num_cpus=self.num_cpus, num_gpus=gpus, max_restarts=self.max_retries,
                                                max_task_retries=self.max_retries)
            self._actors = [actor.remote(self._cfg_ref, self._place) for _ in range(self._size)]
        pool = ActorPool(self._actors)
        for item in enumerate(tasks):
            pool.submit(lambda a, v: a.run.remote(fn, v), item)
        n = 0
        while pool.has_next():
            i, node, results[i] = pool.get_next_unordered()
            n += 1
            done(n, node)
