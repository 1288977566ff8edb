"""Every config group instantiates, and YAML keys match the constructors' arguments."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from hydra.utils import get_class
from omegaconf import OmegaConf

from builder.cli import conf_dir
from conftest import compose

CONF = Path(conf_dir())
GROUPS = ["source", "extract", "normalize", "segment", "lang", "filter", "boilerplate", "dedup", "split", "ner", "stance", "executor"]


def options():
    for g in GROUPS:
        for f in sorted((CONF / g).glob("*.yaml")):
            yield g, f.stem


@pytest.mark.parametrize("group,option", list(options()))
def test_group_option_composes_and_matches_constructor(group, option, tmp_path):
    cfg = compose([f"{group}={option}", f"paths.dist={tmp_path}", "source.path=" + str(tmp_path)])
    node = OmegaConf.to_container(cfg[group], resolve=True, throw_on_missing=False)
    if option == "none":
        assert not node
        return
    cls = get_class(node["_target_"])
    params = set(inspect.signature(cls).parameters) - {"self"}
    keys = {k for k in node if not k.startswith("_")}
    assert keys == params, f"{group}/{option}.yaml keys {sorted(keys)} != {cls.__name__} args {sorted(params)}"
    if "???" in node.values():  # a required value (e.g. stance.model): the user must give it
        return
    from builder.pipeline import instantiate_stage

    obj = instantiate_stage(node)
    assert obj is not None


def test_experiment_conll():
    cfg = compose(["experiment=conll"])
    assert cfg.ner.scheme == "conll" and cfg.split.ratios.test == 0.2


@pytest.mark.parametrize("executor", ["local", "ray"])
def test_debug_config_works_with_every_executor(executor, tmp_path):
    cfg = compose(["debug=default", f"executor={executor}", f"paths.dist={tmp_path}", "source.path=" + str(tmp_path)])
    from builder.pipeline import instantiate_stage

    ex = instantiate_stage(OmegaConf.to_container(cfg.executor, resolve=True))
    assert ex.keep_work  # debug keeps the work files
    assert getattr(ex, "processes", None) == 1 or getattr(ex, "num_workers", None) == 1
