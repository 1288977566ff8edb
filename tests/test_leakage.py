"""Several articles: every derived row is in its article's split, duplicates share a split."""

from __future__ import annotations

from collections import Counter

from conftest import build_release, load, require_spacy_model
from corpus import article, write_corpus

pytestmark = require_spacy_model()


def test_no_leakage_across_splits(tmp_path):
    src = write_corpus(tmp_path / "corpus", n=24)
    # an exact duplicate and a near duplicate (one word changed) of article 0
    (src / "dup_exact.txt").write_text(article(0, "readmore"), encoding="utf-8")
    (src / "dup_near.txt").write_text(article(0, "readmore").replace("Tuesday", "Wednesday"), encoding="utf-8")
    s = build_release(tmp_path, src)
    root = tmp_path / "dist" / s["name"] / s["version"]
    arts = load(root, "articles", tmp_path)
    split_of, cluster_of = {}, {}
    for split, ds in arts.items():
        for r in ds:
            split_of[r["id"]] = split
            cluster_of[r["id"]] = r["cluster_id"]
    assert len(split_of) == 26
    assert len(set(Counter(split_of.values()))) >= 2, "24 stories should not all land in one split"
    by_source = {r["source"]: r for ds in arts.values() for r in ds}
    c0 = by_source["article_000.txt"]["cluster_id"]
    assert by_source["dup_exact.txt"]["cluster_id"] == c0 == by_source["dup_near.txt"]["cluster_id"]
    assert len({split_of[i] for i, c in cluster_of.items() if c == c0}) == 1
    for conf in ("teasers", "ner", "stance"):
        ds = load(root, conf, tmp_path)
        n = 0
        for split, part in ds.items():
            for r in part:
                assert split_of[r["article_id"]] == split, (conf, r["id"])
                n += 1
        assert n > 0, conf
    stance = load(root, "stance", tmp_path)
    negatives = [r for part in stance.values() for r in part if r["pair"] == "sampled_negative"]
    assert negatives, "with many articles, unrelated pairs are sampled"
    teasers_of = {}
    for part in load(root, "teasers", tmp_path).values():
        for r in part:
            teasers_of.setdefault(r["article_id"], set()).add(r["headline"])
    for r in negatives:
        assert r["label"] == 3  # unrelated
        assert r["headline"] not in teasers_of.get(r["article_id"], set())
        # the negative headline comes from another story in the same split
        owners = [a for a, hs in teasers_of.items() if r["headline"] in hs]
        assert any(cluster_of[a] != cluster_of[r["article_id"]] and split_of[a] == split_of[r["article_id"]]
                   for a in owners)


def test_split_ratios_are_configurable(tmp_path):
    src = write_corpus(tmp_path / "corpus", n=8)
    s = build_release(tmp_path, src, ["split.ratios={train: 0.0, validation: 0.0, test: 1.0}", "ner=none", "stance=none"])
    root = tmp_path / "dist" / s["name"] / s["version"]
    arts = load(root, "articles", tmp_path)
    assert list(arts) == ["test"] and len(arts["test"]) == 8
    assert not (root / "ner").exists() and not (root / "stance").exists()
    import datasets

    disk = datasets.load_from_disk(str(root / "arrow" / "articles"))
    assert len(disk["train"]) == 0 and len(disk["validation"]) == 0 and len(disk["test"]) == 8


def test_stance_pairs_are_the_pairers_with_a_small_pool(tmp_path):
    """The barrier builds the negative pools shard by shard (a pool smaller than the corpus's headlines is
    pruned as it goes): the released pairs are those the pairer makes from the released articles at once."""
    from builder.stages import StancePairer

    src = write_corpus(tmp_path / "corpus", n=30)
    (src / "dup_near.txt").write_text(article(0, "readmore").replace("Tuesday", "Wednesday"), encoding="utf-8")
    s = build_release(tmp_path, src, ["ner=none", "stance.pairs.pool_size=4", "source.shard_size=7"])
    root = tmp_path / "dist" / s["name"] / s["version"]
    arts = {r["id"]: {**r, "split": split, "headlines": []}
            for split, ds in load(root, "articles", tmp_path).items() for r in ds}
    for part in load(root, "teasers", tmp_path).values():
        for r in part:
            arts[r["article_id"]]["headlines"].append(r["headline"])
    expected = StancePairer(pool_size=4).pairs(list(arts.values()))
    got = {}
    for part in load(root, "stance", tmp_path).values():
        for r in part:
            got.setdefault(r["article_id"], []).append({"headline": r["headline"], "pair": r["pair"]})
    assert got and set(got) <= set(expected)
    n_negatives = 0
    for aid, pairs in got.items():
        own = [p for p in expected[aid] if p["pair"] != "sampled_negative"]
        assert [p for p in pairs if p["pair"] != "sampled_negative"] == own
        negatives = [p for p in pairs if p["pair"] == "sampled_negative"]
        assert all(p in expected[aid] for p in negatives)  # (the labeler may drop a negative it finds related)
        n_negatives += len(negatives)
        cluster = {h for b in arts.values() if b["cluster_id"] == arts[aid]["cluster_id"]
                   for h in [b["title"], *b["headlines"]]}
        assert not {p["headline"] for p in negatives} & cluster
    assert n_negatives
