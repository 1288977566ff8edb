"""executor=ray on a cluster of several nodes, joined by its address.

Two Ray nodes on this machine (``ray.cluster_utils.Cluster``, Ray's own
multi-node test harness: a head and a second raylet, each with its own object
store and one CPU) stand in for two machines. The build is a separate
``builder`` process that joins the cluster with ``executor.address``, as a
user's job on a cluster does. It must spread its shards over both nodes, run
its stance labels in the actor pool, say where its tasks ran, and write the
same bytes as ``executor=local``; go on without a node lost mid-build; stop
when a node runs other builder code; and give work to a node that joins.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from conftest import build_release  # noqa: E402
from corpus import write_corpus  # noqa: E402
from test_ray_executor import assert_same_release  # noqa: E402

#: GCS health checks every 0.5 s, a node dead after two missed ones (Ray's defaults take ~15 s to notice)
FAST_DEATH = {"health_check_initial_delay_ms": 0, "health_check_period_ms": 500, "health_check_timeout_ms": 500,
              "health_check_failure_threshold": 2}

#: The nodes line of the build's time report: "Nodes (tasks each ran): clean <node> <n>, <node> <n> · ...".
NODES_RE = re.compile(r"Nodes \(tasks each ran\): (.*)$", re.M)


def _phases(line: str) -> dict[str, dict[str, int]]:
    out = {}
    for part in line.split(" · "):
        desc, rest = part.split(" ", 1)
        out[desc] = {node: int(n) for node, n in (item.rsplit(" ", 1) for item in rest.split(", "))}
    return out


#: Each node: one CPU and a small object store.
NODE = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024}


def _two_nodes(**system_config):
    """A head and a second node (the one returned with the cluster)."""
    cluster = _one_node(**system_config)
    other = cluster.add_node(**NODE)
    cluster.wait_for_nodes()
    return cluster, other


def _one_node(gpus: int = 0, **system_config):
    from ray.cluster_utils import Cluster

    head = {**NODE, "include_dashboard": False, "num_gpus": gpus}
    if system_config:
        head["_system_config"] = system_config
    cluster = Cluster(initialize_head=True, head_node_args=head)
    cluster.wait_for_nodes()
    return cluster


def _builder(src: Path, dist: Path, address: str, overrides: list[str], env: dict | None = None) -> subprocess.Popen:
    """The ``builder`` command, as a user's job on the cluster runs it (a process of its own, in the corpus's
    folder: Ray puts the driver's folder first on its workers' import path, and in this repository's root
    that would be this checkout's builder, before any ``runtime_env.py_modules``)."""
    return subprocess.Popen(
        [sys.executable, "-c", "from builder.cli import entry; entry()", f"source.path={src}", f"paths.dist={dist}",
         "executor=ray", f"executor.address={address}", "executor.progress=false", *overrides],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "RAY_AUTH_MODE": "disabled", **(env or {})}, cwd=src.parent)


def _wait_for_shards(proc: subprocess.Popen, dist: Path, n: int, phase: str = "p1") -> None:
    """Until the build has finished ``n`` shards of ``phase`` (``p1``, ``p2``)."""
    deadline = time.monotonic() + 300
    while len(list(dist.glob(f".work/*/{phase}/*/stats.json"))) < n:
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[0][-3000:]
        time.sleep(0.02)


def _end(proc: subprocess.Popen | None, cluster) -> None:
    if proc is not None and proc.poll() is None:  # a test that failed while the build ran
        proc.kill()
        proc.communicate()
    cluster.shutdown()


def test_build_joins_a_two_node_cluster_and_matches_local(tmp_path):
    src = write_corpus(tmp_path / "corpus", n=24)
    overrides = ["ner=none", "source.shard_size=3"]  # 8 shards; stance labels run in the model actor pool
    cluster, _ = _two_nodes()
    dist, proc = tmp_path / "ray" / "dist", None
    try:
        address = cluster.address
        proc = _builder(src, dist, address, overrides)
        log = proc.communicate(timeout=600)[0]
    finally:
        _end(proc, cluster)
    assert proc.returncode == 0, log[-3000:]
    assert f"joining {address}" in log

    found = NODES_RE.search(log)
    assert found, log[-3000:]
    nodes = _phases(found.group(1).strip())
    assert sum(nodes["clean"].values()) == 8 and len(nodes["clean"]) == 2  # phase 1 ran on both nodes
    assert sum(nodes["barrier"].values()) == 1
    assert sum(nodes["label"].values()) == 8  # (in the pool's two actors)
    assert set(nodes["label"]) <= set(nodes["clean"])

    ray_release = next(p for p in dist.glob("*/*") if p.is_dir())
    local = build_release(tmp_path / "local", src, overrides)
    assert_same_release({"path": str(ray_release)}, local)


def test_a_node_lost_mid_build_costs_its_shards_not_the_build(tmp_path):
    """A node that dies while it runs shards (a preempted machine): its task runs again on the node left
    (``executor.max_retries``) and the release is the same as local's. (That a lost worker without retries
    stops the build with an error that says how to resume: test_ray_executor, deterministically.)"""
    from builder.generate import generate

    src = tmp_path / "corpus"
    generate(src, 1200, seed=5)
    overrides = ["ner=none", "stance=none", "source.shard_size=100"]  # 12 shards of ~0.1 s
    cluster, doomed = _two_nodes(**FAST_DEATH)
    dist, proc = tmp_path / "ray" / "dist", None
    try:
        proc = _builder(src, dist, cluster.address, overrides)
        # two shards done: both nodes' workers have started and run shards (measured with max_retries=0,
        # the node had one running, and the build failed, 5 times in 6; the other time it was between two)
        _wait_for_shards(proc, dist, 2)
        cluster.remove_node(doomed, allow_graceful=False)  # its raylet and its workers, at once
        log = proc.communicate(timeout=300)[0]
    finally:
        _end(proc, cluster)
    assert proc.returncode == 0, log[-3000:]
    nodes = _phases(NODES_RE.search(log).group(1).strip())
    assert sum(nodes["clean"].values()) == 12
    ray_release = next(p for p in dist.glob("*/*") if p.is_dir())
    assert_same_release({"path": str(ray_release)}, build_release(tmp_path / "local", src, overrides))


def test_a_node_lost_while_model_actors_label_costs_its_shard_not_the_build(tmp_path):
    """The node of a model actor dies mid-shard (spaCy NER): the actor restarts where there is room and its
    shard runs again there. On two 1-CPU nodes there is no room until the pool lets its idle actor go, once
    no shard is left to hand out; a pool that kept it would wait forever."""
    from builder.generate import generate

    src = tmp_path / "corpus"
    generate(src, 160, seed=9)
    overrides = ["stance=none", "source.shard_size=20"]  # 8 shards of ~1 s of NER each
    cluster, doomed = _two_nodes(**FAST_DEATH)
    dist, proc = tmp_path / "ray" / "dist", None
    try:
        proc = _builder(src, dist, cluster.address, overrides)
        _wait_for_shards(proc, dist, 2, "p2")  # both actors have started (each has finished a shard, mostly)
        cluster.remove_node(doomed, allow_graceful=False)
        log = proc.communicate(timeout=600)[0]
    finally:
        _end(proc, cluster)
    assert proc.returncode == 0, log[-3000:]
    assert "2 model actors" in log
    nodes = _phases(NODES_RE.search(log).group(1).strip())
    assert sum(nodes["label"].values()) == 8
    ray_release = next(p for p in dist.glob("*/*") if p.is_dir())
    assert_same_release({"path": str(ray_release)}, build_release(tmp_path / "local", src, overrides))


def test_code_shipped_with_runtime_env_must_be_the_drivers(tmp_path):
    """``executor.runtime_env`` reaches the job: ``py_modules`` ships a builder to the nodes. One whose code
    differs from the driver's (here by one comment) stops the build before it writes a shard."""
    import shutil

    import builder

    shipped = tmp_path / "shipped" / "builder"
    shutil.copytree(Path(builder.__file__).parent, shipped, ignore=shutil.ignore_patterns("__pycache__"))
    with open(shipped / "timing.py", "a", encoding="utf-8") as f:
        f.write("# edited on the nodes only\n")
    src = write_corpus(tmp_path / "corpus", n=4)
    cluster, _ = _two_nodes()
    dist, proc = tmp_path / "ray" / "dist", None
    try:
        proc = _builder(src, dist, cluster.address,
                        ["ner=none", "stance=none", f"executor.runtime_env={{py_modules: [{shipped}]}}"])
        log = proc.communicate(timeout=600)[0]
    finally:
        _end(proc, cluster)
    assert proc.returncode != 0, log[-3000:]
    assert re.search(r"runs builder \S+ \(code \w+\), the driver \S+ \(code \w+\): every node must run the same code",
                     log), log[-3000:]
    assert not list(dist.glob(".work/*/p1/*/stats.json"))


@pytest.mark.parametrize("ship", [False, True])
def test_ship_code_sends_the_drivers_builder_to_the_nodes(tmp_path, ship):
    """A driver whose builder is not the nodes' (here: its own copy, edited, first on its PYTHONPATH): without
    ``executor.ship_code`` the nodes run their install and the build stops at the code check; with it they
    run the driver's copy, shipped with the job, and the build goes through."""
    import shutil

    import builder

    mine = tmp_path / "driver" / "builder"
    shutil.copytree(Path(builder.__file__).parent, mine, ignore=shutil.ignore_patterns("__pycache__"))
    with open(mine / "timing.py", "a", encoding="utf-8") as f:
        f.write("# edited in the driver's copy only\n")
    from builder.cli import conf_dir

    shutil.copytree(conf_dir(), mine / "conf")  # (where a copy finds its config)
    src = write_corpus(tmp_path / "corpus", n=4)
    cluster, _ = _two_nodes()
    dist, proc = tmp_path / "ray" / "dist", None
    try:
        overrides = ["ner=none", "stance=none", f"executor.ship_code={str(ship).lower()}"]
        proc = _builder(src, dist, cluster.address, overrides, env={"PYTHONPATH": str(mine.parent)})
        log = proc.communicate(timeout=600)[0]
    finally:
        _end(proc, cluster)
    if ship:
        assert proc.returncode == 0, log[-3000:]
        assert "Nodes (tasks each ran)" in log
    else:
        assert proc.returncode != 0 and "every node must run the same code" in log, log[-3000:]


def test_a_node_that_joins_mid_build_takes_work_at_once(tmp_path):
    """A cluster that grows while the build runs (an autoscaler adding nodes, a user starting one): the build
    looks at the cluster's size every second, keeps every CPU busy with a task (and as many waiting: the demand
    an autoscaler grows on) and the new node runs shards of the same build."""
    from builder.generate import generate

    src = tmp_path / "corpus"
    generate(src, 3000, seed=7)
    cluster = _one_node()
    dist, proc = tmp_path / "ray" / "dist", None
    try:
        proc = _builder(src, dist, cluster.address, ["ner=none", "stance=none", "source.shard_size=100"])  # 30 shards
        _wait_for_shards(proc, dist, 1)
        joined = cluster.add_node(**NODE)
        log = proc.communicate(timeout=300)[0]
    finally:
        _end(proc, cluster)
    assert proc.returncode == 0, log[-3000:]
    assert "Ray: 1 task slots" in log and "the cluster has 2 task slots now (was 1)" in log, log[-3000:]
    nodes = _phases(NODES_RE.search(log).group(1).strip())
    assert sum(nodes["clean"].values()) == 30
    assert any(node.endswith("/" + joined.node_id[:8]) for node in nodes["clean"])  # the new node ran shards


def test_a_cluster_of_gpu_and_cpu_nodes_labels_on_both(tmp_path):
    """A node with a GPU (Ray's logical GPU: no device needed) and one without. The model actors of the GPU
    node share its GPU and the others run on CPUs; a pool that asked every actor for a share of the GPU put
    them all on the GPU node, which had CPU for one, and the build waited forever for the rest."""
    from builder.generate import generate

    src = tmp_path / "corpus"
    generate(src, 600, seed=3)
    cluster = _one_node(gpus=1)
    dist, proc = tmp_path / "ray" / "dist", None
    try:
        cluster.add_node(**{**NODE, "num_cpus": 2})
        cluster.wait_for_nodes()
        proc = _builder(src, dist, cluster.address, ["ner=none", "source.shard_size=50"])  # 12 shards
        log = proc.communicate(timeout=600)[0]
    finally:
        _end(proc, cluster)
    assert proc.returncode == 0, log[-3000:]
    assert "Ray: 3 task slots, room for 3 model actors, 1 with 1 GPU each" in log, log[-3000:]
    nodes = _phases(NODES_RE.search(log).group(1).strip())
    assert sum(nodes["label"].values()) == 12 and len(nodes["label"]) == 2  # the GPU actor and the CPU one
