"""``builder eval stance``: score a stance labeler on FNC-1-format data, or a release's test split.

Usage::

    builder eval stance --stances S.csv --bodies B.csv [--predictions OUT.csv|OUT.jsonl]
                        [--json] [--config-dir DIR] [key=value ...]
    builder eval stance --release dist/<name>/<version> --predictions-in PREDS.jsonl [--split test] [--json]

The first form labels every (Headline, Body ID) pair of ``S.csv`` with the
labeler a build with the same overrides would use (``stance=trained
stance.model=MODEL``, ``stance.related_threshold=0.3``), with corpus
statistics from the bodies of ``B.csv``, and scores it against the file's
``Stance`` column. The second scores a user's predictions (JSON Lines,
``{"id": ..., "label": "agree"}`` or a label id) against a release's stance
split.

Scores: the FNC-1 score as the official scorer computes it
(https://github.com/FakeNewsChallenge/fnc-1/blob/master/scorer.py): +0.25
when a pair's related/unrelated call is right, and +0.75 more when a related
pair gets the right one of agree/disagree/discuss; the relative score is
that over the best possible score. Also accuracy, related/unrelated accuracy,
per-class precision/recall/F1, macro-F1 over the four classes and the
confusion matrix (rows gold, columns predicted).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

from builder.errors import BuilderError

LABELS = ("agree", "disagree", "discuss", "unrelated")
RELATED = LABELS[:3]


# -- the FNC-1 format -----------------------------------------------------------
def read_csv(path: str | Path, required: tuple[str, ...]) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise BuilderError(f"{path} not found")
    csv.field_size_limit(1 << 30)
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as f:
        reader = csv.DictReader(f)
        cols = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in required if c not in cols]
        if missing:
            raise BuilderError(f"{path} lacks column(s) {missing} (FNC-1 format: stances have Headline, Body ID, "
                               f"Stance; bodies have Body ID, articleBody); it has {cols}")
        return [{(k or "").strip(): v for k, v in row.items()} for row in reader]


def read_fnc(stances: str | Path, bodies: str | Path, labelled: bool = True) -> tuple[list[dict], dict[str, str]]:
    """Pairs (``headline``, ``body_id``, ``label`` or None) and ``{body_id: text}`` from FNC-1 CSV files."""
    brows = read_csv(bodies, ("Body ID", "articleBody"))
    body = {r["Body ID"].strip(): r["articleBody"] or "" for r in brows}
    srows = read_csv(stances, ("Headline", "Body ID") + (("Stance",) if labelled else ()))
    pairs = []
    for i, r in enumerate(srows, start=2):
        bid = (r["Body ID"] or "").strip()
        if bid not in body:
            raise BuilderError(f"{stances}, line {i}: Body ID {bid!r} is not in {bodies}")
        lab = (r.get("Stance") or "").strip().lower() or None
        if lab is not None and lab not in LABELS:
            raise BuilderError(f"{stances}, line {i}: unknown stance {r.get('Stance')!r} (expected one of {LABELS})")
        if labelled and lab is None:
            raise BuilderError(f"{stances}, line {i}: empty Stance")
        pairs.append({"headline": r["Headline"] or "", "body_id": bid, "label": lab})
    return pairs, body


def sha256_of(path: str | Path) -> str:
    from builder.stages.stance_model import file_sha256

    return file_sha256(path)


# -- scores ---------------------------------------------------------------------
def fnc_score(gold: list[str], pred: list[str]) -> tuple[float, float]:
    """(score, best possible score) as the official FNC-1 scorer computes them."""
    score = best = 0.0
    for g, p in zip(gold, pred, strict=True):
        if g == p:
            score += 0.25
            if g != "unrelated":
                score += 0.50
        if g in RELATED and p in RELATED:
            score += 0.25
        best += 0.25 if g == "unrelated" else 1.0
    return score, best


def confusion(gold: list[str], pred: list[str]) -> list[list[int]]:
    m = [[0] * len(LABELS) for _ in LABELS]
    for g, p in zip(gold, pred, strict=True):
        m[LABELS.index(g)][LABELS.index(p)] += 1
    return m


def evaluate(gold: list[str], pred: list[str]) -> dict:
    """All stance scores of ``pred`` against ``gold`` (label names).

    Macro-F1 averages the F1 of the four labels; a label absent from both gold
    and predictions is left out of the average (its F1 is undefined).
    """
    for lab in set(gold) | set(pred):
        if lab not in LABELS:
            raise BuilderError(f"unknown stance label {lab!r} (expected one of {LABELS})")
    n = len(gold)
    score, best = fnc_score(gold, pred)
    m = confusion(gold, pred)
    per, f1s = {}, []
    for i, lab in enumerate(LABELS):
        tp = m[i][i]
        support = sum(m[i])
        predicted = sum(row[i] for row in m)
        p = tp / predicted if predicted else 0.0
        r = tp / support if support else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        per[lab] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "support": support}
        if support or predicted:
            f1s.append(f1)
    rel_ok = sum((g == "unrelated") == (p == "unrelated") for g, p in zip(gold, pred))
    return {
        "n": n,
        "fnc_score": round(score, 4),
        "fnc_max": round(best, 4),
        "fnc_relative": round(score / best, 4) if best else 0.0,
        "accuracy": round(sum(g == p for g, p in zip(gold, pred)) / n, 4) if n else 0.0,
        "related_accuracy": round(rel_ok / n, 4) if n else 0.0,
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        "per_class": per,
        "confusion": {"labels": list(LABELS), "matrix": m},
    }


def format_report(metrics: dict, title: str) -> str:
    lines = [title,
             f"  FNC-1 score        {metrics['fnc_score']:.2f} / {metrics['fnc_max']:.2f} = "
             f"{metrics['fnc_relative']:.4f} (relative)",
             f"  related/unrelated  accuracy {metrics['related_accuracy']:.4f}",
             f"  four classes       accuracy {metrics['accuracy']:.4f}, macro-F1 {metrics['macro_f1']:.4f}",
             "", f"  {'label':<10} {'precision':>9} {'recall':>7} {'F1':>7} {'support':>8}"]
    for lab, v in metrics["per_class"].items():
        lines.append(f"  {lab:<10} {v['precision']:>9.4f} {v['recall']:>7.4f} {v['f1']:>7.4f} {v['support']:>8}")
    lines += ["", "  confusion (rows gold, columns predicted)",
              "  " + " " * 10 + "".join(f"{lab[:9]:>10}" for lab in LABELS)]
    for lab, row in zip(LABELS, metrics["confusion"]["matrix"]):
        lines.append(f"  {lab:<10}" + "".join(f"{v:>10}" for v in row))
    return "\n".join(lines)


# -- the configured labeler -------------------------------------------------------
def configured_labeler(overrides: list[str], config_dir: str | None = None):
    """The stance stage a build with these overrides would use."""
    from omegaconf import OmegaConf
    from omegaconf.errors import MissingMandatoryValue

    from builder.cli import compose_config
    from builder.pipeline import instantiate_stage

    cfg = compose_config(overrides, config_dir=config_dir)
    try:
        node = OmegaConf.to_container(cfg.get("stance"), resolve=True, throw_on_missing=True)
    except MissingMandatoryValue as e:
        key = getattr(e, "full_key", None) or "stance.model"
        raise BuilderError(f"missing config value {key}: set it on the command line, e.g. {key}=...") from None
    from hydra.errors import InstantiationException

    try:
        stage = instantiate_stage(node)
    except InstantiationException as e:
        cause = e.__cause__ or e
        if isinstance(cause, BuilderError):
            raise cause from None
        raise BuilderError(f"invalid stance config: {str(e).splitlines()[0]} ({cause})") from None
    if stage is None or not hasattr(stage, "predict"):
        raise BuilderError("the configured stance stage has no labeler to score (stance=none?): "
                           "use stance=zeroshot or stance=trained stance.model=MODEL")
    return stage


def bind_bodies(stage, bodies: list[str]) -> None:
    """Give the labeler the corpus statistics a build would: document frequencies of the bodies."""
    import numpy as np

    from builder.stages.stance import HASH_BUCKETS, doc_frequencies

    df = np.zeros(HASH_BUCKETS, dtype=np.int64)
    for b, c in doc_frequencies(bodies).items():
        df[b] = c
    stage.bind_corpus(df, len(bodies))


def label_pairs(stage, pairs: list[dict], body: dict[str, str]) -> tuple[list[str], list[float]]:
    bind_bodies(stage, list(body.values()))
    return stage.predict([p["headline"] for p in pairs], [body[p["body_id"]] for p in pairs])


def write_predictions(path: str | Path, pairs: list[dict], labels: list[str], conf: list[float]) -> None:
    """CSV (FNC-1 submission columns plus Gold and Confidence) or, for ``.jsonl``, JSON Lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        with open(path, "w", encoding="utf-8") as f:
            for p, lab, c in zip(pairs, labels, conf):
                f.write(json.dumps({"headline": p["headline"], "body_id": p["body_id"], "label": lab,
                                    "confidence": round(c, 4), "gold": p["label"]}, ensure_ascii=False) + "\n")
        return
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Headline", "Body ID", "Stance", "Gold", "Confidence"])
        for p, lab, c in zip(pairs, labels, conf):
            w.writerow([p["headline"], p["body_id"], lab, p["label"] or "", f"{c:.4f}"])


# -- a release's split against a user's predictions -----------------------------
def read_release_split(root: str | Path, split: str) -> list[dict]:
    import pyarrow.parquet as pq

    root = Path(root)
    files = sorted((root / "stance").glob(f"{split}-*.parquet"))
    if not (root / "stance").is_dir():
        raise BuilderError(f"{root} has no stance config (is it a release folder, dist/<name>/<version>?)")
    if not files:
        raise BuilderError(f"{root}/stance has no {split} split files ({split}-*.parquet); "
                           "empty splits have no file: pick another with --split")
    rows = []
    for f in files:
        rows += pq.read_table(f, columns=["id", "label"]).to_pylist()
    return rows


def _label_name(v, where: str) -> str:
    if isinstance(v, bool):
        raise BuilderError(f"{where}: label {v!r} is neither a label name nor an id")
    if isinstance(v, int):
        if 0 <= v < len(LABELS):
            return LABELS[v]
        raise BuilderError(f"{where}: label id {v} out of range 0..{len(LABELS) - 1}")
    if isinstance(v, str) and v.strip().lower() in LABELS:
        return v.strip().lower()
    raise BuilderError(f"{where}: unknown label {v!r} (expected one of {LABELS} or 0..3)")


def read_predictions(path: str | Path) -> dict[str, str]:
    path = Path(path)
    if not path.is_file():
        raise BuilderError(f"predictions file {path} not found")
    out = {}
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                key, lab = str(rec["id"]), rec["label"]
            except (ValueError, KeyError, TypeError):
                raise BuilderError(f"{path}, line {i}: expected a JSON object with 'id' and 'label'") from None
            if key in out:
                raise BuilderError(f"{path}, line {i}: a second prediction for id {key}")
            out[key] = _label_name(lab, f"{path}, line {i}")
    return out


def score_release(root: str | Path, predictions: str | Path, split: str = "test") -> dict:
    rows = read_release_split(root, split)
    pred = read_predictions(predictions)
    gold = {r["id"]: _label_name(r["label"], f"{root} row {r['id']}") for r in rows}
    missing = [k for k in gold if k not in pred]
    extra = [k for k in pred if k not in gold]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"no prediction for {len(missing)} of {len(gold)} {split} ids (e.g. {missing[0]})")
        if extra:
            parts.append(f"{len(extra)} id(s) not in the {split} split (e.g. {extra[0]})")
        raise BuilderError(f"{predictions}: " + "; ".join(parts))
    ids = sorted(gold)
    return evaluate([gold[k] for k in ids], [pred[k] for k in ids])


# -- command line ---------------------------------------------------------------
def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="builder eval stance", description=__doc__.split("\n")[0],
                                epilog="Overrides after the options configure the labeler, as for a build: "
                                       "stance=trained stance.model=MODEL")
    p.add_argument("--stances", help="FNC-1 stances CSV (Headline, Body ID, Stance)")
    p.add_argument("--bodies", help="FNC-1 bodies CSV (Body ID, articleBody)")
    p.add_argument("--predictions", help="write the labeler's predictions here (.csv, or .jsonl)")
    p.add_argument("--release", help="a release folder (dist/<name>/<version>) whose stance split to score")
    p.add_argument("--predictions-in", help="JSON Lines predictions {id, label} to score against --release")
    p.add_argument("--split", default="test", help="the release split to score (default: test)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.add_argument("--config-dir", help="an extra config folder (like a build's --config-dir)")
    p.add_argument("overrides", nargs="*", help="Hydra overrides, as for a build (key=value)")
    args = p.parse_args(argv)
    if args.release or args.predictions_in:
        if not (args.release and args.predictions_in):
            p.error("--release and --predictions-in go together")
        if args.stances or args.bodies or args.overrides:
            p.error("--release scores a predictions file: --stances, --bodies and overrides do not apply")
    elif not (args.stances and args.bodies):
        p.error("give --stances and --bodies (FNC-1 CSV files), or --release and --predictions-in")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.release:
        metrics = score_release(args.release, args.predictions_in, args.split)
        title = f"builder eval stance: {args.predictions_in} against {args.release} ({args.split}, {metrics['n']} pairs)"
        print(json.dumps(metrics, indent=1) if args.json else format_report(metrics, title))
        return 0
    stage = configured_labeler(args.overrides, args.config_dir)
    header = read_csv(args.stances, ("Headline", "Body ID"))
    labelled = bool(header) and "Stance" in header[0]
    pairs, body = read_fnc(args.stances, args.bodies, labelled=labelled)
    t0 = time.perf_counter()
    labels, conf = label_pairs(stage, pairs, body)
    seconds = time.perf_counter() - t0
    if args.predictions:
        write_predictions(args.predictions, pairs, labels, conf)
    if not labelled:
        print(f"{args.stances} has no Stance column: wrote {len(pairs)} predictions"
              + (f" to {args.predictions}" if args.predictions else " (give --predictions OUT to keep them)"))
        return 0
    metrics = evaluate([p["label"] for p in pairs], labels)
    metrics.update(labeler=stage.labeler, seconds=round(seconds, 2))
    if args.json:
        print(json.dumps(metrics, indent=1))
    else:
        print(format_report(metrics, f"builder eval stance: {len(pairs)} pairs, {len(body)} bodies, "
                                     f"labeler {stage.labeler} ({seconds:.1f}s)"))
        if args.predictions:
            print(f"predictions: {args.predictions}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
