"""Where a build's time went: each shard's steps timed where they run, summed by the driver.

A shard's work (``Pipeline.run_phase1`` / ``run_phase2``) times each step with a
:class:`StageClock` and returns the seconds in its stats (kept in the shard's
``stats.json``). The driver times its own phases with one too (scan, the
executor's start, phase 1, barrier, phase 2, the executor's stop, release),
and :func:`time_report` puts both together: the report the build logs at its
end and returns in its summary (``summary["time"]``). Times
are never written into the release: two builds of the same release are
byte-identical, however long they took.
"""

from __future__ import annotations

import time
from collections.abc import Iterable


class StageClock:
    """Seconds (wall, in the process that runs it) spent in each step of a piece of work (a shard's, the driver's):
    ``lap(name)`` adds the time since the last lap (or since the clock was made) to ``name``."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._last
        self._last = now

    def result(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in self.seconds.items()}


def _work(stats: Iterable[dict], per: str) -> dict:
    """The steps' seconds summed over the shards that ran in this build (a resumed shard's times are
    those of the build that made it: left out, and counted)."""
    seconds: dict[str, float] = {}
    shards = resumed = items = 0
    for s in stats:
        if s.get("resumed"):
            resumed += 1
            continue
        shards += 1
        items += int(s.get(per, 0))
        for k, v in (s.get("seconds") or {}).items():
            seconds[k] = seconds.get(k, 0.0) + float(v)
    total = sum(seconds.values())
    return {"shards": shards, "resumed_shards": resumed, per: items, "seconds": round(total, 3),
            "steps": {k: round(v, 3) for k, v in sorted(seconds.items(), key=lambda kv: (-kv[1], kv[0]))}}


def time_report(wall: dict[str, float], stats1: list[dict], stats2: list[dict],
                placement: dict[str, dict[str, int]] | None = None) -> dict:
    """The build's time: ``wall`` (the driver's phases, seconds) and, per phase, the shards' steps summed
    (seconds of work in all processes: with two processes, phase 1's work is about twice its wall time).
    ``placement`` (a cluster executor's): the nodes each phase's tasks ran on, ``{phase: {node: tasks}}``."""
    report = {"wall": {k: round(v, 3) for k, v in wall.items()},
              "phase1": _work(stats1, "read"), "phase2": _work(stats2, "articles")}
    if placement:
        report["nodes"] = {desc: dict(nodes) for desc, nodes in placement.items()}
    return report


def _shards(n: int) -> str:
    return f"{n} shard" + ("" if n == 1 else "s")


def format_time_report(report: dict) -> list[str]:
    """The report as log lines: the phases' wall times, then each phase's steps, the largest first (steps
    under 1% of their phase are summed as "rest")."""
    wall = report["wall"]
    lines = ["Time: " + " · ".join(f"{k} {v:.2f}s" for k, v in wall.items())]
    for key, title, per, unit in (("phase1", "Phase 1 work", "read", "an input"),
                                  ("phase2", "Phase 2 work", "articles", "an article")):
        w = report[key]
        if not w["shards"]:
            if w["resumed_shards"]:
                lines.append(f"{title}: {_shards(w['resumed_shards'])} resumed from an earlier build")
            continue
        total = w["seconds"]
        head = f"{title} ({_shards(w['shards'])}, {total:.2f}s in all processes"
        if w[per]:
            head += f", {1000 * total / w[per]:.2f} ms {unit}"
        if w["resumed_shards"]:
            head += f"; {_shards(w['resumed_shards'])} resumed, not counted"
        shown, rest = [], 0.0
        for k, v in w["steps"].items():
            if total and v < 0.01 * total:
                rest += v
            else:
                shown.append(f"{k} {v:.2f}s {100 * v / total:.0f}%" if total else f"{k} {v:.2f}s")
        if rest >= 0.005:
            shown.append(f"rest {rest:.2f}s")
        lines.append(f"{head}): " + " · ".join(shown))
    if report.get("nodes"):
        lines.append("Nodes (tasks each ran): " + " · ".join(
            f"{desc} " + ", ".join(f"{node} {n}" for node, n in nodes.items())
            for desc, nodes in report["nodes"].items() if nodes))
    return lines
