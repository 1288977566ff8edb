"""executor=ray: the same release as executor=local, results in task order, clear errors.

One local Ray instance serves the whole test session (``ray_session``); the
module is skipped where Ray is not installed (``pip install '.[ray]'``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from conftest import build_release, compose, require_spacy_model  # noqa: E402
from corpus import write_corpus  # noqa: E402

from builder.errors import BuilderError  # noqa: E402
from builder.executors.base import work_phase1, work_phase2  # noqa: E402
from builder.executors.ray import RayExecutor, needs_models, pool_plan, worker_slots  # noqa: E402

#: Files that record when and how (not what) a release was built.
VOLATILE = {"manifest.json", "config.yaml"}


@pytest.fixture(scope="session")
def ray_session():
    """One small local Ray for all the tests of the session (2 CPUs, no dashboard)."""
    started = False
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, object_store_memory=128 * 1024 * 1024,
                 logging_level=logging.WARNING, log_to_driver=False,
                 runtime_env={"env_vars": {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                                           "TOKENIZERS_PARALLELISM": "false"}})
        started = True
    yield ray
    if started:
        ray.shutdown()


def build_on_ray(tmp_path: Path, source: Path, overrides: list[str]) -> dict:
    """Like ``conftest.build_release`` with executor=ray (which has no ``processes`` key)."""
    from builder.build import build

    cfg = compose([f"source.path={source}", f"paths.dist={tmp_path / 'dist'}", "executor=ray",
                   "executor.progress=false", *overrides])
    return build(cfg)


def digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name not in VOLATILE}


def assert_same_release(a: dict, b: dict) -> None:
    da, db = digests(Path(a["path"])), digests(Path(b["path"]))
    assert sorted(da) == sorted(db)
    assert [k for k in da if da[k] != db[k]] == []
    ma = json.loads((Path(a["path"]) / "manifest.json").read_text())
    mb = json.loads((Path(b["path"]) / "manifest.json").read_text())
    assert ma["fingerprint"] == mb["fingerprint"] and ma["counts"] == mb["counts"]


# -- no Ray needed ------------------------------------------------------------
def test_worker_slots_one_per_cpu_slot_or_as_set_cut_to_what_fits():
    assert worker_slots(2, 0, 1) == 2
    assert worker_slots(0.5, 0, 1) == 1  # at least one
    assert worker_slots(8, 0, 2) == 4
    assert worker_slots(2, 1, 1) == 1
    assert worker_slots(2, 5, 1) == 2


def test_phase2_runs_on_actors():
    assert needs_models(work_phase2) and not needs_models(work_phase1)


def test_missing_ray_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(BuilderError, match=r"pip install"):
        RayExecutor().start({})


def test_bad_arguments():
    with pytest.raises(BuilderError, match="max_retries"):
        RayExecutor(max_retries=-1)
    with pytest.raises(BuilderError):
        RayExecutor(num_cpus=0)
    with pytest.raises(BuilderError):
        RayExecutor(num_workers=-1)


# -- on the shared Ray ----------------------------------------------------------
def _resumed_tasks(tmp_path: Path, n: int) -> list[str]:
    """Task outputs that are already finished, so the work functions just return their stats."""
    outs = []
    for i in range(n):
        d = tmp_path / f"out-{i:03d}"
        d.mkdir()
        (d / "stats.json").write_text(json.dumps({"i": i}))
        outs.append(str(d))
    return outs


def _cfg(tmp_path: Path, source: Path | None = None) -> dict:
    """A resolved build config (stance labels on, no NER) for ``source`` (default ``tmp_path``)."""
    from omegaconf import OmegaConf

    return OmegaConf.to_container(compose([f"source.path={source or tmp_path}", f"paths.dist={tmp_path / 'dist'}",
                                           "ner=none"]), resolve=True)


@contextlib.contextmanager
def _started(cfg: dict, num_workers: int = 1, **kwargs):
    """A RayExecutor (one worker unless told, no progress bar) started on ``cfg`` and stopped after."""
    ex = RayExecutor(num_workers=num_workers, progress=False, **kwargs)
    ex.start(cfg)
    try:
        yield ex
    finally:
        ex.stop()


def test_results_in_task_order_on_tasks_and_actors(ray_session, tmp_path):
    from omegaconf import OmegaConf

    cfg = OmegaConf.to_container(compose([f"source.path={tmp_path}", f"paths.dist={tmp_path}", "ner=none"]),
                                 resolve=True)
    ex = RayExecutor(num_workers=2, progress=False)
    ex.start(cfg)
    try:
        outs = _resumed_tasks(tmp_path, 12)
        assert ex.map(work_phase1, [(None, o) for o in outs], "clean") == [{"i": i, "resumed": True} for i in range(12)]
        assert ex.uses_actors(work_phase2) and not ex.uses_actors(work_phase1)  # stance labels: a model stage
        assert ex.map(work_phase2, [(None, None, None, o) for o in outs], "label") == [{"i": i, "resumed": True} for i in range(12)]
        assert sum(ex.placement["label"].values()) == 12 and ex._actors == []  # (the pool ran them, then went)
        with pytest.raises(ValueError):  # a worker's exception arrives as its own type
            ex.map(work_phase1, [("too", "many", "values")], "clean")

        def user_error(task):  # nested, so Ray pickles it by value
            raise BuilderError(f"executor=ray test: {task}")

        with pytest.raises(BuilderError, match=r"^executor=ray test: a user error$"):  # one line, as locally
            ex.map(user_error, ["a user error"], "clean")
    finally:
        ex.stop()
    assert ray.is_initialized()  # a Ray it did not start is left running


def test_phase2_without_model_stages_runs_as_tasks(ray_session, tmp_path):
    from omegaconf import OmegaConf

    cfg = OmegaConf.to_container(compose([f"source.path={tmp_path}", f"paths.dist={tmp_path}", "ner=none",
                                          "stance=none"]), resolve=True)
    ex = RayExecutor(num_workers=2, progress=False)
    ex.start(cfg)
    try:
        assert not ex.uses_actors(work_phase2)
        outs = _resumed_tasks(tmp_path, 5)
        assert ex.map(work_phase2, [(None, None, None, o) for o in outs], "label") == [{"i": i, "resumed": True} for i in range(5)]
        assert ex._actors == []  # no actor pool was started for a phase without models
    finally:
        ex.stop()


def test_same_release_as_local_without_models(ray_session, tmp_path):
    src = write_corpus(tmp_path / "corpus", n=24)
    ov = ["ner=none", "stance=none", "source.shard_size=4"]
    local = build_release(tmp_path / "local", src, ov)
    on_ray = build_on_ray(tmp_path / "ray", src, ["executor.num_workers=2", *ov])
    assert local["status"] == on_ray["status"] == "built"
    assert_same_release(local, on_ray)


@require_spacy_model()
def test_same_release_as_local_with_the_ner_actor_pool(ray_session, tmp_path):
    src = write_corpus(tmp_path / "corpus", n=12)
    ov = ["source.shard_size=4"]  # default config: NER and stance on
    local = build_release(tmp_path / "local", src, ov)
    on_ray = build_on_ray(tmp_path / "ray", src, ["executor.num_workers=1", *ov])
    assert (Path(on_ray["path"]) / "ner").is_dir()
    assert_same_release(local, on_ray)


def test_the_allocator_setting_reaches_cluster_workers(monkeypatch):
    """A cluster's nodes do not inherit the driver's environment: the pool goes in the job's runtime_env."""
    seen = {}

    def fake_init(**kwargs):
        seen.update(kwargs)
        raise ConnectionError("no cluster here")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", fake_init)
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
    with pytest.raises(BuilderError, match=r"cannot start or join Ray at executor.address='ray://head:10001'"):
        RayExecutor(address="ray://head:10001").start({})
    assert seen["address"] == "ray://head:10001"
    assert seen["runtime_env"] == {"env_vars": {"ARROW_DEFAULT_MEMORY_POOL": "jemalloc"}}
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
    with pytest.raises(BuilderError):
        RayExecutor(address="ray://head:10001").start({})
    assert seen["runtime_env"] is None


def test_joining_a_cluster_with_token_auth_says_what_to_set(monkeypatch):
    """Ray's own message ("Failed to connect to Ray cluster") hides the cause: the error names it and the fix."""
    def fake_init(**kwargs):
        try:
            raise RuntimeError("Failed to connect to GCS. Last connection error: ray.exceptions.AuthenticationError: "
                               "RPC error: InvalidAuthToken: Authentication token is missing or incorrect.")
        except RuntimeError as inner:
            raise ConnectionError("Failed to connect to Ray cluster at 10.0.0.1:6379") from inner

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", fake_init)
    with pytest.raises(BuilderError, match=r"10\.0\.0\.1:6379.*token authentication.*RAY_AUTH_MODE=token"):
        RayExecutor(address="10.0.0.1:6379").start({})

    def down(**kwargs):
        raise ConnectionError("Failed to connect to Ray cluster at 10.0.0.1:6379")

    monkeypatch.setattr(ray, "init", down)
    with pytest.raises(BuilderError, match=r"ray status") as err:
        RayExecutor(address="10.0.0.1:6379").start({})
    assert "token" not in str(err.value)


def test_no_address_starts_a_ray_of_its_own_unless_ray_address_says_where(monkeypatch):
    """``address: null`` is a local Ray for the build: Ray's default (``ray.init()`` with no address) would
    join the cluster ``ray start`` last left on this machine, and one that died without ``ray stop`` (its
    ``ray_current_cluster`` file left behind) made the build wait for minutes. ``RAY_ADDRESS``, as
    ``ray job submit`` sets it, still says where a job runs."""
    asked = []

    def fake_init(**kwargs):
        asked.append(kwargs["address"])
        raise ConnectionError("stop here")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", fake_init)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    for address in (None, "auto", "10.0.0.1:6379"):
        with pytest.raises(BuilderError):
            RayExecutor(address=address).start({})
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.2:6379")
    with pytest.raises(BuilderError):
        RayExecutor().start({})
    assert asked == ["local", "auto", "10.0.0.1:6379", None]


def _dies_once(in_actor: bool):
    """A shard function whose first attempt at each task loses its worker process (as a task does on a node
    that dies). Made here, not at module level, so cloudpickle sends it by value: Ray's workers cannot import
    a test module."""

    def fn(task: str) -> dict:
        import os
        from pathlib import Path

        marker = Path(task) / "attempted"
        if not marker.exists():
            marker.write_text("1")
            os._exit(1)
        return {"done": Path(task).name}

    fn.needs_models = in_actor  # True: runs in the model actor pool
    return fn


@pytest.mark.parametrize("in_actor", [False, True])
def test_a_lost_worker_is_retried_and_without_retries_stops_with_a_resume_hint(ray_session, tmp_path, in_actor):
    fn = _dies_once(in_actor)
    tasks = []
    for i in range(3):
        (tmp_path / f"t{i}").mkdir()
        tasks.append(str(tmp_path / f"t{i}"))
    with _started(_cfg(tmp_path), max_retries=3) as ex:  # (the one actor dies three times)
        assert ex.uses_actors(fn) == in_actor
        assert ex.map(fn, tasks, "clean") == [{"done": f"t{i}"} for i in range(3)]  # each died once, ran again
    for t in tasks:
        (Path(t) / "attempted").unlink()
    with _started(_cfg(tmp_path), max_retries=0) as ex:
        with pytest.raises(BuilderError, match=r"(?s)max_retries=0.*resume from the finished shards"):
            ex.map(fn, tasks, "clean")


def test_a_node_without_the_shared_storage_stops_the_build(ray_session, tmp_path):
    """A node that does not see the driver's files would reject every input as unreadable and write its
    shards where the driver never looks: its first task stops the build, naming the path and the fix."""
    cfg = _cfg(tmp_path, write_corpus(tmp_path / "corpus", n=2))
    outs = _resumed_tasks(tmp_path, 2)
    with _started(cfg) as ex:
        probe = Path(ex._place.probe)
        assert probe.is_file() and probe.parent == (tmp_path / "dist" / ".work")
        probe.unlink()  # as a node without the mount sees the work folder
        for fn in (work_phase1, work_phase2):  # a task, and a call to the model actor pool (stance labels)
            with pytest.raises(BuilderError, match=r"does not see .*\.ray-probe-.*storage every node mounts"):
                ex.map(fn, [(None, o) if fn is work_phase1 else (None, None, None, o) for o in outs], "clean")
    with _started(_cfg(tmp_path, tmp_path / "not-mounted")) as ex:
        with pytest.raises(BuilderError, match=r"does not see .*not-mounted, source.path"):
            ex.map(work_phase1, [(None, o) for o in outs], "clean")
    assert not list((tmp_path / "dist" / ".work").glob(".ray-probe-*"))  # stop() takes its probe away


def test_runtime_env_from_the_config_goes_with_the_allocator(monkeypatch):
    from builder.executors.cluster import job_runtime_env

    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
    user = {"py_modules": ["/opt/src/builder"], "env_vars": {"HF_HUB_OFFLINE": "1"}}
    assert job_runtime_env(user) == {"py_modules": ["/opt/src/builder"],
                                     "env_vars": {"HF_HUB_OFFLINE": "1", "ARROW_DEFAULT_MEMORY_POOL": "jemalloc"}}
    assert user["env_vars"] == {"HF_HUB_OFFLINE": "1"}  # the config's own mapping is left as it was
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
    assert job_runtime_env({}) is None
    with pytest.raises(BuilderError, match="runtime_env must be a mapping"):
        RayExecutor(runtime_env=["py_modules"])
    import builder

    shipped = RayExecutor(runtime_env=user, ship_code=True).runtime_env["py_modules"]
    assert shipped == ["/opt/src/builder", str(Path(builder.__file__).parent)]  # the driver's package, added


def test_a_node_with_other_builder_code_stops_the_build(ray_session, tmp_path):
    """Another version (or an edited editable install) on a node would write other bytes into the release."""
    from builder.executors.cluster import code_id

    outs = _resumed_tasks(tmp_path, 2)
    with _started(_cfg(tmp_path)) as ex:
        assert ex._place.code == code_id()
        assert ex.map(work_phase1, [(None, o) for o in outs], "clean")  # the same code: runs
        ex._place = ex._place._replace(code="0.0.1 (code 000000000000)")  # as a driver of another version
        with pytest.raises(BuilderError, match=r"runs builder .*, the driver 0\.0\.1 \(code 000000000000\)"):
            ex.map(work_phase1, [(None, o) for o in outs], "clean")


def _not_on_the_workers(task):
    """A work function from a module that Ray's workers cannot import (as the builder on a node without it)."""
    return {"ran": task}


@pytest.mark.parametrize("in_actor", [False, True])
def test_a_node_that_cannot_import_the_code_says_what_to_install(ray_session, tmp_path, in_actor):
    _not_on_the_workers.needs_models = in_actor  # True: a call to the model actor pool
    with _started(_cfg(tmp_path)) as ex:
        with pytest.raises(BuilderError, match=r"cannot import 'test_ray_executor'.*install the builder.*ship_code=true"):
            ex.map(_not_on_the_workers, [1, 2], "clean")


def test_a_task_the_memory_monitor_keeps_killing_says_to_run_fewer(ray_session, tmp_path, monkeypatch):
    def killed(*args):
        raise ray.exceptions.OutOfMemoryError("Task was killed due to the node running low on memory.\n"
                                              "Memory on the node (IP: 10.0.0.1) was 31.9GB / 32GB")

    with _started(_cfg(tmp_path)) as ex:
        monkeypatch.setattr(ex, "_map_tasks", killed)
        with pytest.raises(BuilderError, match=r"memory monitor killed a 'clean' task.*running low on memory.*"
                                               r"executor.num_workers=N.*source.shard_size=N.*resume"):
            ex.map(work_phase1, [(None, str(tmp_path))], "clean")


def test_nodes_are_named_by_ip_and_the_start_of_their_id_unless_that_is_ambiguous():
    from builder.executors.cluster import short_names

    real = {"clean": {"10.0.0.2/d377467a5c": 3, "10.0.0.1/96ab9a7b11": 5}, "barrier": {"10.0.0.1/96ab9a7b11": 1}}
    assert short_names(real) == {"clean": {"10.0.0.1/96ab9a7b": 5, "10.0.0.2/d377467a": 3},
                                 "barrier": {"10.0.0.1/96ab9a7b": 1}}
    fake = {"clean": {"10.0.0.1/ffffffffff00001": 2, "10.0.0.1/ffffffffff00000": 1},  # ids that differ at the end
            "barrier": {"10.0.0.1/ffffffffff00000": 1}}
    assert short_names(fake) == {"clean": {"10.0.0.1/ffffffffff00000": 1, "10.0.0.1/ffffffffff00001": 2},
                                 "barrier": {"10.0.0.1/ffffffffff00000": 1}}  # whole in every phase alike


# -- the model actor pool follows the cluster ----------------------------------------
def test_pool_plan_shares_gpu_nodes_and_runs_the_other_actors_on_cpus():
    cpu_only = [(4, 0), (4, 0)]
    assert pool_plan(cpu_only, 0, 1, None) == [(0.0, 8)]
    assert pool_plan(cpu_only, 0, 1, 1) == [(0.0, 8)]  # no GPU to hold: on CPUs (the executor warns)
    gpus = [(8, 1), (8, 4)]  # every slot of a GPU node gets the smallest share a node can give all of its slots
    assert pool_plan(gpus, 0, 1, None) == [(0.125, 16)]
    mixed = [(2, 1), (4, 0)]  # a GPU node and a CPU node: both work
    assert pool_plan(mixed, 0, 1, None) == [(0.5, 2), (0.0, 4)]
    assert pool_plan(mixed, 3, 1, None) == [(0.5, 2), (0.0, 1)]  # the GPU actors first
    assert pool_plan(mixed, 0, 1, 0) == [(0.0, 6)]
    assert pool_plan(mixed, 0, 1, 1) == [(1.0, 1)]  # a whole GPU each: as many actors as GPUs
    assert pool_plan(gpus, 2, 1, 1) == [(1.0, 2)]  # num_workers caps it
    assert pool_plan([(8, 2), (8, 2)], 0, 2, None) == [(0.5, 8)]  # 2 CPUs each: 4 slots a node
    with pytest.raises(BuilderError, match=r"num_gpus=2 but no node .* has that many GPUs .*most on one node: 1"):
        pool_plan(mixed, 0, 1, 2)


def _slow_pid(seconds: float):
    """A model-stage function (runs in the actor pool) that takes ``seconds`` and says which process ran it."""

    def fn(task: int) -> dict:
        import os
        import time

        time.sleep(seconds)
        return {"task": task, "pid": os.getpid()}

    fn.needs_models = True
    return fn


def test_an_actor_the_cluster_cannot_place_gets_no_shard(ray_session, tmp_path, monkeypatch):
    """A pool with an actor that no node can hold (here a GPU on a Ray without GPUs; on a cluster, one whose
    nodes are busy or not there yet) must not hand it shards: the actors that start do them all."""
    with _started(_cfg(tmp_path)) as ex:  # (num_workers=1: the pool asks for what the plan says)
        monkeypatch.setattr(ex, "_plan", lambda ray: [(0.0, 1), (1.0, 1)])
        out = ex.map(_slow_pid(0.05), list(range(6)), "label")
        assert [r["task"] for r in out] == list(range(6))
        assert len({r["pid"] for r in out}) == 1
        assert ex._actors == []  # the idle actor and the one never placed are let go


def _map_as_the_plan_changes(tmp_path, monkeypatch, first: list, then: list, fn, tasks: list) -> tuple[list, list, list]:
    """``fn`` over ``tasks`` in the pool of an executor that follows the cluster (``num_workers=0``), its plan
    ``first``, then ``then`` from its first look again on (a node joined). Returns the results, the GPUs of
    each actor made, and the actors left when the map is done."""
    plans, made = iter([first]), []
    with _started(_cfg(tmp_path), num_workers=0) as ex:
        new_actor = ex._new_actor
        monkeypatch.setattr(ex, "_new_actor", lambda ray, gpus: made.append(gpus) or new_actor(ray, gpus))
        monkeypatch.setattr(ex, "_plan", lambda ray: next(plans, then))
        out = ex.map(fn, tasks, "label")
        left = list(ex._actors)
    return out, made, left


def test_the_pool_grows_while_shards_wait(ray_session, tmp_path, monkeypatch, caplog):
    """Room that comes while shards wait (a node joins; here the plan says so) gets actors, and they work.
    With ``num_workers=0`` the pool asks for twice the room (the waiting ones: an autoscaler's demand)."""
    with caplog.at_level(logging.INFO, logger="builder"):
        out, made, left = _map_as_the_plan_changes(tmp_path, monkeypatch, [(0.0, 1)], [(0.0, 2)],
                                                   _slow_pid(0.6), list(range(8)))
    assert [r["task"] for r in out] == list(range(8))
    assert len({r["pid"] for r in out}) == 2  # (this Ray has 2 CPUs)
    assert made == [0.0] * 4  # two for room for one, then two more
    assert "the cluster has room for 2 model actors now (was 1)" in caplog.text
    assert left == []  # the idle ones and the two that never started: let go when the map ended


def test_a_model_actor_that_cannot_start_says_why_in_one_line(ray_session, tmp_path):
    """A node that lacks what the driver has (here an encoder folder; a model package installed on the driver
    only): the actor's start raises, and the build stops with that error's line, not Ray's traceback."""
    cfg = _cfg(tmp_path)
    cfg["stance"]["embeddings"] = str(tmp_path / "no-such-encoder")  # checked when the actor builds its pipeline
    with _started(cfg) as ex:
        with pytest.raises(BuilderError) as err:
            ex.map(_slow_pid(0), [0], "label")
    assert str(err.value).startswith("stance.embeddings=") and "no-such-encoder" in str(err.value)
    assert "\n" not in str(err.value)


def test_an_actor_without_a_gpu_sees_none(ray_session, tmp_path, monkeypatch):
    """Ray sets CUDA_VISIBLE_DEVICES only for an actor that holds GPUs: a CPU actor on a GPU node would see
    them all, and its pipeline (spacy.prefer_gpu) take GPU 0 from the actors that hold it."""

    def visible(task: int) -> dict:
        import os

        return {"visible": os.environ.get("CUDA_VISIBLE_DEVICES")}

    visible.needs_models = True
    with _started(_cfg(tmp_path)) as ex:
        monkeypatch.setattr(ex, "_plan", lambda ray: [(0.0, 1)])
        assert ex.map(visible, [0], "label") == [{"visible": ""}]


def test_shards_waiting_for_room_say_so_and_go_to_actors_that_come(ray_session, tmp_path, monkeypatch, caplog):
    """While no actor can start (here each asks for a GPU this Ray lacks; on a cluster, nodes that are busy or
    not up yet) the build says what it waits for; when room comes (here the plan changes) the shards run."""
    import builder.executors.ray as ray_mod

    monkeypatch.setattr(ray_mod, "_WAIT_NOTE_EVERY", 0.2)
    with caplog.at_level(logging.INFO, logger="builder"):
        out, _, _ = _map_as_the_plan_changes(tmp_path, monkeypatch, [(1.0, 1)], [(0.0, 1)], _slow_pid(0),
                                             list(range(3)))
    assert [r["task"] for r in out] == [0, 1, 2]
    assert re.search(r"3 shards wait for a model actor: 3 actors have not started yet \(1 CPU each, 2 of them with "
                     r"1 GPU; free on the cluster now: CPU [\d.]+\)", caplog.text), caplog.text
