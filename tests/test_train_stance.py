"""``builder train stance``: training, the safe model file, and the trained labeler's figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from builder.errors import BuilderError
from builder.eval.stance import evaluate, read_fnc
from builder.stages.stance_features import Text
from builder.stages.stance_model import StanceModel, file_sha256
from builder.train import fit, holdout_split, main, predict_pairs, story_groups

FNC = Path(__file__).resolve().parent / "fixtures" / "fnc"


@pytest.fixture(scope="module")
def data():
    return (read_fnc(FNC / "train_stances.csv", FNC / "train_bodies.csv"),
            read_fnc(FNC / "test_stances.csv", FNC / "test_bodies.csv"))


@pytest.fixture(scope="module")
def trained(data, tmp_path_factory):
    """The default model, trained once through the command line."""
    out = tmp_path_factory.mktemp("model") / "fnc-fixture.json"
    rc = main(["stance", "--stances", str(FNC / "train_stances.csv"), "--bodies", str(FNC / "train_bodies.csv"),
               "--out", str(out)])
    assert rc == 0
    return out


def _proba(model, pairs, body):
    X = np.array([model.features(Text.of(p["headline"], False), Text.of(body[p["body_id"]])) for p in pairs])
    return model.predict_proba(X)


def test_trained_relative_score_on_unseen_stories(trained, data):
    # measured with the defaults (gbdt, 200 iterations): relative 0.8779, macro-F1 0.8087,
    # related/unrelated accuracy 0.9660 on the test stories (none seen in training)
    model = StanceModel.load(trained)
    (_, _), (test, body) = data
    m = evaluate([p["label"] for p in test], predict_pairs(model, test, body))
    assert m["fnc_relative"] >= 0.85
    assert m["related_accuracy"] >= 0.95
    assert m["macro_f1"] >= 0.76


def test_model_file_records_what_it_was_trained_on(trained):
    d = json.loads(trained.read_text())
    assert d["format"] == "builder.stance-model" and d["name"] == "fnc-fixture"
    assert d["meta"]["stances_sha256"] == file_sha256(FNC / "train_stances.csv")
    assert d["meta"]["bodies_sha256"] == file_sha256(FNC / "train_bodies.csv")
    assert d["meta"]["pairs"] == 882 and d["meta"]["train_metrics"]["fnc_relative"] > 0.9
    assert d["features"][:3] == ["cov_idf", "cov_lead", "cov_sent_max"]
    assert d["classifier"]["kind"] == "gbdt" and len(d["classifier"]["trees"]) == 200
    assert "importance" in d["meta"]
    assert trained.stat().st_size < 2_000_000


def test_round_trip_gives_the_same_predictions(data, tmp_path):
    (train, body), (test, tbody) = data
    for kind in ("gbdt", "logistic"):
        model = fit(train, body, name=kind, classifier=kind, iterations=30)
        before = _proba(model, test, tbody)
        path = tmp_path / f"{kind}.json"
        sha = model.save(path)
        assert sha == file_sha256(path)
        loaded = StanceModel.load(path)
        assert np.array_equal(before, _proba(loaded, test, tbody))
        assert loaded.feature_names == model.feature_names
        # the file is plain JSON: no pickle, no code
        assert path.read_bytes().lstrip().startswith(b"{")
        assert model.save(tmp_path / f"{kind}-2.json") == sha  # deterministic bytes
        again = fit(train, body, name=kind, classifier=kind, iterations=30)
        assert again.save(tmp_path / f"{kind}-3.json") == sha  # same data and settings: same model file


def test_exported_trees_reproduce_scikit_learn(data):
    from sklearn.ensemble import HistGradientBoostingClassifier

    from builder.stages.stance_model import GradientBoosting

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    X[rng.random(X.shape) < 0.05] = np.nan  # missing values take the learned side
    y = (X[:, 0] > 0).astype(int) + (np.nan_to_num(X[:, 1]) > 0.5)
    clf = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y)
    gb = GradientBoosting.from_sklearn(clf)
    assert np.allclose(gb.predict_proba(X), clf.predict_proba(X), atol=1e-9)
    yb = (X[:, 2] > 0).astype(int)
    clf2 = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, yb)
    assert np.allclose(GradientBoosting.from_sklearn(clf2).predict_proba(X), clf2.predict_proba(X), atol=1e-9)


def _tampered(tmp_path, trained, edit, fix_checksum=False):
    import hashlib

    from builder.stages.stance_model import _canonical

    d = json.loads(trained.read_text())
    edit(d)
    if fix_checksum:
        d.pop("checksum")
        d["checksum"] = hashlib.sha256(_canonical(d)).hexdigest()
    p = tmp_path / "tampered.json"
    p.write_text(json.dumps(d))
    return p


def test_tampered_or_corrupt_model_files_are_refused(trained, tmp_path):
    def bump_threshold(d):
        d["classifier"]["trees"][0][0]["threshold"][0] += 1.0

    with pytest.raises(BuilderError, match="checksum mismatch"):
        StanceModel.load(_tampered(tmp_path, trained, bump_threshold))

    # a tamperer who also fixes the checksum still cannot make the loader run code or loop:
    def cycle(d):
        t = d["classifier"]["trees"][0][0]
        t["left"][0] = 0
        t["leaf"][0] = 0

    with pytest.raises(BuilderError, match="child index out of range"):
        StanceModel.load(_tampered(tmp_path, trained, cycle, fix_checksum=True))

    def bad_feature(d):
        t = d["classifier"]["trees"][0][0]
        t["feature"][0] = 10_000

    with pytest.raises(BuilderError, match="feature index out of range"):
        StanceModel.load(_tampered(tmp_path, trained, bad_feature, fix_checksum=True))

    def object_value(d):
        d["classifier"]["baseline"] = {"__reduce__": "os.system"}

    with pytest.raises(BuilderError, match="malformed"):
        StanceModel.load(_tampered(tmp_path, trained, object_value, fix_checksum=True))

    with pytest.raises(BuilderError, match="format"):
        StanceModel.load(_tampered(tmp_path, trained, lambda d: d.update(format_version=99), fix_checksum=True))

    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(b"\x80\x04\x95cos\nsystem\n")
    with pytest.raises(BuilderError, match="not a valid model"):
        StanceModel.load(pickled)
    truncated = tmp_path / "truncated.json"
    truncated.write_text(trained.read_text()[:1000])
    with pytest.raises(BuilderError, match="not a valid model"):
        StanceModel.load(truncated)
    nan = tmp_path / "nan.json"
    nan.write_text(trained.read_text().replace('"avgdl":', '"avgdl":NaN,"x":', 1))
    with pytest.raises(BuilderError):
        StanceModel.load(nan)


def test_story_groups_and_holdout_do_not_leak(data):
    (train, _), _ = data
    groups = story_groups(train)
    tr, te = holdout_split(train, 0.3, seed=0)
    assert {groups[p["body_id"]] for p in tr}.isdisjoint({groups[p["body_id"]] for p in te})
    held_related = {p["headline"] for p in te if p["label"] != "unrelated"}
    assert not held_related & {p["headline"] for p in tr}
    assert 0.15 < len(te) / len(train) < 0.5
    # fixtures: each story's bodies share its related headlines
    assert len(set(groups.values())) == 40


def test_cli_errors(tmp_path, capsys):
    assert main([]) == 2
    assert main(["--help"]) == 0
    with pytest.raises(BuilderError, match="not found"):
        main(["stance", "--stances", str(tmp_path / "none.csv"), "--bodies", str(FNC / "train_bodies.csv"),
              "--out", str(tmp_path / "m.json")])
    bad = tmp_path / "bad.csv"
    bad.write_text("Headline,Body ID,Stance\nSomething,0,maybe\n")
    with pytest.raises(BuilderError, match="unknown stance 'maybe'"):
        main(["stance", "--stances", str(bad), "--bodies", str(FNC / "train_bodies.csv"), "--out", str(tmp_path / "m.json")])
    one = tmp_path / "one.csv"
    one.write_text("Headline,Body ID,Stance\nSomething,0,agree\n")
    with pytest.raises(BuilderError, match="at least two stance labels"):
        main(["stance", "--stances", str(one), "--bodies", str(FNC / "train_bodies.csv"), "--out", str(tmp_path / "m.json")])


def test_cli_holdout_reports_unseen_story_scores(tmp_path, capsys):
    out = tmp_path / "h.json"
    assert main(["stance", "--stances", str(FNC / "train_stances.csv"), "--bodies", str(FNC / "train_bodies.csv"),
                 "--out", str(out), "--holdout", "0.3", "--iterations", "30", "--classifier", "gbdt"]) == 0
    text = capsys.readouterr().out
    assert "hold-out scores" in text and "FNC-1 score" in text
    meta = json.loads(out.read_text())["meta"]
    assert meta["holdout"]["fraction"] == 0.3 and 0 < meta["holdout"]["fnc_relative"] <= 1
