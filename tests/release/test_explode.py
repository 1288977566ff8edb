"""Phase 2's explode: documents with nested lists -> one work table per release config."""

from __future__ import annotations

import re

import pyarrow as pa

from builder.ids import digest
from builder.pipeline import AUDIT_REMOVED_SCHEMA, explode
from builder.release.features import WORK_SCHEMAS
from builder.stages.ner import SENTENCE_TYPE
from builder.stages.segment import REMOVED_TYPE, TEASER_TYPE
from builder.stages.stance import STANCE_TYPE

DOCS_SCHEMA = pa.schema([
    ("id", pa.string()), ("source", pa.string()), ("title", pa.string()), ("text", pa.string()),
    ("lang", pa.string()), ("cluster_id", pa.string()), ("split", pa.string()),
    ("teasers", pa.list_(TEASER_TYPE)), ("removed", pa.list_(REMOVED_TYPE)),
    ("sentences", pa.list_(SENTENCE_TYPE)), ("ner_labeler", pa.string()),
    ("stance", pa.list_(STANCE_TYPE)), ("stance_labeler", pa.string()),
])


def _doc(i: int, teasers: int, removed: int, sentences: int, pairs: int) -> dict:
    return {
        "id": f"doc{i}", "source": f"site/{i}.txt", "title": f"Title {i}", "text": f"Body of article {i}, with words.",
        "lang": "en", "cluster_id": f"c{i}", "split": ("train", "test")[i % 2],
        "teasers": None if teasers < 0 else [
            {"headline": f"H{i}.{k}", "blurb": None, "section": "Read more", "position": k, "kind": "related"}
            for k in range(teasers)],
        "removed": [{"line": k, "start": 0, "end": 4, "reason": "boilerplate", "text": "Menu"} for k in range(removed)],
        "sentences": [{"sentence": k, "text": "Body.", "tokens": ["Body", "."], "ner_tags": ["O", "O"], "entities": []}
                      for k in range(sentences)],
        "ner_labeler": "spacy/x@1",
        "stance": [{"headline": f"S{k}", "pair": "related", "label": "discuss", "confidence": 0.5}
                   for k in range(pairs)],
        "stance_labeler": "rules@1",
    }


def _expected(rows: list[dict]) -> dict[str, list[dict]]:
    """The release rows, built one document at a time (the definition explode must keep)."""
    out = {"articles": [], "teasers": [], "_removed": [], "ner": [], "stance": []}
    for r in rows:
        aid, split = r["id"], r["split"]
        out["articles"].append({"id": aid, "source": r["source"], "url": None, "title": r["title"], "date": None,
                                "text": r["text"], "lang": r["lang"], "n_words": len(re.findall(r"\w+", r["text"])),
                                "cluster_id": r["cluster_id"], "encoding": None, "split": split})
        for tz in r["teasers"] or []:
            out["teasers"].append({"id": digest(aid, "teaser", str(tz["position"])), "article_id": aid, **tz,
                                   "split": split})
        for rm in r["removed"] or []:
            out["_removed"].append({"id": f"{aid}:{rm['line']:09d}", "split": "audit", "article_id": aid,
                                    "source": r["source"], **rm})
        for s in r["sentences"] or []:
            out["ner"].append({"id": digest(aid, "sentence", str(s["sentence"])), "article_id": aid, **s,
                               "labeler": r["ner_labeler"], "split": split})
        for s in r["stance"] or []:
            out["stance"].append({"id": digest(aid, "stance", s["pair"], s["headline"]), "article_id": aid,
                                  "headline": s["headline"], "body": r["text"], "label": s["label"],
                                  "confidence": s["confidence"], "pair": s["pair"], "labeler": r["stance_labeler"],
                                  "split": split})
    return out


def test_explode_keeps_document_then_list_order_and_ids():
    rows = [_doc(0, 2, 1, 3, 2), _doc(1, 0, 0, 1, 0), _doc(2, -1, 2, 0, 1), _doc(3, 3, 0, 2, 3)]
    tables = explode(pa.Table.from_pylist(rows, schema=DOCS_SCHEMA), with_ner=True, with_stance=True)
    want = _expected(rows)
    for name, table in tables.items():
        schema = AUDIT_REMOVED_SCHEMA if name == "_removed" else WORK_SCHEMAS[name]
        assert table.schema == schema, name
        got = table.to_pylist()
        assert [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in got] == want[name], name


def test_explode_of_no_documents_and_of_documents_without_lists():
    empty = explode(DOCS_SCHEMA.empty_table(), with_ner=True, with_stance=True)
    assert set(empty) == {"articles", "teasers", "_removed", "ner", "stance"}
    assert all(t.num_rows == 0 for t in empty.values())
    bare = pa.table({"id": ["a"], "source": ["a.txt"], "text": ["Two words"], "split": ["train"], "cluster_id": ["a"]})
    out = explode(bare, with_ner=False, with_stance=False, default_lang="de")
    assert out["articles"].to_pylist() == [{"id": "a", "source": "a.txt", "url": None, "title": None, "date": None,
                                            "text": "Two words", "lang": "de", "n_words": 2, "cluster_id": "a",
                                            "encoding": None, "split": "train"}]
    assert out["teasers"].num_rows == 0 and out["_removed"].num_rows == 0
