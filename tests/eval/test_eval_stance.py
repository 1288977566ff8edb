"""``builder eval stance``: the FNC-1 scorer, the CLI on FNC-format files, and release scoring."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builder.errors import BuilderError
from builder.eval.stance import evaluate, fnc_score, main, read_fnc, score_release

FNC = Path(__file__).resolve().parents[1] / "fixtures" / "fnc"
GOLD = ["agree", "disagree", "discuss", "unrelated", "unrelated", "agree"]
PRED = ["agree", "discuss", "unrelated", "unrelated", "agree", "disagree"]


def test_fnc_score_by_hand():
    # +1.0 exact related, +0.25 related-but-wrong-class, 0, +0.25 unrelated, 0, +0.25
    score, best = fnc_score(GOLD, PRED)
    assert score == pytest.approx(1.75) and best == pytest.approx(4.5)
    # the official scorer's worked cases
    assert fnc_score(["agree"], ["agree"]) == (1.0, 1.0)
    assert fnc_score(["agree"], ["discuss"]) == (0.25, 1.0)
    assert fnc_score(["agree"], ["unrelated"]) == (0.0, 1.0)
    assert fnc_score(["unrelated"], ["unrelated"]) == (0.25, 0.25)
    assert fnc_score(["unrelated"], ["disagree"]) == (0.0, 0.25)
    # all-unrelated is the FNC-1 null baseline: 0.25 per unrelated pair
    gold = ["unrelated"] * 7 + ["discuss"] * 3
    assert fnc_score(gold, ["unrelated"] * 10) == (1.75, 4.75)


def test_evaluate_by_hand():
    m = evaluate(GOLD, PRED)
    assert m["fnc_relative"] == round(1.75 / 4.5, 4)
    assert m["accuracy"] == round(2 / 6, 4) and m["related_accuracy"] == round(4 / 6, 4)
    assert m["confusion"]["matrix"] == [[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 1]]
    assert m["per_class"]["agree"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert m["per_class"]["disagree"]["f1"] == 0.0 and m["per_class"]["unrelated"]["f1"] == 0.5
    assert m["macro_f1"] == 0.25
    # a label absent from gold and predictions is left out of the macro average
    assert evaluate(["agree", "unrelated"], ["agree", "unrelated"])["macro_f1"] == 1.0
    with pytest.raises(BuilderError, match="unknown stance label"):
        evaluate(["agree"], ["maybe"])


def test_read_fnc_checks_the_files(tmp_path):
    pairs, body = read_fnc(FNC / "test_stances.csv", FNC / "test_bodies.csv")
    assert len(pairs) == 471 and len(body) == 56 and all(p["body_id"] in body for p in pairs)
    s = tmp_path / "s.csv"
    s.write_text("Headline,Body ID,Stance\nA headline,99999,agree\n")
    with pytest.raises(BuilderError, match="Body ID '99999' is not in"):
        read_fnc(s, FNC / "test_bodies.csv")
    s.write_text("Title,Body\nx,1\n")
    with pytest.raises(BuilderError, match="lacks column"):
        read_fnc(s, FNC / "test_bodies.csv")


def test_cli_scores_the_configured_zeroshot_labeler(tmp_path, capsys):
    out = tmp_path / "pred.csv"
    assert main(["--stances", str(FNC / "test_stances.csv"), "--bodies", str(FNC / "test_bodies.csv"),
                 "--predictions", str(out)]) == 0
    text = capsys.readouterr().out
    assert "FNC-1 score" in text and "stance.zeroshot.v2" in text and "macro-F1" in text
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 471 and set(rows[0]) == {"Headline", "Body ID", "Stance", "Gold", "Confidence"}
    assert main(["--stances", str(FNC / "test_stances.csv"), "--bodies", str(FNC / "test_bodies.csv"), "--json",
                 "stance.related_threshold=0.99"]) == 0
    m = json.loads(capsys.readouterr().out)
    assert m["labeler"] == "stance.zeroshot.v2"
    assert m["confusion"]["matrix"][3][3] == 314  # nothing is related at that threshold
    # the score of the predictions file equals the score printed
    gold = [r["Gold"] for r in rows]
    assert evaluate(gold, [r["Stance"] for r in rows])["fnc_score"] > 0


def test_cli_scores_a_trained_model(tmp_path, capsys):
    from builder.train import fit

    pairs, body = read_fnc(FNC / "train_stances.csv", FNC / "train_bodies.csv")
    model = tmp_path / "m.json"
    fit(pairs, body, name="m", iterations=30).save(model)
    assert main(["--stances", str(FNC / "test_stances.csv"), "--bodies", str(FNC / "test_bodies.csv"), "--json",
                 "--predictions", str(tmp_path / "p.jsonl"), "stance=trained", f"stance.model={model}"]) == 0
    m = json.loads(capsys.readouterr().out)
    assert m["labeler"].startswith("stance.trained.v1:m@") and m["fnc_relative"] > 0.8
    lines = (tmp_path / "p.jsonl").read_text().splitlines()
    assert len(lines) == 471 and {"headline", "body_id", "label", "confidence", "gold"} <= set(json.loads(lines[0]))


def test_cli_needs_a_model_for_trained(capsys):
    with pytest.raises(BuilderError, match="stance.model"):
        main(["--stances", str(FNC / "test_stances.csv"), "--bodies", str(FNC / "test_bodies.csv"), "stance=trained"])
    with pytest.raises(BuilderError, match="no labeler"):
        main(["--stances", str(FNC / "test_stances.csv"), "--bodies", str(FNC / "test_bodies.csv"), "stance=none"])


def test_unlabelled_stances_file_only_writes_predictions(tmp_path, capsys):
    s = tmp_path / "unlabelled.csv"
    with open(FNC / "test_stances.csv", newline="") as f, open(s, "w", newline="") as g:
        w = csv.writer(g)
        for row in csv.reader(f):
            w.writerow(row[:2])
    assert main(["--stances", str(s), "--bodies", str(FNC / "test_bodies.csv"),
                 "--predictions", str(tmp_path / "sub.csv")]) == 0
    assert "no Stance column" in capsys.readouterr().out
    assert len(list(csv.DictReader((tmp_path / "sub.csv").open()))) == 471


def _release(tmp_path: Path) -> Path:
    root = tmp_path / "dist" / "news" / "0.1.0"
    (root / "stance").mkdir(parents=True)
    # labels as the release stores them: ClassLabel ids (agree, disagree, discuss, unrelated)
    tab = pa.table({"id": ["s1", "s2", "s3", "s4", "s5", "s6"], "headline": ["h"] * 6,
                    "label": pa.array([0, 1, 2, 3, 3, 0], pa.int64())})
    pq.write_table(tab, root / "stance" / "test-00000-of-00001.parquet")
    return root


def test_release_split_against_user_predictions(tmp_path, capsys):
    root = _release(tmp_path)
    preds = tmp_path / "preds.jsonl"
    # the same case as test_fnc_score_by_hand, with names and ids mixed
    preds.write_text("\n".join(json.dumps({"id": i, "label": lab}) for i, lab in
                               [("s1", "agree"), ("s2", 2), ("s3", "unrelated"), ("s4", 3), ("s5", "Agree"),
                                ("s6", "disagree")]) + "\n")
    m = score_release(root, preds)
    assert m["fnc_score"] == 1.75 and m["fnc_max"] == 4.5 and m["n"] == 6
    assert main(["--release", str(root), "--predictions-in", str(preds)]) == 0
    assert "0.3889" in capsys.readouterr().out

    preds.write_text(json.dumps({"id": "s1", "label": "agree"}) + "\n")
    with pytest.raises(BuilderError, match="no prediction for 5 of 6 test ids"):
        score_release(root, preds)
    preds.write_text(json.dumps({"id": "s1", "label": 7}) + "\n")
    with pytest.raises(BuilderError, match="out of range"):
        score_release(root, preds)
    with pytest.raises(BuilderError, match="no validation split"):
        score_release(root, preds, split="validation")


def test_cli_argument_errors():
    with pytest.raises(SystemExit):
        main([])
    with pytest.raises(SystemExit):
        main(["--release", "x"])
