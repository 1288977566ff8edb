"""(e) executor=ray across nodes: a build on a cluster of two nodes vs one node of the same size.

Ours: ``builder executor=ray executor.address=<cluster> ner=none stance=none``
(a process of its own, as a user's job) on a Ray cluster of two 1-CPU nodes.
Baseline: the same build on a cluster of one 1-CPU node. The clusters are
Ray's own multi-node test harness (``ray.cluster_utils.Cluster``): raylets on
this machine, each with its own object store, standing in for machines. The
ratio is the speed-up of phase 1 (read, clean, segment: the tasks spread over
the nodes), from each build's time report; the whole build's times are printed
too. A second pair of builds runs spaCy NER (``stance=none``) on a smaller
corpus in shards of 25 articles: its ratio is the speed-up of phase 2, the
model actor pool (one actor a node here). No target in the issue: this shows
that shards spread over nodes and what that buys. On a 2-core machine the two
nodes share the cores with the driver, the raylets and the object stores, so
the speed-up stays under 2.

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

PHASE_RE = {phase: re.compile(rf"phase {phase} ([0-9.]+)s") for phase in (1, 2)}
NODES_RE = {desc: re.compile(rf"Nodes \(tasks each ran\):.*?\b{desc} (.*?)(?: · |$)", re.M) for desc in ("clean", "label")}
WITHOUT_MODELS = ["ner=none", "stance=none"]
WITH_NER = ["stance=none", "source.shard_size=25"]


def build_on(nodes: int, src: Path, dist: Path, overrides: list[str] = WITHOUT_MODELS) -> dict:
    """One build on a fresh cluster of ``nodes`` 1-CPU nodes: wall seconds, phase 1 and 2 seconds, shards per
    node in each."""
    from ray.cluster_utils import Cluster

    node = {"num_cpus": 1, "object_store_memory": 200 * 1024 * 1024}
    cluster = Cluster(initialize_head=True, head_node_args={**node, "include_dashboard": False})
    try:
        for _ in range(nodes - 1):
            cluster.add_node(**node)
        cluster.wait_for_nodes()
        shutil.rmtree(dist, ignore_errors=True)
        cmd = benchlib.build_cmd(src, dist, ["executor=ray", f"executor.address={cluster.address}", *overrides])
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
    spread = {desc: r.search(log) for desc, r in NODES_RE.items()}
    return {"seconds": seconds, **{f"phase{k}": float(r.search(log).group(1)) for k, r in PHASE_RE.items()},
            **{desc: m.group(1) if m else "" for desc, m in spread.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    benchlib.add_size_args(ap, quick=(2000, 1), full=(10_000, 2))
    ap.add_argument("--ner-n", type=int, default=None, help="articles of the NER pair (default 200 quick, 400)")
    a = ap.parse_args(argv)
    try:
        import ray  # noqa: F401
    except ImportError:
        print("[ray] skipped: Ray is not installed (pip install '.[ray]')", flush=True)
        return 0
    n, repeats, work, src = benchlib.begin(a, "ray", "build on a cluster of two 1-CPU nodes vs one")
    _compare("ray_two_nodes_vs_one_phase1", 1, "clean", src, work, n, repeats, WITHOUT_MODELS)

    n_ner = a.ner_n or (200 if a.quick else 400)
    print(f"[ray] the same with spaCy NER (stance=none, shards of 25): phase 2, the model actor pool, {n_ner} "
          "articles", flush=True)
    _compare("ray_two_nodes_vs_one_phase2_ner", 2, "label", benchlib.corpus(n_ner, "txt", root=work), work, n_ner,
             repeats, WITH_NER)
    return 0


def _compare(name: str, phase: int, desc: str, src: Path, work: Path, n: int, repeats: int,
             overrides: list[str]) -> None:
    """Builds of ``src`` on one node and on two, alternating (drift hits both alike); prints each side's
    times and where ``desc``'s shards ran, then the RESULT line: the speed-up of phase ``phase``."""
    one, two = [], []
    for r in range(repeats):
        one.append(build_on(1, src, work / f"ray-1-{name}-{n}-{r}", overrides))
        two.append(build_on(2, src, work / f"ray-2-{name}-{n}-{r}", overrides))
    key = f"phase{phase}"
    for label, runs in (("one node", one), ("two nodes", two)):
        print(f"  {label}: build {benchlib.fmt_times([x['seconds'] for x in runs])}; phase {phase} "
              f"{benchlib.fmt_times([x[key] for x in runs])}; shards by node: "
              f"{'; '.join(x[desc] for x in runs)}", flush=True)
    o, b = benchlib.median([x[key] for x in two]), benchlib.median([x[key] for x in one])
    whole = benchlib.median([x["seconds"] for x in one]) / benchlib.median([x["seconds"] for x in two])
    rec = {"name": name, "ours": round(o, 4), "baseline": round(b, 4), "ratio": round(b / o, 3), "target": "-",
           "unit": "s", "cores": benchlib.cores(), "n": n, "whole_build_speedup": round(whole, 3)}
    print(f"  {name}: two nodes {o:.2f}s, one node {b:.2f}s, speed-up {b / o:.2f} (whole build {whole:.2f})",
          flush=True)
    print("RESULT " + json.dumps(rec), flush=True)


if __name__ == "__main__":
    sys.exit(main())
