"""The local executor: the driver and its pool's workers take tasks from one queue."""

from __future__ import annotations

import os
import signal
import time

import pytest

from builder.build import plain_config
from builder.executors.local import LocalExecutor
from conftest import SEED, compose


def whoami(task):
    """A task: sleep a little (so every process gets some), then say who ran it."""
    i, delay = task
    time.sleep(delay)
    return {"task": i, "pid": os.getpid()}


def fail_on(task):
    """A task that fails in the driver (``where="driver"``) or in a worker (``"worker"``)."""
    i, where, driver = task
    if where == ("driver" if os.getpid() == driver else "worker"):
        raise ValueError(f"task {i} refused in the {where}")
    time.sleep(0.05)
    return {"task": i}


def config() -> dict:
    return plain_config(compose([f"source.path={SEED}", "ner=none", "stance=none", "executor.progress=false"]))


def prepared(cfg: dict) -> LocalExecutor:
    """A 2-process executor whose worker ``prepare`` has started (waited for, up to a minute)."""
    ex = LocalExecutor(processes=2, progress=False)
    ex.prepare(cfg)
    deadline = time.monotonic() + 60
    while not ex._pool._processes and time.monotonic() < deadline:
        time.sleep(0.01)
    return ex


@pytest.fixture(scope="module")
def executor():
    cfg = config()
    ex = LocalExecutor(processes=3, progress=False)
    ex.start(cfg)
    yield ex
    ex.stop()


def test_results_in_task_order_shared_by_driver_and_workers(executor):
    idle = []
    out = executor.map(whoami, [(i, 0.15) for i in range(16)], "test", on_idle=lambda: idle.append(1))
    assert [r["task"] for r in out] == list(range(16))
    pids = {r["pid"] for r in out}
    assert os.getpid() in pids  # the driver ran some
    assert len(pids) >= 2  # and a worker others
    assert len(pids) <= 3  # processes=3: the driver and two workers
    assert idle == [1]  # called once, when the driver had nothing left to take


def test_a_single_task_on_a_started_pool_runs_on_a_worker(executor):
    executor.map(whoami, [(0, 0.0), (1, 0.0)], "warm")  # the pool exists
    (r,) = executor.map(whoami, [(0, 0.0)], "one")
    assert r["pid"] != os.getpid()


def test_an_error_in_a_worker_task_reaches_the_driver(executor):
    with pytest.raises(ValueError, match="refused in the worker"):
        executor.map(fail_on, [(i, "worker", os.getpid()) for i in range(12)], "fail")
    # the executor still works afterwards
    assert [r["task"] for r in executor.map(fail_on, [(i, None, 0) for i in range(4)], "ok")] == list(range(4))


def test_an_error_in_the_driver_task_is_raised(executor):
    with pytest.raises(ValueError, match="refused in the driver"):
        executor.map(fail_on, [(i, "driver", os.getpid()) for i in range(12)], "fail")
    time.sleep(0.3)  # tasks already given to workers finish and are dropped
    assert [r["task"] for r in executor.map(fail_on, [(i, None, 0) for i in range(4)], "ok")] == list(range(4))


def die_in_worker(task):
    i, driver = task
    if os.getpid() != driver:
        os._exit(3)  # as the kernel's OOM killer would leave it: no exception, no result
    time.sleep(0.05)
    return {"task": i}


def test_a_dead_worker_is_a_clear_error():
    from builder.errors import BuilderError

    cfg = config()
    ex = LocalExecutor(processes=2, progress=False)
    ex.start(cfg)
    try:
        with pytest.raises(BuilderError, match="worker process died.*resume"):
            ex.map(die_in_worker, [(i, os.getpid()) for i in range(6)], "die")
    finally:
        ex.stop()


def test_prepare_starts_the_workers_before_the_first_map():
    cfg = config()
    ex = prepared(cfg)
    try:
        (worker,) = ex._pool._processes  # started without waiting for a task of ours
        ex.start(cfg)
        out = ex.map(whoami, [(i, 0.1) for i in range(8)], "after prepare")
        assert [r["task"] for r in out] == list(range(8))
        assert {r["pid"] for r in out} == {os.getpid(), worker}
    finally:
        ex.stop()


def test_workers_started_for_nothing_are_stopped_at_once():
    """A build that fails before its first shard (no inputs, say) does not wait for its workers."""
    ex = prepared(config())
    procs = list(ex._pool._processes.values())
    manager = ex._pool._executor_manager_thread
    ex.stop()
    # the pool's manager thread reaps the workers (joining them here too would race it for waitpid)
    manager.join(timeout=60)
    assert not manager.is_alive()
    for p in procs:
        assert p.exitcode == -signal.SIGTERM  # stopped, not left to finish loading its libraries


def test_one_process_runs_everything_here():
    cfg = config()
    ex = LocalExecutor(processes=1, progress=False)
    ex.start(cfg)
    try:
        out = ex.map(whoami, [(i, 0.0) for i in range(5)], "one")
    finally:
        ex.stop()
    assert {r["pid"] for r in out} == {os.getpid()}
    assert ex._pool is None


def memory_pool(task):
    """A task: the pyarrow allocator of the process that ran it."""
    import pyarrow as pa

    time.sleep(0.1)
    return {"pid": os.getpid(), "pool": pa.default_memory_pool().backend_name}


@pytest.fixture
def no_pool_setting(monkeypatch):
    """No ARROW_DEFAULT_MEMORY_POOL during the test, and none left after it; the default pool restored."""
    import pyarrow as pa

    from builder.executors import base

    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "")
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")  # restored (to unset) at teardown
    monkeypatch.setattr(base, "_POOL_SET", None)
    before = pa.default_memory_pool()
    yield
    pa.set_memory_pool(before)


def test_every_process_uses_the_configured_arrow_memory_pool(no_pool_setting):
    cfg = config()
    cfg["executor"]["memory_pool"] = "system"
    ex = LocalExecutor(processes=2, progress=False, memory_pool="system")
    try:
        ex.start(cfg)
        out = ex.map(memory_pool, list(range(8)), "pools")
    finally:
        ex.stop()
    assert len({r["pid"] for r in out}) == 2  # the driver and the worker both ran tasks
    assert {r["pool"] for r in out} == {"system"}


def test_a_fresh_process_allocates_from_the_pool_the_cli_sets(no_pool_setting):
    """pyarrow reads the variable when imported: the CLI sets it first, and pyarrow's own C++ pool follows."""
    import subprocess
    import sys

    code = ("import sys; from builder.executors.base import use_memory_pool; use_memory_pool(sys.argv[1]); "
            "import pyarrow as pa; print(pa.default_memory_pool().backend_name)")
    names = {}
    for name in ("system", "mimalloc"):
        names[name] = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True,
                                     check=True).stdout.strip()
    assert names == {"system": "system", "mimalloc": "mimalloc"}


def test_memory_pool_names_are_checked_and_the_environment_wins(no_pool_setting, monkeypatch):
    import os

    import pyarrow as pa

    from builder.errors import BuilderError
    from builder.executors.base import use_memory_pool

    with pytest.raises(BuilderError, match="executor.memory_pool='tcmalloc' is not one of jemalloc"):
        LocalExecutor(memory_pool="tcmalloc")
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    assert use_memory_pool("mimalloc") == "system"  # the user's environment decides
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system"
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
    assert use_memory_pool("system") == "system" == pa.default_memory_pool().backend_name
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system"  # for the workers started from here on
    assert use_memory_pool("default") is None and "ARROW_DEFAULT_MEMORY_POOL" not in os.environ


def test_progress_without_a_terminal_is_logged_with_rate_and_time_left(monkeypatch, caplog):
    """A build logged to a file (CI, a cluster job) shows how far it is, not only that it finished."""
    import logging

    from builder.executors import base

    monkeypatch.setattr(base, "LOG_EVERY", 0.0)  # a line per shard (30 s apart by default)
    ex = LocalExecutor(processes=1, progress=True)
    with caplog.at_level(logging.INFO, logger="builder"):
        assert ex.map(lambda t: {"i": t}, [0, 1, 2, 3], "clean") == [{"i": i} for i in range(4)]
    lines = [r.getMessage() for r in caplog.records]
    assert [ln.split(",")[0] for ln in lines[:3]] == ["clean: 1/4 shards (25%)", "clean: 2/4 shards (50%)",
                                                      "clean: 3/4 shards (75%)"]
    assert all(" shards/s, " in ln and ln.endswith(" left") for ln in lines[:3])
    assert lines[3].startswith("clean: 4/4 shards in ")  # the last one: the total time
    assert len(lines) == 4

    monkeypatch.setattr(base, "LOG_EVERY", 3600.0)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="builder"):
        ex.map(lambda t: {"i": t}, [0, 1, 2, 3], "clean")
    assert [r.getMessage().split(" in ")[0] for r in caplog.records] == ["clean: 4/4 shards"]  # a short map: one line
