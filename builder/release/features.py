"""The features of each release config, as in RELEASE.md.

``WORK_SCHEMAS`` are the Arrow schemas of the per-shard work tables (labels
still as strings, plus the ``split`` column); ``features(...)`` gives the
``datasets.Features`` of the released tables, with ``ClassLabel`` columns.
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


def features(config: str, ner_tag_names: list[str] | None = None):
    """``datasets.Features`` of a release config."""
    from datasets import ClassLabel, Features, List, Value

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
