"""``builder train <what>``: train a labeler on the user's own labelled data.

``builder train stance --stances S.csv --bodies B.csv --out MODEL`` trains a
stance model on FNC-1-format data (stances: Headline, Body ID, Stance;
bodies: Body ID, articleBody): hand-made features (:mod:`builder.stages.stance_features`:
similarity, overlap, refuting and hedging cues, polarity) plus a small cue
lexicon learned from the data, and a gradient-boosted (default) or logistic
classifier. The model is written as JSON (no pickle): see
:mod:`builder.stages.stance_model`. Build with it: ``builder stance=trained
stance.model=MODEL``; score it: ``builder eval stance --stances ... --bodies ...
stance=trained stance.model=MODEL``.
"""

from __future__ import annotations

import argparse
import math
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np

from builder import __version__
from builder.errors import BuilderError

LABELS = ("agree", "disagree", "discuss", "unrelated")


# -- stories, for a leak-free hold-out ------------------------------------------------
def story_groups(pairs: list[dict]) -> dict[str, int]:
    """Body id → story: bodies joined by a related headline are one story (FNC-1 has no story ids)."""
    parent: dict[str, str] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        b = "b:" + p["body_id"]
        find(b)
        if p["label"] != "unrelated":
            ra, rb = find(b), find("h:" + p["headline"])
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    roots = sorted({find("b:" + p["body_id"]) for p in pairs})
    index = {r: i for i, r in enumerate(roots)}
    return {p["body_id"]: index[find("b:" + p["body_id"])] for p in pairs}


def holdout_split(pairs: list[dict], fraction: float, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Split pairs by story (bodies and their related headlines together), about ``fraction`` of stories held out."""
    from builder.ids import digest

    group = story_groups(pairs)
    stories = sorted(set(group.values()))
    keyed = sorted(stories, key=lambda g: digest(str(seed), str(g), n=12))
    held = set(keyed[: max(1, round(fraction * len(stories)))])
    held_heads = {p["headline"] for p in pairs if group[p["body_id"]] in held and p["label"] != "unrelated"}
    train = [p for p in pairs if group[p["body_id"]] not in held and p["headline"] not in held_heads]
    test = [p for p in pairs if group[p["body_id"]] in held]
    return train, test


# -- fitting --------------------------------------------------------------------------
def _select_lexicon(pairs, texts, key, size, groups, min_docs, min_stories) -> list[str]:
    """The ``size`` terms whose presence best tells agree / disagree / discuss apart (chi², related pairs only).

    Only terms found in at least ``min_docs`` distinct texts of at least
    ``min_stories`` stories qualify, so a story's own names are not learned.
    """
    if size <= 0:
        return []
    from sklearn.feature_selection import chi2

    related = [p for p in pairs if p["label"] != "unrelated"]
    if len({p["label"] for p in related}) < 2:
        return []
    docs: dict[str, set] = {}
    for p in related:
        docs.setdefault(p[key], set(texts[p[key]].stems))
    doc_count, story_sets = Counter(), {}
    for k, terms in docs.items():
        g = groups(k)
        for t in terms:
            if t.isalpha() and len(t) > 2:
                doc_count[t] += 1
                story_sets.setdefault(t, set()).add(g)
    cand = sorted(t for t, c in doc_count.items() if c >= min_docs and len(story_sets[t]) >= min_stories)
    if not cand:
        return []
    col = {t: j for j, t in enumerate(cand)}
    X = np.zeros((len(related), len(cand)))
    for i, p in enumerate(related):
        for t in docs[p[key]]:
            j = col.get(t)
            if j is not None:
                X[i, j] = 1.0
    scores, _ = chi2(X, [p["label"] for p in related])
    scores = np.nan_to_num(scores)
    order = sorted(range(len(cand)), key=lambda j: (-scores[j], cand[j]))
    return [cand[j] for j in order[:size] if scores[j] > 0]


def fit(pairs: list[dict], bodies: dict[str, str], *, name: str = "stance", classifier: str = "gbdt",
        iterations: int = 200, learning_rate: float = 0.1, max_leaf_nodes: int = 15, min_samples_leaf: int = 20,
        l2: float = 1.0, lexicon: int = 30, decision: str = "argmax", class_weight: str = "none",
        seed: int = 0, threads: int = 1, meta: dict | None = None, log=None):
    """Train a :class:`~builder.stages.stance_model.StanceModel` on labelled pairs.

    Args:
        pairs: ``{"headline", "body_id", "label"}`` dicts.
        bodies: body id → text.
        name: the model's name.
        classifier: ``gbdt`` (``HistGradientBoostingClassifier``) or ``logistic``.
        iterations: boosting iterations (gbdt).
        learning_rate: boosting learning rate (gbdt).
        max_leaf_nodes: leaves per tree (gbdt).
        min_samples_leaf: smallest leaf (gbdt).
        l2: L2 regularisation (gbdt); the inverse is ``C`` for logistic.
        lexicon: learned cue terms from headlines and from bodies, each (0 for none).
        decision: ``argmax`` or ``fnc`` (highest expected FNC-1 score).
        class_weight: ``none`` or ``balanced`` (each label weighs the same in training).
        seed: random seed of the classifier.
        threads: CPU threads for fitting (more than the free cores slows gradient boosting down a lot).
        meta: extra metadata for the model file.
        log: a callable for progress lines (``print``), or None.
    """
    from builder.stages.stance_features import Text
    from builder.stages.stance_model import StanceModel

    say = log or (lambda *_: None)
    t0 = time.perf_counter()
    labels = [p["label"] for p in pairs]
    classes = tuple(c for c in LABELS if c in set(labels))
    if len(classes) < 2:
        raise BuilderError(f"training data needs at least two stance labels, it has {list(classes)}")
    used = sorted({p["body_id"] for p in pairs})
    btexts = {b: Text.of(bodies[b]) for b in used}
    htexts = {}
    for p in pairs:
        if p["headline"] not in htexts:
            htexts[p["headline"]] = Text.of(p["headline"], sentences=False)
    # IDF over the training bodies and headlines (terms seen twice or more are stored)
    df = Counter()
    for t in list(btexts.values()) + list(htexts.values()):
        df.update(set(t.content))
    n_docs = len(btexts) + len(htexts)
    vocab = {t: round(math.log((n_docs + 1) / (c + 1)) + 1.0, 6) for t, c in sorted(df.items()) if c >= 2}
    default_idf = round(math.log(n_docs + 1) + 1.0, 6)
    avgdl = round(float(np.mean([len(t.content) for t in btexts.values()])), 4)
    say(f"  texts: {len(btexts)} bodies, {len(htexts)} headlines, {len(vocab)} terms ({time.perf_counter() - t0:.1f}s)")

    body_group = story_groups(pairs)
    head_group: dict[str, int] = {}
    for p in pairs:
        if p["label"] != "unrelated":
            head_group.setdefault(p["headline"], body_group[p["body_id"]])
    min_stories = 3 if len(set(body_group.values())) >= 6 else 1
    lex = {
        "head": _select_lexicon(pairs, htexts, "headline", lexicon, lambda k: head_group.get(k, -1),
                                min_docs=3, min_stories=min_stories),
        "body": _select_lexicon(pairs, btexts, "body_id", lexicon, lambda k: body_group[k],
                                min_docs=3, min_stories=min_stories),
    }
    model = StanceModel(name=name, classes=classes, vocab=vocab, default_idf=default_idf, avgdl=avgdl,
                        lexicon=lex, classifier=None, decision=decision)
    X = np.array([model.features(htexts[p["headline"]], btexts[p["body_id"]]) for p in pairs], dtype=np.float64)
    y = np.array([classes.index(lab) for lab in labels])
    say(f"  features: {X.shape[0]} pairs x {X.shape[1]} ({time.perf_counter() - t0:.1f}s)")
    sw = None
    if class_weight == "balanced":
        counts = np.bincount(y, minlength=len(classes)).astype(np.float64)
        sw = (len(y) / (len(classes) * counts))[y]
    elif class_weight != "none":
        raise BuilderError(f"unknown class weight {class_weight!r} (none or balanced)")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(max(1, threads)):
        _fit_classifier(model, X, y, sw, classifier, iterations, learning_rate, max_leaf_nodes, min_samples_leaf,
                        l2, seed)
    seconds = time.perf_counter() - t0
    say(f"  fitted {classifier} ({seconds:.1f}s)")
    pred, _ = model.decide(model.predict_proba(X))
    from builder.eval.stance import evaluate

    # no clock time in the file: the same data and settings give the same bytes (and digest)
    model.meta = {
        **(meta or {}),
        "builder_version": __version__,
        "pairs": len(pairs), "bodies": len(btexts), "label_counts": dict(Counter(labels)),
        "params": {"classifier": classifier, "iterations": iterations, "learning_rate": learning_rate,
                   "max_leaf_nodes": max_leaf_nodes, "min_samples_leaf": min_samples_leaf, "l2": l2,
                   "lexicon": lexicon, "decision": decision, "class_weight": class_weight, "seed": seed},
        "train_metrics": _short(evaluate(labels, pred)),
        "importance": dict(list(model.classifier.importance(model.feature_names).items())[:25]),
    }
    return model


def _fit_classifier(model, X, y, sw, classifier, iterations, learning_rate, max_leaf_nodes, min_samples_leaf, l2,
                    seed) -> None:
    from builder.stages.stance_model import GradientBoosting, Logistic

    if classifier == "gbdt":
        from sklearn.ensemble import HistGradientBoostingClassifier

        clf = HistGradientBoostingClassifier(max_iter=iterations, learning_rate=learning_rate,
                                             max_leaf_nodes=max_leaf_nodes, min_samples_leaf=min_samples_leaf,
                                             l2_regularization=l2, early_stopping=False, random_state=seed)
        clf.fit(X, y, sample_weight=sw)
        model.classifier = GradientBoosting.from_sklearn(clf)
    elif classifier == "logistic":
        from sklearn.linear_model import LogisticRegression

        mean = X.mean(axis=0)
        scale = X.std(axis=0)
        scale[scale == 0] = 1.0
        clf = LogisticRegression(C=1.0 / max(l2, 1e-6), max_iter=5000)
        clf.fit((X - mean) / scale, y, sample_weight=sw)
        model.classifier = Logistic(mean=mean, scale=scale, coef=clf.coef_.astype(np.float64),
                                    intercept=clf.intercept_.astype(np.float64))
    else:
        raise BuilderError(f"unknown classifier {classifier!r} (gbdt or logistic)")
    mine = model.classifier.predict_proba(X)
    theirs = clf.predict_proba(X if classifier == "gbdt" else (X - mean) / scale)
    if not np.allclose(mine, theirs, atol=1e-6):
        raise BuilderError("internal error: the exported classifier does not reproduce scikit-learn's predictions")


def _short(m: dict) -> dict:
    return {k: m[k] for k in ("n", "fnc_relative", "related_accuracy", "accuracy", "macro_f1")} | \
        {"f1": {k: v["f1"] for k, v in m["per_class"].items()}}


def predict_pairs(model, pairs: list[dict], bodies: dict[str, str]) -> list[str]:
    from builder.stages.stance_features import Text

    bt, ht = {}, {}
    X = np.array([model.features(ht.get(p["headline"]) or ht.setdefault(p["headline"], Text.of(p["headline"], False)),
                                 bt.get(p["body_id"]) or bt.setdefault(p["body_id"], Text.of(bodies[p["body_id"]])))
                  for p in pairs])
    return model.decide(model.predict_proba(X))[0]


# -- command line ---------------------------------------------------------------
def stance_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="builder train stance", description="Train a stance model on FNC-1-format data.")
    p.add_argument("--stances", required=True, help="FNC-1 stances CSV (Headline, Body ID, Stance)")
    p.add_argument("--bodies", required=True, help="FNC-1 bodies CSV (Body ID, articleBody)")
    p.add_argument("--out", required=True, help="where to write the model (JSON)")
    p.add_argument("--name", help="the model's name (default: the file name without extension)")
    p.add_argument("--classifier", choices=("gbdt", "logistic"), default="gbdt")
    p.add_argument("--iterations", type=int, default=200, help="boosting iterations (default 200)")
    p.add_argument("--learning-rate", type=float, default=0.1)
    p.add_argument("--max-leaf-nodes", type=int, default=15)
    p.add_argument("--min-samples-leaf", type=int, default=20)
    p.add_argument("--l2", type=float, default=1.0, help="L2 regularisation (gbdt), 1/C (logistic)")
    p.add_argument("--lexicon", type=int, default=30, help="learned cue terms from headlines and bodies, each")
    p.add_argument("--decision", choices=("argmax", "fnc"), default="argmax",
                   help="argmax: the most probable label; fnc: the label with the highest expected FNC-1 score")
    p.add_argument("--class-weight", choices=("none", "balanced"), default="none")
    p.add_argument("--holdout", type=float, default=0.0,
                   help="first score a model trained without this share of the stories (by story), then train on all")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="CPU threads for fitting (default 1)")
    args = p.parse_args(argv)
    if not 0.0 <= args.holdout < 1.0:
        p.error("--holdout is a share of the stories, in [0, 1)")
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", args.name or "x"):
        p.error("--name may hold letters, digits, '.', '_' and '-' only")
    from builder.eval.stance import evaluate, format_report, read_fnc, sha256_of

    pairs, bodies = read_fnc(args.stances, args.bodies)
    if not pairs:
        raise BuilderError(f"{args.stances} has no pairs to train on")
    out = Path(args.out)
    name = args.name or re.sub(r"[^A-Za-z0-9_.\-]", "_", out.stem) or "stance"
    kw = dict(classifier=args.classifier, iterations=args.iterations, learning_rate=args.learning_rate,
              max_leaf_nodes=args.max_leaf_nodes, min_samples_leaf=args.min_samples_leaf, l2=args.l2,
              lexicon=args.lexicon, decision=args.decision, class_weight=args.class_weight, seed=args.seed,
              threads=args.threads)
    meta = {"stances_file": Path(args.stances).name, "stances_sha256": sha256_of(args.stances),
            "bodies_file": Path(args.bodies).name, "bodies_sha256": sha256_of(args.bodies)}
    print(f"builder train stance: {len(pairs)} pairs, {len(bodies)} bodies, {dict(Counter(p['label'] for p in pairs))}")
    holdout = None
    if args.holdout:
        tr, te = holdout_split(pairs, args.holdout, args.seed)
        print(f"hold-out: training on {len(tr)} pairs, scoring {len(te)} pairs of unseen stories")
        m = fit(tr, bodies, name=name, log=print, **kw)
        metrics = evaluate([p["label"] for p in te], predict_pairs(m, te, bodies))
        print(format_report(metrics, "hold-out scores (stories the model did not see)"))
        holdout = _short(metrics)
    t0 = time.perf_counter()
    print(f"training on all {len(pairs)} pairs")
    model = fit(pairs, bodies, name=name, meta=meta, log=print, **kw)
    if holdout:
        model.meta["holdout"] = {"fraction": args.holdout, **holdout}
    seconds = time.perf_counter() - t0
    sha = model.save(out)
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB, sha256 {sha[:12]}); trained in {seconds:.1f}s; "
          f"training-set FNC-1 relative score {model.meta['train_metrics']['fnc_relative']:.4f}")
    print("top features: " + ", ".join(f"{k} {v:.3f}" for k, v in list(model.meta["importance"].items())[:10]))
    print(f"use it: builder stance=trained stance.model={out}")
    return 0


TRAINERS = {"stance": stance_main}


def main(argv: list[str]) -> int:
    """``builder train <what> ...``; returns an exit code."""
    p = argparse.ArgumentParser(prog="builder train", description="Train a labeler on your own labelled data.")
    p.add_argument("what", choices=sorted(TRAINERS), help="what to train")
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in TRAINERS:
        try:
            p.parse_args(argv[:1] or ["--help"])
        except SystemExit as e:
            return int(e.code or 0) if argv else 2
        return 2
    return TRAINERS[argv[0]](argv[1:])
