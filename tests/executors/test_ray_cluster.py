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
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from conftest import build_release  # noqa: E402
from corpus import write_corpus  # noqa: E402
from test_ray_executor import assert_same_release  # noqa: E402

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
