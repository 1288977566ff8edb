"""(e) executor=ray across nodes: a build on a cluster of two nodes vs one node of the same size.

Ours: ``builder executor=ray executor.address=<cluster> ner=none stance=none``
(a process of its own, as a user's job) on a Ray cluster of two 1-CPU nodes.
Baseline: the same build on a cluster of one 1-CPU node. The clusters are
Ray's own multi-node test harness (``ray.cluster_utils.Cluster``): raylets on
this machine, each with its own object store, standing in for machines. The
ratio is the speed-up of phase 1 (read, clean, segment: the tasks spread over
the nodes), from each build's time report; the whole build's times are printed
too. No target in the issue: this shows that shards spread over nodes and what
that buys. On a 2-core machine the two nodes share the cores with the driver,
the raylets and the object stores, so the speed-up stays under 2.

    python tests/benchmarks/bench_ray.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

PHASE1_RE = re.compile(r"phase 1 ([0-9.]+)s")
NODES_RE = re.compile(r"Nodes \(tasks each ran\): clean (.*?)(?: · |$)", re.M)


def build_on(nodes: int, src: Path, dist: Path) -> dict:
    """One build on a fresh cluster of ``nodes`` 1-CPU nodes: wall seconds, phase 1 seconds, shards per node."""
    from ray.cluster_utils import Cluster

    node = {"num_cpus": 1, "object_store_memory": 200 * 1024 * 1024}
    cluster = Cluster(initialize_head=True, head_node_args={**node, "include_dashboard": False})
    try:
        for _ in range(nodes - 1):
            cluster.add_node(**node)
        cluster.wait_for_nodes()
        shutil.rmtree(dist, ignore_errors=True)
        cmd = benchlib.build_cmd(src, dist, ["executor=ray", f"executor.address={cluster.address}", "ner=none",
                                             "stance=none"])
        t0 = time.monotonic()
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=str(src.parent),
                             env={**os.environ, "RAY_AUTH_MODE": "disabled"})
        seconds = time.monotonic() - t0
    finally:
        cluster.shutdown()
    log = out.stdout + out.stderr
    if out.returncode != 0:
        raise SystemExit(f"the build on {nodes} node(s) failed:\n{log[-3000:]}")
    shutil.rmtree(dist, ignore_errors=True)
    spread = NODES_RE.search(log)
    return {"seconds": seconds, "phase1": float(PHASE1_RE.search(log).group(1)),
            "clean": spread.group(1) if spread else ""}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    benchlib.add_size_args(ap, quick=(2000, 1), full=(10_000, 2))
    a = ap.parse_args(argv)
    try:
        import ray  # noqa: F401
    except ImportError:
        print("[ray] skipped: Ray is not installed (pip install '.[ray]')", flush=True)
        return 0
    n, repeats, work, src = benchlib.begin(a, "ray", "build on a cluster of two 1-CPU nodes vs one")
    one, two = [], []
    for r in range(repeats):  # alternating, so drift hits both alike
        one.append(build_on(1, src, work / f"ray-1-{n}-{r}"))
        two.append(build_on(2, src, work / f"ray-2-{n}-{r}"))
    for label, runs in (("one node", one), ("two nodes", two)):
        print(f"  {label}: build {benchlib.fmt_times([x['seconds'] for x in runs])}; phase 1 "
              f"{benchlib.fmt_times([x['phase1'] for x in runs])}; shards by node: "
              f"{'; '.join(x['clean'] for x in runs)}", flush=True)
    o, b = benchlib.median([x["phase1"] for x in two]), benchlib.median([x["phase1"] for x in one])
    whole = benchlib.median([x["seconds"] for x in one]) / benchlib.median([x["seconds"] for x in two])
    rec = {"name": "ray_two_nodes_vs_one_phase1", "ours": round(o, 4), "baseline": round(b, 4),
           "ratio": round(b / o, 3), "target": "-", "unit": "s", "cores": benchlib.cores(), "n": n,
           "whole_build_speedup": round(whole, 3)}
    print(f"  ray_two_nodes_vs_one_phase1: two nodes {o:.2f}s, one node {b:.2f}s, speed-up {b / o:.2f} "
          f"(whole build {whole:.2f})", flush=True)
    print("RESULT " + json.dumps(rec), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
