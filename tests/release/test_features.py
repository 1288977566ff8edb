"""The release features equal what ``datasets`` makes of the same declarations.

The builder describes its features without importing ``datasets`` (see
``builder/release/features.py``); these tests hold each config's JSON form,
Arrow schema and card YAML to ``datasets.Features`` itself, so a file written
by the builder reads back with exactly the declared types.
"""

from __future__ import annotations

import datasets
import pyarrow as pa
import pytest

from builder.release.features import CONFIGS, ClassLabel, Features, List, Value, features
from builder.stages.ner import iob_names

TAGS = iob_names(["PERSON", "ORG", "GPE", "DATE"])


def reference(config: str) -> datasets.Features:
    """The same declarations written with ``datasets``' own types."""
    s = datasets.Value("string")
    d = datasets
    if config == "articles":
        return d.Features({"id": s, "source": s, "url": s, "title": s, "date": s, "text": s, "lang": s,
                           "n_words": d.Value("int32"), "cluster_id": s, "encoding": s})
    if config == "teasers":
        return d.Features({"id": s, "article_id": s, "headline": s, "blurb": s, "section": s,
                           "position": d.Value("int32"), "kind": d.ClassLabel(names=["related", "teaser"])})
    if config == "ner":
        return d.Features({
            "id": s, "article_id": s, "sentence": d.Value("int32"), "text": s, "tokens": d.List(s),
            "ner_tags": d.List(d.ClassLabel(names=TAGS)),
            "entities": d.List({"start": d.Value("int32"), "end": d.Value("int32"), "label": s, "text": s}),
            "labeler": s,
        })
    return d.Features({"id": s, "article_id": s, "headline": s, "body": s,
                       "label": d.ClassLabel(names=["agree", "disagree", "discuss", "unrelated"]),
                       "confidence": d.Value("float32"), "pair": s, "labeler": s})


@pytest.mark.parametrize("config", CONFIGS)
def test_features_equal_datasets(config):
    ours, ref = features(config, TAGS), reference(config)
    assert ours.to_dict() == ref.to_dict()
    assert list(ours.to_dict()) == list(ref.to_dict())  # column order (the embedded JSON is compared as text)
    assert ours.arrow_schema.equals(ref.arrow_schema, check_metadata=False)
    assert ours.to_yaml_list() == ref._to_yaml_list()
    assert ours.to_datasets() == ref
    assert datasets.Features.from_dict(ours.to_dict()).arrow_schema.equals(ours.arrow_schema, check_metadata=False)


def test_nested_and_scalar_types_match_datasets():
    ours = Features({"a": Value("int64"), "b": Value("float64"), "c": Value("bool"), "d": List(Value("int32")),
                     "e": List(ClassLabel(["x", "y"])), "f": {"g": Value("string"), "h": List(Value("string"))}})
    ref = datasets.Features({"a": datasets.Value("int64"), "b": datasets.Value("float64"), "c": datasets.Value("bool"),
                             "d": datasets.List(datasets.Value("int32")),
                             "e": datasets.List(datasets.ClassLabel(names=["x", "y"])),
                             "f": {"g": datasets.Value("string"), "h": datasets.List(datasets.Value("string"))}})
    assert ours.to_dict() == ref.to_dict()
    assert ours.arrow_schema.equals(ref.arrow_schema, check_metadata=False)
    assert ours.to_yaml_list() == ref._to_yaml_list()


def test_unknown_dtype_is_an_error():
    with pytest.raises(ValueError, match="unsupported dtype"):
        Value("int8")


def test_ner_needs_tag_names():
    with pytest.raises(ValueError, match="tag names"):
        features("ner")


def test_a_build_does_not_import_datasets(tmp_path):
    """Building and writing a release never imports ``datasets`` (over a second of CPU per build);
    the release still loads with it."""
    import subprocess
    import sys

    from tests.conftest import ROOT, SEED, load

    code = ("import sys; from tests.conftest import compose; from builder.build import build; "
            f"build(compose(['source.path={SEED}', 'paths.dist={tmp_path / 'dist'}', 'ner=none', 'stance=none', "
            "'executor.processes=1', 'executor.progress=false'])); "
            "print('datasets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
    ds = load(tmp_path / "dist" / "news-articles" / "0.1.0", "teasers", tmp_path)
    assert ds["train"].features["kind"].names == ["related", "teaser"]
