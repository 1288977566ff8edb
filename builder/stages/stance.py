"""Stance examples in the FNC-1 scheme: headline/body pairs and their labels.

Pairs are made at the barrier (:class:`StancePairer`), because unrelated
pairs need headlines of *other* articles in the same split:

* ``own_headline``: the article's own title, when known;
* ``teaser``: each teaser headline found after the article's body;
* ``sampled_negative``: headlines of other stories (another near-duplicate
  cluster) in the same split, never one of the article's own headlines.

The labeler (:class:`ZeroShotStanceLabeler`) then labels each pair with no
training data: relatedness from IDF-weighted overlap between the headline
and the body (IDF over the whole corpus, from hashed document frequencies
summed at the barrier), and agree / disagree / discuss from cue words
(refuting and hedging words, negation), in the spirit of the FNC-1 baseline
features (Pomerleau and Rao 2017).
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pyarrow as pa

from builder.ids import digest
from builder.stages.base import Stage, set_column

LABELS = ("agree", "disagree", "discuss", "unrelated")
PAIR_TYPE = pa.struct([("headline", pa.string()), ("pair", pa.string())])
STANCE_TYPE = pa.struct(
    [
        ("headline", pa.string()),
        ("pair", pa.string()),
        ("label", pa.string()),
        ("confidence", pa.float32()),
    ]
)

_TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
HASH_BUCKETS = 1 << 18

#: FNC-1 baseline refuting words, plus common debunking verbs (negation alone is too common in news to count).
REFUTING = frozenset(
    "fake fraud hoax false deny denies denied denying nope doubt doubts bogus debunk debunked "
    "debunks pranks retract retracted retracts refute refutes refuted dismiss dismisses dismissed "
    "untrue myth".split()
)
HEDGING = frozenset(
    "alleged allegedly reportedly reported report reports claim claims claimed apparently purportedly "
    "supposedly rumoured rumored unconfirmed unverified according may might could possibly perhaps "
    "suggests suggest believed appears seems speculation".split()
)


def tokens(text: str) -> list[str]:
    return [t.lower().replace("’", "'").removesuffix("'s") for t in _TOKEN_RE.findall(text or "")]


def bucket(token: str) -> int:
    return zlib.crc32(token.encode("utf-8")) & (HASH_BUCKETS - 1)


def doc_frequencies(texts: list[str]) -> dict[int, int]:
    """Hashed document frequencies of a batch of bodies (sparse)."""
    df: dict[int, int] = {}
    for t in texts:
        for b in {bucket(w) for w in tokens(t)}:
            df[b] = df.get(b, 0) + 1
    return df


def _norm_headline(h: str) -> str:
    return " ".join(tokens(h))


@dataclass
class StancePairer:
    """Make the pairs of every article (runs at the barrier, on small data).

    Args:
        negative_ratio: sampled unrelated pairs per positive pair (own
            headline or teaser), rounded up; at least ``min_negatives``.
        min_negatives: unrelated pairs per article even when it has no
            headline of its own (0 to make none).
        pool_size: most headlines per split kept as the negative pool (the
            smallest hashes, so the pool is stable and memory is bounded).
        seed: changes which negatives are drawn.
    """

    negative_ratio: float = 1.0
    min_negatives: int = 1
    pool_size: int = 100_000
    seed: int = 0

    def pairs(self, articles: list[dict]) -> dict[str, list[dict]]:
        """``articles``: dicts with id, cluster_id, split, title, headlines (teasers).

        Returns ``{article_id: [{"headline", "pair"}, ...]}``.
        """
        pools: dict[str, list[tuple[str, str, str]]] = {}
        for a in articles:
            for h in ([a["title"]] if a.get("title") else []) + list(a.get("headlines") or []):
                pools.setdefault(a["split"], []).append((digest(str(self.seed), h, n=16), h, a["cluster_id"]))
        for split, pool in pools.items():
            uniq = {}
            for hsh, h, cl in sorted(pool):
                uniq.setdefault(_norm_headline(h), (hsh, h, cl))
            pools[split] = sorted(uniq.values())[: self.pool_size]

        out: dict[str, list[dict]] = {}
        for a in articles:
            own = []
            seen = set()
            if a.get("title"):
                own.append({"headline": a["title"], "pair": "own_headline"})
                seen.add(_norm_headline(a["title"]))
            for h in a.get("headlines") or []:
                k = _norm_headline(h)
                if k and k not in seen:
                    own.append({"headline": h, "pair": "teaser"})
                    seen.add(k)
            want = max(math.ceil(self.negative_ratio * len(own)), self.min_negatives)
            pool = [p for p in pools.get(a["split"], []) if p[2] != a["cluster_id"] and _norm_headline(p[1]) not in seen]
            neg = []
            if pool and want:
                # a stable pseudo-random draw without replacement
                order = sorted(range(len(pool)), key=lambda i: digest(str(self.seed), a["id"], pool[i][0], n=12))
                neg = [{"headline": pool[i][1], "pair": "sampled_negative"} for i in order[:want]]
            out[a["id"]] = own + neg
        return out


@dataclass
class ZeroShotStanceLabeler(Stage):
    """Label headline/body pairs without training data.

    Args:
        related_threshold: IDF-weighted share of the headline's content words
            found in the body above which a pair is related.
        agree_threshold: share of the headline's content words in the single
            best-matching body sentence above which a related pair agrees
            (when it is not hedged or refuted).
        min_confidence: pairs labelled with less confidence are dropped
            (``0`` keeps all).
        pairs: how pairs are made (a :class:`StancePairer`, run at the barrier).
    """

    name: ClassVar[str] = "stance"
    version: ClassVar[str] = "stance.zeroshot.v1"
    requires: ClassVar[tuple[str, ...]] = ("text", "stance_pairs")
    assigns: ClassVar[tuple[str, ...]] = ("stance", "stance_labeler")

    related_threshold: float = 0.35
    agree_threshold: float = 0.6
    min_confidence: float = 0.0
    pairs: StancePairer | None = None

    def __post_init__(self):
        if self.pairs is None:
            self.pairs = StancePairer()
        self._idf = None
        self._stop = None

    @property
    def labeler(self) -> str:
        return self.version

    def bind_corpus(self, df: np.ndarray, n_docs: int) -> None:
        """Corpus statistics from the barrier: hashed document frequencies."""
        self._idf = np.log((n_docs + 1) / (df.astype(np.float64) + 1)) + 1.0

    def _idf_of(self, w: str) -> float:
        if self._idf is None:
            return 1.0
        return float(self._idf[bucket(w)])

    def _content(self, text: str) -> list[str]:
        if self._stop is None:
            from spacy.lang.en.stop_words import STOP_WORDS

            self._stop = STOP_WORDS
        return [w for w in tokens(text) if w not in self._stop and len(w) > 1]

    def label(self, headline: str, body: str) -> tuple[str, float, float]:
        """Returns ``(label, confidence, relatedness)``."""
        h = list(dict.fromkeys(self._content(headline)))
        if not h:
            return "unrelated", 0.5, 0.0
        body_words = set(tokens(body))
        weights = [self._idf_of(w) for w in h]
        total = sum(weights)
        rel = sum(wt for w, wt in zip(h, weights) if w in body_words) / total
        thr = self.related_threshold
        if rel < thr:
            conf = 0.5 + 0.5 * (thr - rel) / thr
            return "unrelated", conf, rel
        # related: which body sentence says the most about the headline?
        best, best_sent = 0.0, ""
        for s in re.split(r"(?<=[.!?])\s+|\n", body):
            sw = set(tokens(s))
            cov = sum(wt for w, wt in zip(h, weights) if w in sw) / total
            if cov > best:
                best, best_sent = cov, s
        head_tokens = set(tokens(headline))
        sent_tokens = set(tokens(best_sent))
        body_tokens = tokens(body)
        refute_h = len(head_tokens & REFUTING)
        refute_s = len(sent_tokens & REFUTING)
        hedge_rate = sum(t in HEDGING for t in body_tokens) / max(len(body_tokens), 1)
        rel_conf = min(1.0, 0.5 + 0.5 * (rel - thr) / max(1 - thr, 1e-6))
        if refute_h != refute_s and (refute_h or refute_s):
            return "disagree", 0.5 * rel_conf + 0.1, rel
        if best >= self.agree_threshold and hedge_rate < 0.01:
            return "agree", min(rel_conf, 0.4 + 0.5 * best), rel
        return "discuss", 0.6 * rel_conf + 0.2, rel

    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        out = []
        for body, pairs in zip(table.column("text").to_pylist(), table.column("stance_pairs").to_pylist()):
            rows = []
            for p in pairs or []:
                label, conf, rel = self.label(p["headline"], body or "")
                if p["pair"] == "sampled_negative":
                    # unrelated by construction; a negative the labeler finds clearly
                    # related is ambiguous (the same story told twice) and is dropped
                    if label != "unrelated" and rel >= 2 * self.related_threshold:
                        continue
                    label, conf = "unrelated", max(conf if label == "unrelated" else 0.5, 0.5)
                if conf < self.min_confidence:
                    continue
                rows.append({"headline": p["headline"], "pair": p["pair"], "label": label, "confidence": round(conf, 4)})
            out.append(rows)
        table = set_column(table, "stance", out, pa.list_(STANCE_TYPE))
        return set_column(table, "stance_labeler", [self.labeler] * table.num_rows, pa.string())
