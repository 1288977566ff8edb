"""A trained stance model in a safe file format: plain JSON, no pickle.

A model holds what it needs to compute its features (the training corpus's
IDF for each term, the mean body length, a lexicon of cue words learned from
the training data) and a classifier stored as numbers only:

* ``gbdt``: scikit-learn's ``HistGradientBoostingClassifier``, its trees
  written as arrays (feature, threshold, children, leaf values) and evaluated
  here with numpy, so loading never runs code from the file;
* ``logistic``: a standardised multinomial logistic regression (weights).

The file carries a sha256 of its own content; a file whose content does not
match is refused, and every array is checked (types, lengths, indices in
range, children after parents) before use, so a tampered or truncated file
fails with a clear error rather than doing something unexpected.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from builder.errors import BuilderError
from builder.ids import file_sha256  # noqa: F401 - re-exported: stance_trained, eval and tests import it here
from builder.stages.stance_features import FEATURES, FEATURES_VERSION, Text, Weights, pair_features

MODEL_FORMAT = "builder.stance-model"
FORMAT_VERSION = 1
LABELS = ("agree", "disagree", "discuss", "unrelated")




def _canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


# -- classifiers as numbers ---------------------------------------------------
@dataclass
class Tree:
    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray
    value: np.ndarray
    depth: int

    def predict(self, X: np.ndarray) -> np.ndarray:
        node = np.zeros(len(X), dtype=np.int64)
        rows = np.arange(len(X))
        for _ in range(self.depth):
            inner = ~self.leaf[node]
            if not inner.any():
                break
            x = X[rows, self.feature[node]]
            go_left = np.where(np.isnan(x), self.missing_left[node], x <= self.threshold[node])
            node = np.where(inner, np.where(go_left, self.left[node], self.right[node]), node)
        return self.value[node]

    def to_json(self) -> dict:
        return {"feature": self.feature.tolist(), "threshold": self.threshold.tolist(),
                "missing_left": self.missing_left.astype(int).tolist(), "left": self.left.tolist(),
                "right": self.right.tolist(), "leaf": self.leaf.astype(int).tolist(), "value": self.value.tolist()}

    @classmethod
    def from_json(cls, d: dict, n_features: int, where: str) -> "Tree":
        try:
            n = len(d["value"])
            arrs = {k: np.asarray(d[k]) for k in ("feature", "threshold", "missing_left", "left", "right", "leaf", "value")}
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"{where}: malformed tree ({e})") from None
        if n == 0 or any(a.shape != (n,) for a in arrs.values()):
            raise ValueError(f"{where}: tree arrays of different lengths")
        for k in ("feature", "left", "right", "missing_left", "leaf"):
            if arrs[k].dtype.kind not in "iu":
                raise ValueError(f"{where}: {k} must hold integers")
        for k in ("threshold", "value"):
            if arrs[k].dtype.kind not in "fiu" or not np.all(np.isfinite(arrs[k].astype(np.float64))):
                raise ValueError(f"{where}: {k} must hold finite numbers")
        leaf = arrs["leaf"].astype(bool)
        idx = np.arange(n)
        inner = ~leaf
        f, l, r = arrs["feature"], arrs["left"], arrs["right"]
        if np.any(inner & ((f < 0) | (f >= n_features))):
            raise ValueError(f"{where}: feature index out of range")
        if np.any(inner & ((l <= idx) | (l >= n) | (r <= idx) | (r >= n))):
            raise ValueError(f"{where}: child index out of range")
        depth = _depth(l, r, leaf)
        return cls(feature=np.where(inner, f, 0).astype(np.int64), threshold=arrs["threshold"].astype(np.float64),
                   missing_left=arrs["missing_left"].astype(bool), left=l.astype(np.int64), right=r.astype(np.int64),
                   leaf=leaf, value=arrs["value"].astype(np.float64), depth=depth)


def _depth(left, right, leaf) -> int:
    d = np.zeros(len(leaf), dtype=np.int64)
    for i in range(len(leaf)):  # children come after parents, so one pass suffices
        if not leaf[i]:
            d[left[i]] = d[right[i]] = d[i] + 1
    return int(d.max()) + 1


@dataclass
class GradientBoosting:
    """Trees per iteration (one per class, or one for two classes) and a baseline."""

    baseline: np.ndarray
    trees: list[list[Tree]]

    kind = "gbdt"

    def raw(self, X: np.ndarray) -> np.ndarray:
        out = np.tile(self.baseline, (len(X), 1))
        for it in self.trees:
            for k, t in enumerate(it):
                out[:, k] += t.predict(X)
        return out

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return _probs(self.raw(X))

    def to_json(self) -> dict:
        return {"kind": self.kind, "baseline": self.baseline.tolist(), "trees": [[t.to_json() for t in it] for it in self.trees]}

    @classmethod
    def from_sklearn(cls, clf) -> "GradientBoosting":
        trees = []
        for it in clf._predictors:
            row = []
            for p in it:
                n = p.nodes
                if n["is_categorical"].any():
                    raise BuilderError("categorical splits are not supported in a stance model")
                row.append(Tree(feature=n["feature_idx"].astype(np.int64), threshold=n["num_threshold"].astype(np.float64),
                                missing_left=n["missing_go_to_left"].astype(bool), left=n["left"].astype(np.int64),
                                right=n["right"].astype(np.int64), leaf=n["is_leaf"].astype(bool),
                                value=n["value"].astype(np.float64), depth=int(n["depth"].max()) + 1))
            trees.append(row)
        return cls(baseline=np.asarray(clf._baseline_prediction, dtype=np.float64).ravel(), trees=trees)

    @classmethod
    def from_json(cls, d: dict, n_features: int, n_classes: int) -> "GradientBoosting":
        base = np.asarray(d["baseline"], dtype=np.float64)
        per = 1 if n_classes == 2 else n_classes
        if base.shape != (per,) or not np.all(np.isfinite(base)):
            raise ValueError("classifier.baseline has the wrong shape")
        trees = []
        for i, it in enumerate(d["trees"]):
            if not isinstance(it, list) or len(it) != per:
                raise ValueError(f"classifier.trees[{i}] must hold {per} trees")
            trees.append([Tree.from_json(t, n_features, f"classifier.trees[{i}][{k}]") for k, t in enumerate(it)])
        return cls(baseline=base, trees=trees)

    def importance(self, names) -> dict[str, float]:
        """Each feature's share of all splits in the trees (a cheap split-count importance)."""
        imp = np.zeros(len(names))
        for it in self.trees:
            for t in it:
                inner = ~t.leaf
                np.add.at(imp, t.feature[inner], 1.0)
        s = imp.sum() or 1.0
        return {n: round(float(v / s), 4) for n, v in sorted(zip(names, imp), key=lambda x: -x[1]) if v}


@dataclass
class Logistic:
    """Standardised multinomial logistic regression."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray

    kind = "logistic"

    def __post_init__(self):
        # one memory layout whatever made the arrays (scikit-learn's coef_ is Fortran-ordered, a loaded model's
        # is not): the matrix product's summation order depends on it (~2e-15 apart with numpy 2.4), and a
        # saved model must predict exactly what the trained one did
        for k in ("mean", "scale", "coef", "intercept"):
            setattr(self, k, np.ascontiguousarray(getattr(self, k), dtype=np.float64))

    def raw(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean) / self.scale) @ self.coef.T + self.intercept

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return _probs(self.raw(X))

    def to_json(self) -> dict:
        return {"kind": self.kind, "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept.tolist()}

    @classmethod
    def from_json(cls, d: dict, n_features: int, n_classes: int) -> "Logistic":
        arr = {k: np.asarray(d[k], dtype=np.float64) for k in ("mean", "scale", "coef", "intercept")}
        per = 1 if n_classes == 2 else n_classes
        shapes = {"mean": (n_features,), "scale": (n_features,), "coef": (per, n_features), "intercept": (per,)}
        for k, s in shapes.items():
            if arr[k].shape != s or not np.all(np.isfinite(arr[k])):
                raise ValueError(f"classifier.{k} has the wrong shape or non-finite values")
        if np.any(arr["scale"] <= 0):
            raise ValueError("classifier.scale must be positive")
        return cls(**arr)

    def importance(self, names) -> dict[str, float]:
        imp = np.abs(self.coef).sum(axis=0)
        s = imp.sum() or 1.0
        return {n: round(float(v / s), 4) for n, v in sorted(zip(names, imp), key=lambda x: -x[1])}


def _probs(raw: np.ndarray) -> np.ndarray:
    if raw.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-raw[:, 0]))
        return np.stack([1 - p, p], axis=1)
    z = raw - raw.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


# -- the model ----------------------------------------------------------------
@dataclass
class StanceModel:
    """Everything a trained labeler needs; see the module docstring for the file format.

    Args:
        name: the model's name (goes into the labeler string).
        classes: the labels the classifier predicts, in its column order.
        vocab: term → IDF from the training corpus; unseen terms get ``default_idf``.
        default_idf: IDF of a term the training corpus never had (the highest).
        avgdl: mean body length in content terms (for BM25).
        lexicon: learned cue terms: ``{"head": [...], "body": [...]}``.
        classifier: a :class:`GradientBoosting` or :class:`Logistic`.
        decision: ``argmax`` (most probable label) or ``fnc`` (the label with
            the highest expected FNC-1 score).
        meta: training data digests, settings, metrics (informational).
    """

    name: str
    classes: tuple[str, ...]
    vocab: dict[str, float]
    default_idf: float
    avgdl: float
    lexicon: dict[str, list[str]]
    classifier: GradientBoosting | Logistic
    decision: str = "argmax"
    meta: dict | None = None

    def __post_init__(self):
        self.weights = Weights(idf=lambda t: self.vocab.get(t, self.default_idf), avgdl=self.avgdl)
        self._head_lex = list(self.lexicon.get("head", []))
        self._body_lex = list(self.lexicon.get("body", []))

    @property
    def feature_names(self) -> list[str]:
        return list(FEATURES) + [f"lex_h:{t}" for t in self._head_lex] + [f"lex_b:{t}" for t in self._body_lex]

    def features(self, head: Text, body: Text) -> list[float]:
        f = pair_features(head, body, self.weights)
        hs = set(head.stems)
        f += [float(t in hs) for t in self._head_lex]
        n = max(len(body.stems), 1) / 100.0
        f += [body.stem_counts.get(t, 0) / n for t in self._body_lex]
        return f

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities over :data:`LABELS` (columns in that order)."""
        p = self.classifier.predict_proba(np.asarray(X, dtype=np.float64))
        out = np.zeros((len(p), len(LABELS)))
        for j, c in enumerate(self.classes):
            out[:, LABELS.index(c)] = p[:, j]
        return out

    def decide(self, proba: np.ndarray) -> tuple[list[str], list[float]]:
        """Labels and confidences (the probability of the chosen label)."""
        if self.decision == "fnc":
            idx = fnc_decision(proba)
        else:
            idx = proba.argmax(axis=1)
        return [LABELS[i] for i in idx], [float(proba[r, i]) for r, i in enumerate(idx)]

    # -- file format -------------------------------------------------------
    def payload(self) -> dict:
        return {
            "format": MODEL_FORMAT, "format_version": FORMAT_VERSION, "features_version": FEATURES_VERSION,
            "name": self.name, "classes": list(self.classes), "labels": list(LABELS),
            "features": self.feature_names, "decision": self.decision,
            "vectorizer": {"terms": list(self.vocab), "idf": [round(v, 6) for v in self.vocab.values()],
                           "default_idf": round(self.default_idf, 6), "avgdl": round(self.avgdl, 4)},
            "lexicon": {"head": self._head_lex, "body": self._body_lex},
            "classifier": self.classifier.to_json(),
            "meta": self.meta or {},
        }

    def save(self, path: str | Path) -> str:
        """Write the model as JSON (with its own checksum); returns the file's sha256."""
        body = self.payload()
        body["checksum"] = hashlib.sha256(_canonical(body)).hexdigest()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n", encoding="utf-8")
        tmp.replace(path)
        return file_sha256(path)

    @classmethod
    def load(cls, path: str | Path) -> "StanceModel":
        """Load and check a model file; any problem is a :class:`BuilderError` naming the file and the fix."""
        path = Path(path).expanduser()
        fix = "train one with `builder train stance --stances S.csv --bodies B.csv --out MODEL`"
        if not path.is_file():
            raise BuilderError(f"stance model file {path} not found: {fix} and pass stance.model=MODEL")
        try:
            d = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
        except (UnicodeDecodeError, ValueError) as e:
            raise BuilderError(f"stance model file {path} is not a valid model (not JSON: {e}); {fix}") from None
        if not isinstance(d, dict) or d.get("format") != MODEL_FORMAT:
            raise BuilderError(f"{path} is not a builder stance model (format {MODEL_FORMAT!r} expected); {fix}")
        if d.get("format_version") != FORMAT_VERSION or d.get("features_version") != FEATURES_VERSION:
            raise BuilderError(
                f"stance model {path} was written for format {d.get('format_version')} / {d.get('features_version')}, "
                f"this builder reads {FORMAT_VERSION} / {FEATURES_VERSION}: retrain it with `builder train stance`")
        check = d.pop("checksum", None)
        if check != hashlib.sha256(_canonical(d)).hexdigest():
            raise BuilderError(f"stance model file {path} is corrupt or was modified (checksum mismatch); "
                               f"retrain it or restore the original file")
        try:
            return cls._from_payload(d)
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise BuilderError(f"stance model file {path} is malformed ({e}); {fix}") from None

    @classmethod
    def _from_payload(cls, d: dict) -> "StanceModel":
        classes = tuple(d["classes"])
        if len(classes) < 2 or len(set(classes)) != len(classes) or not set(classes) <= set(LABELS):
            raise ValueError(f"classes must be distinct labels of {LABELS}")
        v = d["vectorizer"]
        terms, idf = v["terms"], v["idf"]
        if len(terms) != len(idf) or not all(isinstance(t, str) for t in terms):
            raise ValueError("vectorizer terms and idf differ in length")
        if not all(isinstance(x, (int, float)) and math.isfinite(x) for x in idf):
            raise ValueError("vectorizer idf must be finite numbers")
        lex = d["lexicon"]
        for k in ("head", "body"):
            if not isinstance(lex.get(k, []), list) or not all(isinstance(t, str) for t in lex.get(k, [])):
                raise ValueError(f"lexicon.{k} must be a list of strings")
        n_features = len(FEATURES) + len(lex.get("head", [])) + len(lex.get("body", []))
        if d["features"] != list(FEATURES) + [f"lex_h:{t}" for t in lex.get("head", [])] + \
                [f"lex_b:{t}" for t in lex.get("body", [])]:
            raise ValueError("feature list does not match this builder's features")
        c = d["classifier"]
        kinds = {"gbdt": GradientBoosting, "logistic": Logistic}
        if c.get("kind") not in kinds:
            raise ValueError(f"unknown classifier kind {c.get('kind')!r}")
        clf = kinds[c["kind"]].from_json(c, n_features, len(classes))
        if d.get("decision") not in ("argmax", "fnc"):
            raise ValueError("decision must be 'argmax' or 'fnc'")
        for k in ("default_idf", "avgdl"):
            if not isinstance(v[k], (int, float)) or not math.isfinite(v[k]) or v[k] <= 0:
                raise ValueError(f"vectorizer.{k} must be a positive number")
        return cls(name=str(d["name"]), classes=classes, vocab=dict(zip(terms, map(float, idf))),
                   default_idf=float(v["default_idf"]), avgdl=float(v["avgdl"]), lexicon=lex, classifier=clf,
                   decision=d["decision"], meta=d.get("meta") or {})


def _no_constant(name):
    raise ValueError(f"{name} is not allowed")


def fnc_decision(proba: np.ndarray) -> np.ndarray:
    """Per row, the label with the highest expected FNC-1 score.

    Predicting ``unrelated`` earns 0.25 when right; predicting a related label
    earns 0.25 whenever the pair is related and 0.75 more when it is that label.
    """
    rel = proba[:, :3].sum(axis=1)
    gain = np.concatenate([0.25 * rel[:, None] + 0.75 * proba[:, :3], 0.25 * proba[:, 3:4]], axis=1)
    return gain.argmax(axis=1)
