"""The `builder` command as a user runs it (subprocesses, real console script)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ROOT, require_spacy_model

BUILDER = shutil.which("builder") or str(Path(sys.executable).parent / "builder")


def run(args, cwd, env=None):
    e = {**os.environ, **(env or {})}
    return subprocess.run([BUILDER, *args], cwd=cwd, capture_output=True, text=True, env=e, timeout=600)


def test_help_lists_groups(tmp_path):
    r = run(["--help"], tmp_path)
    assert r.returncode == 0
    for group in ("source:", "segment:", "ner:", "stance:", "executor:", "dataset:"):
        assert group in r.stdout
    assert "builder source.path=" in r.stdout


def test_cfg_job_prints_resolved_config_with_overrides(tmp_path):
    r = run(["--cfg", "job", "source.path=/data/news", "dataset.version=0.2.0", "ner=none"], tmp_path)
    assert r.returncode == 0, r.stderr
    cfg = yaml.safe_load(r.stdout)
    assert cfg["source"]["path"] == "/data/news" and cfg["dataset"]["version"] == "0.2.0"
    assert not cfg["ner"]
    assert cfg["segment"]["_target_"] == "builder.stages.BoilerplateSegmenter"
    assert not list(tmp_path.iterdir()), "the builder must not write into the working folder"


def test_user_errors_are_one_line(tmp_path):
    r = run(["source.path=" + str(tmp_path / "missing"), f"paths.dist={tmp_path / 'dist'}"], tmp_path)
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1].startswith("error: source folder or file not found")
    assert "Traceback" not in r.stderr
    r = run(["dataset.name=../evil", f"paths.dist={tmp_path / 'dist'}"], tmp_path)
    assert r.returncode != 0 and "not a valid name" in r.stderr and "Traceback" not in r.stderr
    r = run(["ner=nonexistent"], tmp_path)
    assert r.returncode != 0 and "nonexistent" in r.stderr


@require_spacy_model()
def test_build_from_another_folder_and_user_config_dir(tmp_path):
    """After install, `builder` works from any folder; a user's --config-dir adds a segment option."""
    src = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", src)
    mine = tmp_path / "my_conf" / "segment"
    mine.mkdir(parents=True)
    (mine / "my_site.yaml").write_text(
        "defaults:\n  - rules\nextra_boilerplate: ['^Myanmar state television on Sunday']\n", encoding="utf-8")
    work = tmp_path / "elsewhere"
    work.mkdir()
    r = run(["--config-dir", str(tmp_path / "my_conf"), "segment=my_site", f"source.path={src}",
             f"paths.dist={tmp_path / 'dist'}", "ner=none", "executor.processes=1"], work)
    assert r.returncode == 0, r.stderr
    assert "built" in r.stdout
    import pyarrow.parquet as pq

    rel = tmp_path / "dist" / "news-articles" / "0.1.0"
    text = pq.read_table(rel / "articles" / "train-00000-of-00001.parquet").column("text")[0].as_py()
    assert "Myanmar state television" not in text and "Russia’s Security Council said" in text
    assert not list(work.iterdir())
    r2 = run(["--config-dir", str(tmp_path / "my_conf"), "segment=my_site", f"source.path={src}",
              f"paths.dist={tmp_path / 'dist'}", "ner=none", "executor.processes=1"], work)
    assert r2.returncode == 0 and "nothing to do" in r2.stdout


def test_a_build_runs_the_config_hydra_composes(tmp_path):
    """The console script composes the config once (it skips Hydra's mode probe): the release's
    config.yaml is the config ``compose_config`` gives for the same overrides."""
    from builder.build import plain_config
    from builder.cli import compose_config

    src = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", src)
    overrides = [f"source.path={src}", f"paths.dist={tmp_path / 'dist'}", "ner=none", "stance=none",
                 "executor.processes=1", "dataset.version=0.3.0", "filter.min_words=20"]
    r = run(overrides, tmp_path)
    assert r.returncode == 0, r.stderr
    written = yaml.safe_load((tmp_path / "dist" / "news-articles" / "0.3.0" / "config.yaml").read_text())
    expected = plain_config(compose_config(overrides))
    for c in (written, expected):  # the seeds folder resolves against the working folder
        c["paths"].pop("seeds")
    assert written == expected


def test_debug_errors_keep_their_traceback(tmp_path):
    """With BUILDER_DEBUG=1 the command exits the usual way: a user error shows its traceback."""
    r = run(["source.path=" + str(tmp_path / "missing"), f"paths.dist={tmp_path / 'dist'}"], tmp_path,
            env={"BUILDER_DEBUG": "1"})
    assert r.returncode != 0
    assert "Traceback" in r.stderr and "source folder or file not found" in r.stderr
