"""The features of each release config, as in RELEASE.md.

``WORK_SCHEMAS`` are the Arrow schemas of the per-shard work tables (labels
still as strings, plus the ``split`` column); ``features(...)`` gives the
features of the released tables, with ``ClassLabel`` columns.

The features are described here with four small types (:class:`Value`,
:class:`ClassLabel`, :class:`List`, :class:`Features`) that give exactly what
``datasets.Features`` gives for them (its JSON form, embedded in every Parquet
and Arrow file; its Arrow schema; the card's YAML list), without importing
``datasets``: that import (pandas, an HTTP stack and more) costs over a second
of CPU, which every build paid for four small dictionaries.
``tests/release/test_features.py`` holds them equal to ``datasets``' own, and
:meth:`Features.to_datasets` gives the ``datasets`` object where one is needed.
"""

from __future__ import annotations

import pyarrow as pa

from builder.stages.ner import ENTITY_TYPE
from builder.stages.stance import LABELS as STANCE_LABELS

TEASER_KINDS = ("related", "teaser")
CONFIGS = ("articles", "teasers", "ner", "stance")

WORK_SCHEMAS = {
    "articles": pa.schema([
        ("id", pa.string()), ("source", pa.string()), ("url", pa.string()), ("title", pa.string()),
        ("date", pa.string()), ("text", pa.string()), ("lang", pa.string()), ("n_words", pa.int32()),
        ("cluster_id", pa.string()), ("encoding", pa.string()), ("split", pa.string()),
    ]),
    "teasers": pa.schema([
        ("id", pa.string()), ("article_id", pa.string()), ("headline", pa.string()), ("blurb", pa.string()),
        ("section", pa.string()), ("position", pa.int32()), ("kind", pa.string()), ("split", pa.string()),
    ]),
    "ner": pa.schema([
        ("id", pa.string()), ("article_id", pa.string()), ("sentence", pa.int32()), ("text", pa.string()),
        ("tokens", pa.list_(pa.string())), ("ner_tags", pa.list_(pa.string())),
        ("entities", pa.list_(ENTITY_TYPE)), ("labeler", pa.string()), ("split", pa.string()),
    ]),
    "stance": pa.schema([
        ("id", pa.string()), ("article_id", pa.string()), ("headline", pa.string()), ("body", pa.string()),
        ("label", pa.string()), ("confidence", pa.float32()), ("pair", pa.string()), ("labeler", pa.string()),
        ("split", pa.string()),
    ]),
}


_ARROW = {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "float32": pa.float32(),
          "float64": pa.float64(), "bool": pa.bool_()}


class Value:
    """A scalar column (``datasets.Value``)."""

    def __init__(self, dtype: str):
        if dtype not in _ARROW:
            raise ValueError(f"unsupported dtype {dtype!r}: use one of {sorted(_ARROW)}")
        self.dtype = dtype

    def to_dict(self) -> dict:
        return {"dtype": self.dtype, "_type": "Value"}

    def arrow_type(self) -> pa.DataType:
        return _ARROW[self.dtype]

    def yaml(self):
        return self.dtype


class ClassLabel:
    """Label ids stored as int64 (``datasets.ClassLabel``)."""

    def __init__(self, names: list[str]):
        self.names = list(names)

    def to_dict(self) -> dict:
        return {"names": list(self.names), "_type": "ClassLabel"}

    def arrow_type(self) -> pa.DataType:
        return pa.int64()

    def yaml(self):
        return {"class_label": {"names": {str(i): n for i, n in enumerate(self.names)}}}


class List:
    """A list of a feature or of a struct given as a dict of features (``datasets.List``)."""

    def __init__(self, feature):
        self.feature = feature

    def to_dict(self) -> dict:
        return {"feature": _to_dict(self.feature), "_type": "List"}

    def arrow_type(self) -> pa.DataType:
        return pa.list_(_arrow_type(self.feature))


def _to_dict(f) -> dict:
    return {k: _to_dict(v) for k, v in f.items()} if isinstance(f, dict) else f.to_dict()


def _arrow_type(f) -> pa.DataType:
    return pa.struct([(k, _arrow_type(v)) for k, v in f.items()]) if isinstance(f, dict) else f.arrow_type()


def _yaml_entry(name: str, f) -> dict:
    if isinstance(f, List):
        inner = f.feature
        return {"name": name, "list": [_yaml_entry(k, v) for k, v in inner.items()] if isinstance(inner, dict)
                else inner.yaml()}
    if isinstance(f, dict):
        return {"name": name, "struct": [_yaml_entry(k, v) for k, v in f.items()]}
    return {"name": name, "dtype": f.yaml()}


class Features(dict):
    """Column name → feature, in column order (``datasets.Features``)."""

    def to_dict(self) -> dict:
        """The JSON form ``datasets`` embeds in files and reads back."""
        return _to_dict(self)

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([(k, _arrow_type(v)) for k, v in self.items()])

    def to_yaml_list(self) -> list[dict]:
        """The ``features`` list of a card's ``dataset_info``."""
        return [_yaml_entry(k, v) for k, v in self.items()]

    def to_datasets(self):
        """The same features as a ``datasets.Features`` (imports ``datasets``)."""
        import datasets

        return datasets.Features.from_dict(self.to_dict())


def features(config: str, ner_tag_names: list[str] | None = None) -> Features:
    """The features of a release config."""
    s = Value("string")
    if config == "articles":
        return Features({"id": s, "source": s, "url": s, "title": s, "date": s, "text": s, "lang": s,
                         "n_words": Value("int32"), "cluster_id": s, "encoding": s})
    if config == "teasers":
        return Features({"id": s, "article_id": s, "headline": s, "blurb": s, "section": s,
                         "position": Value("int32"), "kind": ClassLabel(names=list(TEASER_KINDS))})
    if config == "ner":
        if not ner_tag_names:
            raise ValueError("the ner config needs its tag names")
        return Features({
            "id": s, "article_id": s, "sentence": Value("int32"), "text": s, "tokens": List(s),
            "ner_tags": List(ClassLabel(names=list(ner_tag_names))),
            "entities": List({"start": Value("int32"), "end": Value("int32"), "label": s, "text": s}),
            "labeler": s,
        })
    if config == "stance":
        return Features({"id": s, "article_id": s, "headline": s, "body": s,
                         "label": ClassLabel(names=list(STANCE_LABELS)), "confidence": Value("float32"),
                         "pair": s, "labeler": s})
    raise ValueError(f"unknown config {config!r}")
