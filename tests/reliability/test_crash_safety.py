"""Builds killed at many points, builds racing, disks that refuse writes."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builder.errors import BuilderError
from builder.release.verify import verify
from conftest import build_release
from corpus import write_corpus

FAST = ["ner=none", "stance=none"]


def data_hashes(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name not in ("manifest.json", "config.yaml")}


def cli(args, cwd):
    return subprocess.Popen([sys.executable, "-m", "builder.cli", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


@pytest.mark.slow
def test_sigkill_at_many_points_never_leaves_a_partial_release(tmp_path):
    src = write_corpus(tmp_path / "src", n=24)
    ref = build_release(tmp_path / "ref", src, [*FAST, "source.shard_size=4"])
    ref_hashes = data_hashes(Path(ref["path"]))
    dist = tmp_path / "dist"
    args = [f"source.path={src}", f"paths.dist={dist}", "source.shard_size=4", "executor.processes=2",
            "executor.progress=false", *FAST]
    target = dist / ref["name"] / ref["version"]
    # how long an uninterrupted CLI build takes here, then kill at points spread over it
    t0 = time.monotonic()
    p = cli(args, tmp_path)
    p.wait(timeout=600)
    full = time.monotonic() - t0
    assert p.returncode == 0
    import shutil

    shutil.rmtree(dist)
    points = [full * f for f in (0.1, 0.3, 0.5, 0.7, 0.85, 0.95)]
    partial_seen = 0
    for delay in points:
        p = cli(args, tmp_path)
        time.sleep(delay)
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        if target.exists():  # the rename happened before the kill: it must be whole
            if verify(target, load=False):
                partial_seen += 1
            shutil.rmtree(target)
        leftovers = [q for q in (dist / ref["name"]).glob("*") if q.name[0].isdigit()] if (dist / ref["name"]).exists() else []
        assert not leftovers
    assert partial_seen == 0
    p = cli(args, tmp_path)
    out, err = p.communicate(timeout=600)
    assert p.returncode == 0, err
    got = data_hashes(target)
    if got != ref_hashes:
        import difflib

        diffs = [k for k in ref_hashes if got.get(k) != ref_hashes[k]]
        detail = "".join(difflib.unified_diff((Path(ref["path"]) / diffs[0]).read_text(errors="replace").splitlines(True),
                                              (target / diffs[0]).read_text(errors="replace").splitlines(True)))
        pytest.fail(f"resumed build differs in {diffs}:\n{detail[:3000]}")
    assert verify(target, load=False) == []
    assert not list((dist / ref["name"]).glob(".staging-*"))


def test_two_builds_of_one_version_at_once(tmp_path):
    src = write_corpus(tmp_path / "src", n=12)
    dist = tmp_path / "dist"
    args = [f"source.path={src}", f"paths.dist={dist}", "executor.processes=1", "executor.progress=false", *FAST]
    a, b = cli(args, tmp_path), cli(args, tmp_path)
    (oa, ea), (ob, eb) = a.communicate(timeout=600), b.communicate(timeout=600)
    codes = sorted([a.returncode, b.returncode])
    outs = oa + ea + ob + eb
    assert codes[0] == 0, outs
    assert "built ->" in outs
    # the other one either waited out the winner (nothing to do) or said a build is running
    assert "nothing to do" in outs or "another build" in outs
    rel = dist / "news-articles" / "0.1.0"
    assert verify(rel, load=False) == []


def test_full_disk_gives_a_clear_error_and_no_release(tmp_path, monkeypatch):
    src = write_corpus(tmp_path / "src", n=4)
    import builder.release.writer as writer

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "dist"))

    monkeypatch.setattr(writer, "write_parquet", full)
    with pytest.raises(BuilderError, match="No space left on device.*paths.dist"):
        build_release(tmp_path, src, FAST)
    base = tmp_path / "dist" / "news-articles"
    assert not (base / "0.1.0").exists() and not list(base.glob(".staging-*"))


def test_unwritable_dist_is_a_clear_error(tmp_path):
    src = write_corpus(tmp_path / "src", n=2)
    blocker = tmp_path / "dist"
    blocker.write_text("a file where the dist folder should be")
    with pytest.raises(BuilderError, match="cannot write to"):
        build_release(tmp_path, src, FAST)


def test_dist_on_a_file_system_without_locks_still_builds_and_says_so(tmp_path, monkeypatch, caplog):
    """Some mounts of object storage (the shared storage of a cluster) have no file locks: flock fails with
    ENOLCK or EOPNOTSUPP. The build goes on, warning that nothing stops a second build of the version."""
    import logging

    import builder.build as build_mod

    calls = []

    def no_locks(fh, op):
        calls.append(op)
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(build_mod.fcntl, "flock", no_locks)
    src = write_corpus(tmp_path / "src", n=4)
    with caplog.at_level(logging.WARNING, logger="builder"):
        summary = build_release(tmp_path, src, FAST)
    assert summary["status"] == "built" and verify(Path(summary["path"]), load=False) == []
    assert "does not support file locks (No locks available)" in caplog.text
    assert calls == [build_mod.fcntl.LOCK_EX | build_mod.fcntl.LOCK_NB]  # no unlock of a lock never taken

    def denied(fh, op):  # any other error is not "no locks here": it stops the build
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(build_mod.fcntl, "flock", denied)
    with pytest.raises(BuilderError, match="Permission denied"):
        build_release(tmp_path / "again", src, FAST)
