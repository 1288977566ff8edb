"""Run shards on Ray: one machine or a cluster (``executor=ray``).

The same work functions as the local executor (``work_phase1`` /
``work_phase2`` in :mod:`builder.executors.base`) run on the same shard
descriptions and write the same work files, so a release built on Ray is
byte-identical to one built locally. Only the dispatch differs:

* functions without models (phase 1: read, clean, segment) run as Ray tasks,
  each worker process building the pipeline once (and again only when the
  config changes);
* functions that run models (phase 2: NER, stance) run in a pool of actors;
  each actor builds the pipeline, and so loads its models, once, and holds
  ``num_gpus`` of a GPU where the cluster has GPUs.
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

The model pool (:meth:`RayExecutor._map_actors`) lives only while phase 2's
shards are handed out, and follows the cluster:

* a shard goes only to an actor that has started, so an actor the cluster
  cannot place (yet) holds no shard and the others do the work;
* it asks for twice the actors the cluster has room for (``num_workers=0``;
  at most one per shard waiting): those waiting for room are the demand an
  autoscaler grows on (on a fixed cluster they never start); every second
  the pool's plan (:func:`pool_plan`, from the nodes alive then) is looked
  at again, and nodes that joined get actors;
* once no shard is left to hand out, its idle actors are let go, so their
  CPUs and GPUs are free for an actor that restarts after its node died
  (its shard runs again there), and the pool is gone before anything else
  of the build runs.

So it takes every CPU slot (one actor per ``num_cpus``): actors hold their
CPUs for as long as they live, and a pool that outlived its phase (the
earlier design) had to leave a CPU free or starve the next tasks and hang;
on 2 cores that left one idle, and phase 2 with spaCy NER took twice as long
as with ``executor=local`` (a 2,000-article build: 84 s with one actor, 46 s
with two, local 39 s). Where some nodes have GPUs, their actors share those
GPUs and the other nodes' actors run on CPUs.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import Counter, deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable

from builder.errors import BuilderError
from builder.executors.base import Executor, init_worker, report
from builder.executors.cluster import (Place, cannot_import, check_shared, code_id, job_runtime_env, join_hint,
                                       missing_module, node_name, short_names, source_path)

log = logging.getLogger("builder")

#: Seconds between two looks at the cluster's size while tasks run (:meth:`RayExecutor._window`,
#: :meth:`RayExecutor._map_actors`).
_RESIZE_EVERY = 1.0
#: Seconds between two log lines while every model actor waits for room on the cluster.
_WAIT_NOTE_EVERY = 30.0

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


def worker_slots(cpus: float, num_workers: int, num_cpus: float) -> int:
    """Tasks running at once, or actors in the model pool, on a cluster with ``cpus`` CPUs: one per
    ``num_cpus`` (at least one), or ``num_workers`` when not 0, cut to what fits."""
    fits = max(1, int(cpus // num_cpus))
    if num_workers > fits:
        log.warning("executor.num_workers=%d but the cluster has room for %d workers of %s CPU; using %d",
                    num_workers, fits, num_cpus, fits)
    return min(num_workers, fits) if num_workers else fits


def pool_plan(nodes: list[tuple[float, float]], num_workers: int, num_cpus: float,
              num_gpus: float | None) -> list[tuple[float, int]]:
    """The model actor pool on a cluster whose nodes have ``(CPUs, GPUs)``: ``[(GPUs each actor holds,
    actors), ...]``, actors with GPUs first.

    How many: one per CPU slot, or ``num_workers`` (:func:`worker_slots`). GPUs:

    * ``num_gpus`` null: every actor slot of a node with GPUs gets a share of them, the same share on
      every such node (the smallest a node can give all its slots, at most one GPU); the actors beyond
      those slots run on CPUs (the nodes without GPUs), so a cluster of GPU and CPU nodes uses both;
    * ``num_gpus`` set: every actor holds that much, so there are only as many as the GPUs hold (a
      request no node can meet is an error, not a build that waits forever); on a cluster without GPUs
      it is ignored with a warning;
    * ``0``: no GPUs.
    """
    slots = [(int(cpu // num_cpus), float(gpu)) for cpu, gpu in nodes]
    size = worker_slots(sum(cpu for cpu, _ in nodes), num_workers, num_cpus)
    gpu_nodes = [(n, g) for n, g in slots if n > 0 and g > 0]
    if num_gpus == 0 or not gpu_nodes:
        return [(0.0, size)]
    share = float(num_gpus) if num_gpus is not None else min(1.0, min(g / n for n, g in gpu_nodes))
    fit = sum(min(n, int(g / share + 1e-9)) for n, g in gpu_nodes)
    if fit == 0:
        raise BuilderError(f"executor.num_gpus={num_gpus} but no node of the Ray cluster has that many GPUs "
                           f"(the most on one node: {max(g for _, g in gpu_nodes):g}); lower it, or set "
                           "executor.num_gpus=null to share the GPUs there are")
    with_gpus = min(size, fit)
    plan = [(share, with_gpus)]
    if num_gpus is None and size > with_gpus:
        plan.append((0.0, size - with_gpus))
    return plan


class _Worker:
    """A pool actor: builds the pipeline (loads the models) once, then runs tasks."""

    def __init__(self, cfg: dict, place: Place):
        import ray

        _enter(place)
        self._place = place
        self._checked = False
        if not ray.get_gpu_ids():
            # Ray leaves CUDA_VISIBLE_DEVICES alone in an actor that holds no GPU: on a GPU node, every
            # such actor's pipeline (spacy.prefer_gpu) would take GPU 0, which the GPU actors hold
            os.environ["CUDA_VISIBLE_DEVICES"] = ""
        init_worker(cfg)

    def ready(self) -> str:
        """Called once the actor has started (it then gets shards): its node, after the shared-storage check."""
        self._check()
        return node_name()

    def run(self, fn: Callable, item: tuple[int, Any]) -> tuple[int, str, dict]:
        self._check()  # (again after a restart on another node)
        i, task = item
        return i, node_name(), fn(task)

    def _check(self) -> None:
        _enter(self._place)
        if not self._checked:  # here, not in __init__: an actor that fails to start reads as a lost worker
            check_shared(self._place)
            self._checked = True


class RayExecutor(Executor):
    """Ray tasks for shards without models, an actor pool for model stages.

    Args:
        address: the Ray cluster to join (``auto``, ``ray://head:10001``,
            ``host:6379``); ``null`` starts a local Ray of the build's own (or
            reuses one this process has already initialised), not the cluster
            ``ray start`` left on this machine (``auto`` joins that one);
            with ``RAY_ADDRESS`` set (``ray job submit`` sets it for its job),
            Ray joins that address.
        num_workers: concurrent workers: tasks in flight and actors in the
            model pool. ``0`` = automatic: tasks use every CPU of the cluster
            (``CPUs / num_cpus``) with as many more waiting, and the pool has
            an actor for every CPU slot; both are looked at again every second
            (nodes that join get work at once, and an autoscaler sees demand).
            More than the cluster can place is cut to what it can.
        num_cpus: CPUs each task and each actor reserves.
        num_gpus: GPUs each model actor reserves (fractions share a GPU):
            the pool has only as many actors as the GPUs hold, and a request
            no node can meet stops the build before phase 1. ``null`` = the
            actors of nodes with GPUs share them (at most one each), the
            others run on CPUs (:func:`pool_plan`). A request on a cluster
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
        self._slots = 1  # tasks in flight

    # -- lifecycle -----------------------------------------------------------
    def start(self, cfg: dict) -> None:
        from builder.ids import json_digest

        ray = _import_ray()
        if not ray.is_initialized():
            log.info("Starting Ray%s", f" (joining {self.address})" if self.address else " on this machine")
            address = self.address
            if address is None and not os.environ.get("RAY_ADDRESS"):
                # a Ray of its own, as documented: Ray's own default would join the cluster `ray start` last
                # left on this machine, and one that died without `ray stop` made the build wait for minutes.
                # (RAY_ADDRESS, as `ray job submit` sets it for its job, still says where to run.)
                address = "local"
            try:
                ray.init(address=address, include_dashboard=False, log_to_driver=True,
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
        self._slots = self._task_slots(ray)
        pool = "no model actors"
        if self._models:  # (a GPU request no node can meet stops the build here, before phase 1)
            plan = self._plan(ray)
            pool = _actors(sum(n for _, n in plan)) + "".join(
                f", {n} with {g:g} GPU each" for g, n in plan if g and n)
            if self.num_gpus and not plan[0][0]:
                log.warning("executor.num_gpus=%s but the Ray cluster has no GPUs: the model actors run on CPUs",
                            self.num_gpus)
        log.info("Ray: %d task slots, %s, %s CPU each", self._slots, pool, self.num_cpus)

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
        self._let_go(ray, self._actors)

    def _task_slots(self, ray) -> int:
        return worker_slots(float(ray.cluster_resources().get("CPU", 1)), self.num_workers, self.num_cpus)

    def _plan(self, ray) -> list[tuple[float, int]]:
        """The model actor pool for the nodes alive now (:func:`pool_plan`)."""
        nodes = [(float(n["Resources"].get("CPU", 0)), float(n["Resources"].get("GPU", 0)))
                 for n in ray.nodes() if n.get("Alive")]
        return pool_plan(nodes or [(1.0, 0.0)], self.num_workers, self.num_cpus, self.num_gpus)

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
                if getattr(e, "actor_init_failed", False):  # its __init__ raised: the error, in one line
                    raise _start_error(e, desc) from None
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
        slots = self._task_slots(ray)
        if log_change and slots != self._slots:
            log.info("Ray: the cluster has %d task slots now (was %d)", slots, self._slots)
        self._slots = slots
        return 2 * slots

    def _map_actors(self, ray, fn, tasks, results, done) -> None:
        """Shards to the model actors that have started, one at a time each; the pool grows as the cluster
        does (:meth:`_plan`, looked at every second; :attr:`_ask`; at most one actor per shard still waiting)
        and lets its idle actors, and those not started, go once no shard is left to hand out."""
        todo = deque(enumerate(tasks))
        idle: list = []
        starting: dict = {}  # the actor's ready() -> (actor, the GPUs it asks for)
        running: dict = {}  # the shard's result -> actor
        made: Counter = Counter()  # actors made, by the GPUs each holds

        def grow(first: bool = False) -> None:
            nonlocal room_for
            try:
                plan = self._plan(ray)
            except BuilderError:  # the GPU nodes left mid-build (start() checked the request): no new actors
                if first:
                    raise
                return
            fits = sum(n for _, n in plan)
            if not first and fits != room_for:
                log.info("Ray: the cluster has %s now (was %d)", _actors(fits), room_for)
            room_for = fits
            room = len(todo) - len(idle) - len(starting)  # (no more actors than shards waiting for one)
            for gpus, n in plan:
                for _ in range(max(0, min(n * self._ask - made[gpus], room))):
                    actor = self._new_actor(ray, gpus)
                    starting[actor.ready.remote()] = actor, gpus
                    made[gpus] += 1
                    room -= 1

        room_for = 0
        grow(first=True)
        checked = told = time.monotonic()
        n = 0
        while todo or running:
            now = time.monotonic()
            if not self.num_workers and now - checked >= _RESIZE_EVERY:  # nodes may have joined
                grow()
                checked = now
            while idle and todo:
                actor = idle.pop()
                running[actor.run.remote(fn, todo.popleft())] = actor
            if not todo and (idle or starting):  # their CPUs and GPUs are free for an actor that restarts
                self._let_go(ray, [*idle, *(a for a, _ in starting.values())])
                idle, starting = [], {}
            if not running and not starting:
                raise BuilderError(f"internal error: {len(todo)} shards left and no model actor")
            if not running and now - told >= _WAIT_NOTE_EVERY:
                told = now
                gpus = Counter(g for _, g in starting.values() if g)
                log.warning("%d shards wait for a model actor: %d actors have not started yet (%s CPU each%s; free "
                            "on the cluster now: %s)", len(todo), len(starting), self.num_cpus,
                            "".join(f", {k} of them with {g:g} GPU" for g, k in sorted(gpus.items())), _free(ray))
            ready, _ = ray.wait([*running, *starting], num_returns=1, timeout=_RESIZE_EVERY)
            for ref in ready:
                if ref in starting:
                    actor = starting.pop(ref)[0]
                    ray.get(ref)  # (an actor that could not start raises here)
                    idle.append(actor)
                    continue
                idle.append(running.pop(ref))
                i, node, results[i] = ray.get(ref)
                n += 1
                done(n, node)
        self._let_go(ray, idle)

    @property
    def _ask(self) -> int:
        """Actors asked for, per one the cluster has room for: with ``num_workers=0`` as many more wait as
        are placed (on an autoscaling cluster that is the demand it grows on; elsewhere they never start,
        hold no shard and go at the end), as tasks do (:meth:`_window`)."""
        return 1 if self.num_workers else 2

    def _new_actor(self, ray, gpus: float):
        # the config by value (a few KB, inlined in the call), not by reference: a restart must not depend
        # on an object in the store (Ray logs an error for a restartable actor built from one)
        actor = ray.remote(_Worker).options(num_cpus=self.num_cpus, num_gpus=gpus, max_restarts=self.max_retries,
                                            max_task_retries=self.max_retries).remote(self._cfg, self._place)
        self._actors.append(actor)
        return actor

    def _let_go(self, ray, actors: list) -> None:
        gone = set(map(id, actors))
        for a in actors:
            try:
                ray.kill(a)
            except Exception:  # pragma: no cover - an actor already gone
                pass
        self._actors = [a for a in self._actors if id(a) not in gone]


def _start_error(e: BaseException, desc: str) -> BuilderError:
    """A model actor whose start (loading the pipeline) raised: a BuilderError's own line (a model that a
    node lacks, ...), else the exception's last line, with where it happened."""
    text = str(e)
    found = re.search(r"BuilderError: (.+)", text)
    if found:
        return BuilderError(found.group(1).strip())
    last = [ln for ln in text.splitlines() if re.match(r"\w[\w.]*(Error|Exception)\b", ln.strip())]
    return BuilderError(f"a model actor for '{desc}' could not start (loading the pipeline): "
                        f"{(last[-1] if last else text.splitlines()[0]).strip()}")


def _actors(n: int) -> str:
    return f"room for {n} model actor{'' if n == 1 else 's'}"


def _free(ray) -> str:
    free = ray.available_resources()
    return ", ".join(f"{k} {free.get(k, 0):g}" for k in ("CPU", "GPU") if k in free or k == "CPU")
