"""The build's time report: where the time went, per phase and per step, never in the release."""

from __future__ import annotations

import json
import logging
import shutil

from builder.generate import generate
from builder.timing import StageClock, format_time_report, time_report
from conftest import build_release

PHASE1_STEPS = {"read", "extract", "normalize", "segment", "lang", "filter", "boilerplate", "dedup", "rejects", "write"}


def test_clock_adds_each_lap_to_its_step(monkeypatch):
    now = iter([10.0, 10.5, 11.0, 13.0, 13.25])
    monkeypatch.setattr("builder.timing.time.perf_counter", lambda: next(now))
    clock = StageClock()
    clock.lap("read")
    clock.lap("segment")
    clock.lap("read")
    clock.lap("write")
    assert clock.result() == {"read": 2.5, "segment": 0.5, "write": 0.25}


def test_report_sums_shards_and_leaves_resumed_ones_out():
    stats1 = [{"read": 10, "seconds": {"read": 1.0, "segment": 3.0}},
              {"read": 30, "seconds": {"read": 1.0, "segment": 5.0, "filter": 0.05}},
              {"read": 500, "seconds": {"read": 99.0}, "resumed": True},
              {"read": 5}]  # a shard made by an older builder: no times
    stats2 = [{"articles": 8, "seconds": {"ner": 2.0}, "resumed": True}]
    r = time_report({"scan": 0.5, "phase 1": 6.0}, stats1, stats2)
    p1 = r["phase1"]
    assert p1["shards"] == 3 and p1["resumed_shards"] == 1 and p1["read"] == 45
    assert p1["steps"] == {"segment": 8.0, "read": 2.0, "filter": 0.05}
    assert list(p1["steps"]) == ["segment", "read", "filter"]  # the largest first
    assert p1["seconds"] == 10.05
    assert r["phase2"]["shards"] == 0 and r["phase2"]["resumed_shards"] == 1
    lines = format_time_report(r)
    assert lines[0] == "Time: scan 0.50s · phase 1 6.00s"
    assert lines[1].startswith("Phase 1 work (3 shards, 10.05s in all processes, 223.33 ms an input; "
                               "1 shard resumed, not counted): segment 8.00s 80% · read 2.00s 20%")
    assert lines[1].endswith("· rest 0.05s")  # filter: under 1% of the phase
    assert lines[2] == "Phase 2 work: 1 shard resumed from an earlier build"
    assert len(lines) == 3 and "nodes" not in r  # one machine: no nodes line


def test_report_names_the_nodes_each_phase_ran_on():
    placement = {"clean": {"10.0.0.1/aa": 3, "10.0.0.2/bb": 2}, "barrier": {"10.0.0.1/aa": 1}, "label": {}}
    r = time_report({"phase 1": 1.0}, [{"read": 1}], [], placement=placement)
    assert r["nodes"] == placement
    assert format_time_report(r)[-1] == ("Nodes (tasks each ran): clean 10.0.0.1/aa 3, 10.0.0.2/bb 2 · "
                                         "barrier 10.0.0.1/aa 1")  # a phase without tasks is left out


def test_build_reports_its_time_by_step_and_keeps_it_out_of_the_release(tmp_path, caplog):
    src = tmp_path / "corpus"
    generate(src, 30, seed=3)
    over = ["ner=none", "stance=none", "source.shard_size=10", "executor.keep_work=true"]
    with caplog.at_level(logging.INFO, logger="builder"):
        summary = build_release(tmp_path, src, over)
    t = summary["time"]
    assert list(t["wall"]) == ["scan", "start", "phase 1", "barrier", "phase 2", "stop", "release"]
    p1 = t["phase1"]
    assert p1["shards"] == 3 and p1["resumed_shards"] == 0 and p1["read"] == 30
    assert set(p1["steps"]) == PHASE1_STEPS
    assert p1["steps"]["segment"] > 0
    # one process: the shards' steps ran inside the driver's phase 1
    assert p1["seconds"] <= t["wall"]["phase 1"] + 0.01
    assert t["phase2"]["shards"] == 3 and t["phase2"]["articles"] == summary["counts"]["written"]
    assert {"read", "tables", "write"} <= set(t["phase2"]["steps"])
    assert any(r.getMessage().startswith("Phase 1 work (3 shards") for r in caplog.records)

    root = tmp_path / "dist" / summary["name"] / summary["version"]
    first = {f["path"]: f["sha256"] for f in json.loads((root / "manifest.json").read_text())["files"]}
    shutil.rmtree(root)  # the work files stay (keep_work): the same build again resumes every shard
    again = build_release(tmp_path, src, over)["time"]
    assert again["phase1"]["shards"] == 0 and again["phase1"]["resumed_shards"] == 3
    assert again["phase2"]["resumed_shards"] == 3
    second = {f["path"]: f["sha256"] for f in json.loads((root / "manifest.json").read_text())["files"]}
    data = [p for p in first if p.endswith((".parquet", ".arrow"))]
    assert data and {p: first[p] for p in data} == {p: second[p] for p in data}
