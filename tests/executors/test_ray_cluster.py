"""executor=ray on a cluster of several nodes, joined by its address.

Two Ray nodes on this machine (``ray.cluster_utils.Cluster``, Ray's own
multi-node test harness: a head and a second raylet, each with its own object
store and one CPU) stand in for two machines. The build is a separate
``builder`` process that joins the cluster with ``executor.address``, as a
user's job on a cluster does. It must spread its shards over both nodes, run
its stance labels in the actor pool, say where its tasks ran, and write the
same bytes as ``executor=local``.
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


def test_build_joins_a_two_node_cluster_and_matches_local(tmp_path):
    from ray.cluster_utils import Cluster

    src = write_corpus(tmp_path / "corpus", n=24)
    overrides = ["ner=none", "source.shard_size=3"]  # 8 shards; stance labels run in the model actor pool
    small = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024}
    cluster = Cluster(initialize_head=True, head_node_args={**small, "include_dashboard": False})
    try:
        cluster.add_node(**small)
        cluster.wait_for_nodes()
        address = cluster.address
        dist = tmp_path / "ray" / "dist"
        proc = subprocess.run(
            [sys.executable, "-c", "from builder.cli import entry; entry()", f"source.path={src}",
             f"paths.dist={dist}", "executor=ray", f"executor.address={address}", "executor.progress=false",
             *overrides],
            capture_output=True, text=True, timeout=600, env={**os.environ, "RAY_AUTH_MODE": "disabled"})
    finally:
        cluster.shutdown()
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert f"joining {address}" in log

    found = NODES_RE.search(log)
    assert found, log[-3000:]
    nodes = _phases(found.group(1).strip())
    assert sum(nodes["clean"].values()) == 8 and len(nodes["clean"]) == 2  # phase 1 ran on both nodes
    assert sum(nodes["barrier"].values()) == 1
    assert sum(nodes["label"].values()) == 8  # (in the one actor the pool has on 2 CPUs)
    assert set(nodes["label"]) <= set(nodes["clean"])

    ray_release = next(p for p in dist.glob("*/*") if p.is_dir())
    local = build_release(tmp_path / "local", src, overrides)
    assert_same_release({"path": str(ray_release)}, local)


def test_a_node_lost_mid_build_costs_its_shards_not_the_build(tmp_path):
    """A node that dies while it runs shards (a preempted machine): its task runs again on the node left
    (``executor.max_retries``) and the release is the same as local's. (That a lost worker without retries
    stops the build with an error that says how to resume: test_ray_executor, deterministically.)"""
    from ray.cluster_utils import Cluster

    from builder.generate import generate

    src = tmp_path / "corpus"
    generate(src, 1200, seed=5)
    overrides = ["ner=none", "stance=none", "source.shard_size=100"]  # 12 shards of ~0.1 s
    small = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024}
    cluster = Cluster(initialize_head=True,
                      head_node_args={**small, "include_dashboard": False, "_system_config": FAST_DEATH})
    dist = tmp_path / "ray" / "dist"
    try:
        doomed = cluster.add_node(**small)
        cluster.wait_for_nodes()
        proc = subprocess.Popen(
            [sys.executable, "-c", "from builder.cli import entry; entry()", f"source.path={src}",
             f"paths.dist={dist}", "executor=ray", f"executor.address={cluster.address}", "executor.progress=false",
             *overrides],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "RAY_AUTH_MODE": "disabled"})
        deadline = time.monotonic() + 300
        # two shards done: both nodes' workers have started and run shards (measured with max_retries=0,
        # the node had one running, and the build failed, 5 times in 6; the other time it was between two)
        while len(list(dist.glob(".work/*/p1/*/stats.json"))) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[0][-3000:]
            time.sleep(0.02)
        cluster.remove_node(doomed, allow_graceful=False)  # its raylet and its workers, at once
        log = proc.communicate(timeout=300)[0]
    finally:
        cluster.shutdown()
    assert proc.returncode == 0, log[-3000:]
    nodes = _phases(NODES_RE.search(log).group(1).strip())
    assert sum(nodes["clean"].values()) == 12
    ray_release = next(p for p in dist.glob("*/*") if p.is_dir())
    assert_same_release({"path": str(ray_release)}, build_release(tmp_path / "local", src, overrides))
