"""Hand-made features of a headline/body pair, shared by both stance labelers.

In the spirit of the FNC-1 baseline (Pomerleau and Rao 2017,
https://github.com/FakeNewsChallenge/fnc-1-baseline): word overlap, refuting
words, polarity and n-gram co-occurrence, plus TF-IDF cosine, BM25, IDF-weighted
coverage of the headline by the body and by its best-matching sentences, and
cue counts (refuting, hedging, negation, confirming, quotes) in the body, in
the sentences that talk about the headline, and in the headline itself.

Everything here is plain Python with a fixed word list, so a trained model's
features do not change with a library upgrade. A change of any feature ships
under a new :data:`FEATURES_VERSION`; model files record the version they were
trained with and are refused by another.
"""

from __future__ import annotations

import functools
import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

FEATURES_VERSION = "stance.features.v1"
HASH_BUCKETS = 1 << 18

_TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_QUOTE_RE = re.compile(r"[\"“”]|(?<!\w)'|'(?!\w)")
_SENT_RE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])|\n+")

#: A fixed English stop list (function words only: negations and modal verbs are cues, not stop words).
STOP = frozenset("""
a about above after again against all am an and any are as at be because been before being below between
both but by can did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just me more most my myself now of off on
once only or other our ours ourselves out over own same she so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were what when where
which while who whom why will with you your yours yourself yourselves also s t said says say told us
one two new would
""".split())

#: FNC-1 baseline refuting words, plus debunking verbs and nouns (stemmed when matched).
REFUTING_WORDS = (
    "fake fraud hoax false deny denies denied denying nope doubt doubts bogus debunk debunked debunks "
    "prank pranks retract retracted retracts refute refutes refuted dismiss dismisses dismissed untrue myth "
    "baseless fabricated staged satirical satire rumour rumor scam phishing contradict contradicting reject "
    "rejects rejected insist insists insisted wrong misleading altered doctored photoshopped never"
).split()
HEDGING_WORDS = (
    "alleged allegedly reportedly reported report reports claim claims claimed claiming apparently purportedly "
    "purporting supposedly rumoured rumored unconfirmed unverified according may might could possibly perhaps "
    "suggest suggests suggested believed appears appear seems seem speculation speculate sources source "
    "considering expected possible likely unclear if whether"
).split()
#: hedges that distance the writer from a claim (a subset of the above, plus the hedging phrases)
STRONG_HEDGING_WORDS = (
    "alleged allegedly reportedly purportedly purporting supposedly rumoured rumored unconfirmed unverified "
    "claim claims claimed claiming apparently speculation"
).split()
CONFIRMING_WORDS = (
    "confirm confirms confirmed official officially announced announces announcement verified statement "
    "approved decided indeed"
).split()
NEGATION_WORDS = "not no never none nothing nobody neither nor cannot without isn't wasn't aren't weren't " \
                 "don't doesn't didn't won't can't couldn't hasn't haven't hadn't shouldn't wouldn't n't".split()
POSITIVE_WORDS = (
    "good great success successful win wins won welcome welcomed record best rescue rescued safe saved free "
    "help helped celebrate happy praise praised milestone survive survived healthy growth grows"
).split()
NEGATIVE_WORDS = (
    "bad fail failed failure lose lost loss death dead die died kill killed crash crashed attack attacked "
    "fear fears angry anger protest protests crisis danger dangerous injury injured hurt scandal fine fined "
    "ban banned cut cuts collapse collapsed"
).split()
REFUTING_PHRASES = re.compile(
    r"\b(?:not true|no evidence|never happened|not happen|no such|no plans?|is false|are false|was false|"
    r"were false|a hoax|is fake|was fake|fake news|not real|made up|did not|does not exist|nothing to do with|"
    r"not the case|rejected (?:the )?(?:reports?|claims?)|denied (?:the )?(?:reports?|claims?)|no truth|"
    r"ruled out|contrary to)\b"
)
HEDGING_PHRASES = re.compile(
    r"\b(?:according to|it is (?:not yet |still )?(?:unclear|not clear|not known)|not yet (?:clear|known|confirmed)|"
    r"could not be (?:independently )?(?:verified|confirmed)|has not (?:been )?(?:confirmed|verified|commented)|"
    r"neither confirm nor deny|would not (?:confirm|comment)|declined to comment|if (?:true|confirmed|genuine)|"
    r"is said to|are said to|said to be|people familiar|on condition of anonymity|sources say|unnamed sources|"
    r"has not commented|did not respond|not possible to verify|appears? to)\b"
)
CONFIRMING_PHRASES = re.compile(r"\b(?:it is official|confirmed that|announced (?:on|that)|said in a statement)\b")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, with a trailing possessive 's removed."""
    if not text:
        return []
    if _lower_per_character(text):  # the whole text lower-cased at once: one call, not one a token
        return [t.removesuffix("'s") for t in _TOKEN_RE.findall(text.lower().replace("’", "'"))]
    return [t.lower().replace("’", "'").removesuffix("'s") for t in _TOKEN_RE.findall(text)]


def _lower_per_character(text: str) -> bool:
    """Whether ``text.lower()`` lower-cases each character on its own, to one character of the same word class
    (true of every character but two, checked over all of Unicode: "İ" lower-cases to two, and "Σ" depends on
    its neighbours, final "ς" or "σ"), so the tokens of the lower-cased text are the lower-cased tokens."""
    return text.isascii() or ("Σ" not in text and "İ" not in text)


def joined_tokens(text: str) -> str:
    """``" ".join(tokens(text))``, with string methods on the joined text."""
    if text and _lower_per_character(text):
        j = " ".join(_TOKEN_RE.findall(text.lower().replace("’", "'"))).replace("'s ", " ")  # ("'s " ends a token)
        return j[:-2] if j.endswith("'s") else j
    return " ".join(tokens(text))


@functools.lru_cache(maxsize=1 << 17)
def stem(w: str) -> str:
    """A light, fixed suffix stripper (plural, -ed, -ing, -ly, final e) so word forms meet."""
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("ing") and len(w) > 5:
        w = w[:-3]
        if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
            w = w[:-1]
    elif w.endswith("ed") and len(w) > 4:
        w = w[:-2]
        if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
            w = w[:-1]
    elif w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        w = w[:-1]
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def bucket(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & (HASH_BUCKETS - 1)


def content_stems(toks: list[str]) -> list[str]:
    return [stem(t) for t in toks if t not in STOP and len(t) > 1]


_REFUTE = frozenset(stem(w) for w in REFUTING_WORDS)
_HEDGE = frozenset(stem(w) for w in HEDGING_WORDS)
_STRONG = frozenset(stem(w) for w in STRONG_HEDGING_WORDS)
_CONFIRM = frozenset(stem(w) for w in CONFIRMING_WORDS)
_NEG = frozenset(NEGATION_WORDS)
_POS = frozenset(stem(w) for w in POSITIVE_WORDS)
_NEGS = frozenset(stem(w) for w in NEGATIVE_WORDS)
#: the FNC-1 baseline's own list, for its polarity feature
_BASELINE_REFUTE = frozenset(stem(w) for w in "fake fraud hoax false deny denies not despite nope doubt doubts "
                                               "bogus debunk pranks retract".split())


def _cues(low: str, toks: list[str] | None = None, stems: list[str] | None = None) -> dict[str, float]:
    """Cue counts of a lower-cased text (``toks`` and ``stems``: its tokens and their stems, when known).
    Refuting words and negation inside a hedging phrase (``could not be verified``, ``neither confirm nor
    deny``) count as hedging only. Words are counted once each (``Counter``) and each cue list is looked up
    among the distinct words."""
    hedges = HEDGING_PHRASES.findall(low)
    rest = HEDGING_PHRASES.sub(" ", low) if hedges else low
    if toks is None:
        toks, stems = tokens(low), None
    if stems is None:
        stems = [stem(t) for t in toks]
    counts = Counter(stems)
    if hedges:
        rtoks = tokens(rest)
        rcounts, rtok_counts = Counter(map(stem, rtoks)), Counter(rtoks)
    else:
        rcounts, rtok_counts = counts, Counter(toks)
    return {
        "refute": _count(_REFUTE, rcounts) + len(REFUTING_PHRASES.findall(rest)),
        "hedge": _count(_HEDGE, counts) + len(hedges),
        "strong": _count(_STRONG, counts) + len(hedges),
        "confirm": _count(_CONFIRM, counts) + len(CONFIRMING_PHRASES.findall(low)),
        "neg": sum(c for t, c in rtok_counts.items() if t in _NEG or t.endswith("n't")),
        "pos": _count(_POS, counts),
        "negs": _count(_NEGS, counts),
    }


def _count(words: frozenset[str], counts: Counter) -> int:
    """How many of the counted words are in ``words``."""
    return sum(counts[w] for w in words.intersection(counts))


@dataclass
class Text:
    """What the features need of one text (a body or a headline), computed once.

    The n-gram sets, the stem counts and the quote count are computed when first read: the
    zero-shot labeler reads none of them (only the trained model's features do), and a body's
    character n-gram sets were a third of its cost."""

    raw: str
    toks: list[str] = field(default_factory=list)
    stems: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)
    tf: Counter = field(default_factory=Counter)
    sents: list[set[str]] = field(default_factory=list)
    sent_text: list[str] = field(default_factory=list)
    lead: set[str] = field(default_factory=set)
    cues: dict[str, float] = field(default_factory=dict)
    windows: list[set[str]] = field(default_factory=list)
    cache: dict = field(default_factory=dict, repr=False)

    @functools.cached_property
    def stem_counts(self) -> Counter:
        return Counter(self.stems)

    @functools.cached_property
    def bigrams(self) -> set[tuple[str, str]]:
        return set(zip(self.stems, self.stems[1:]))

    @functools.cached_property
    def trigrams(self) -> set[tuple[str, str, str]]:
        return set(zip(self.stems, self.stems[1:], self.stems[2:]))

    @functools.cached_property
    def _norm(self) -> str:
        return " ".join(self.stems)

    @functools.cached_property
    def chargrams(self) -> set[str]:
        norm = self._norm
        return {norm[i:i + 4] for i in range(max(len(norm) - 3, 0))}

    @functools.cached_property
    def chargrams8(self) -> set[str]:
        norm = self._norm
        return {norm[i:i + 8] for i in range(max(len(norm) - 7, 0))}

    @functools.cached_property
    def quotes(self) -> int:
        return len(_QUOTE_RE.findall(self.raw))

    @classmethod
    def of(cls, raw: str, sentences: bool = True) -> "Text":
        raw = raw or ""
        low = raw.lower().replace("’", "'")
        toks = tokens(raw)
        stems = [stem(t) for t in toks]
        t = cls(raw=raw, toks=toks, stems=stems)
        t.content = content_stems(toks)
        t.tf = Counter(t.content)
        if _lower_per_character(raw):  # (the lower case has the same tokens)
            t.cues = _cues(low, toks, stems)
        else:
            t.cues = _cues(low)
        if sentences:
            parts = [p for p in _SENT_RE.split(raw) if p and p.strip()]
            t.sent_text = parts or [raw]
            t.sents = [set(content_stems(tokens(p))) for p in t.sent_text]
            t.lead = set().union(*t.sents[:2]) if t.sents else set()
            t.windows = [a | b for a, b in zip(t.sents, t.sents[1:])] or list(t.sents)
        return t


def doc_terms(text: str) -> set[str]:
    """The terms a corpus document frequency counts (content stems of the body)."""
    return set(content_stems(tokens(text)))


@dataclass
class Weights:
    """IDF of a term and the mean body length, from a corpus or from a model's training data."""

    idf: Callable[[str], float]
    avgdl: float = 300.0


#: Feature names, in the order :func:`pair_features` returns them.
FEATURES = (
    # relatedness
    "cov_idf",           # IDF-weighted share of the headline's content terms found in the body
    "cov_lead",          # ... in the body's first two sentences
    "cov_sent_max",      # ... in the single best-matching sentence
    "cov_window_max",    # ... in the best two consecutive sentences
    "cov_count",         # unweighted share of the headline's content terms in the body
    "tfidf_cos",         # TF-IDF cosine of headline and body
    "bm25",              # BM25 of the headline as a query, over its maximum
    "jaccard",           # FNC-1 baseline word overlap (all tokens)
    "bigram_cov",        # share of the headline's word bigrams found in the body
    "trigram_cov",       # share of the headline's word trigrams found in the body
    "char4_cov",         # share of the headline's character 4-grams found in the body
    "char8_cov",         # ... 8-grams (the FNC-1 baseline counts 2-, 4-, 8- and 16-grams)
    "matched_idf",       # summed IDF of the matched headline terms (absolute evidence)
    "missing_idf_max",   # highest IDF of a headline term the body lacks
    "best_sent_pos",     # relative position of the best-matching sentence (0 = first)
    # cues in the headline
    "h_refute", "h_hedge", "h_confirm", "h_neg", "h_question", "h_sentiment",
    # cue rates in the whole body (per 100 tokens)
    "b_refute", "b_hedge", "b_strong", "b_confirm", "b_neg", "b_quotes", "b_sentiment",
    # cues in the sentences that talk about the headline (best two)
    "s_refute", "s_hedge", "s_strong", "s_confirm", "s_neg",
    # FNC-1 baseline polarity (parity of refuting words) and its mismatch
    "pol_h", "pol_b", "pol_mismatch",
    # negation of the headline vs of its best-matching sentences
    "neg_mismatch",
    # sizes
    "h_len", "b_len_log",
    # the zero-shot rules' own outputs (see rule_relatedness and rule_stance)
    "rule_related", "rule_agree", "rule_disagree", "rule_discuss",
)


def _sentiment(c: dict) -> float:
    n = c["pos"] + c["negs"]
    return 0.0 if not n else (c["pos"] - c["negs"]) / n


def _sent_cues(body: Text, idx: list[int]) -> dict[str, float]:
    """Cue counts of some of the body's sentences (each sentence's counts are computed once)."""
    per = body.cache.setdefault("sent_cues", {})
    out: dict[str, float] = {}
    for i in idx:
        c = per.get(i)
        if c is None:
            c = per[i] = _cues(body.sent_text[i].lower().replace("’", "'"))
        for k, v in c.items():
            out[k] = out.get(k, 0) + v
    return out


#: what :func:`coverage` computes
_COVERAGE = ("cov_idf", "cov_lead", "cov_sent_max", "cov_window_max", "cov_count", "matched_idf", "missing_idf_max",
             "best_sent_pos")


def coverage(head: Text, body: Text, w: Weights) -> dict[str, float]:
    """The coverage features of a pair (``cov_*``, ``best_sent_pos``, ``matched_idf``, ``missing_idf_max``)
    and ``_best_two``, the body's two sentences that cover the headline best: all the zero-shot
    labeler reads (with the cues), and the first part of :func:`relatedness`."""
    out = dict.fromkeys(_COVERAGE, 0.0)
    out["best_sent_pos"] = 1.0
    h = list(dict.fromkeys(head.content))
    if not h:
        return out
    idf = [w.idf(t) for t in h]
    total = sum(idf) or 1.0
    bset = body.tf
    matched = [t in bset for t in h]
    out["cov_idf"] = sum(v for v, m in zip(idf, matched) if m) / total
    out["cov_lead"] = sum(v for t, v in zip(h, idf) if t in body.lead) / total
    best, best_i, covs = 0.0, 0, []
    for i, s in enumerate(body.sents):
        c = sum(v for t, v in zip(h, idf) if t in s) / total
        covs.append(c)
        if c > best:
            best, best_i = c, i
    out["cov_sent_max"] = best
    win = 0.0
    for s in body.windows:
        win = max(win, sum(v for t, v in zip(h, idf) if t in s) / total)
    out["cov_window_max"] = win
    out["best_sent_pos"] = best_i / max(len(body.sents) - 1, 1)
    out["cov_count"] = sum(matched) / len(h)
    out["matched_idf"] = sum(v for v, m in zip(idf, matched) if m)
    out["missing_idf_max"] = max([v for v, m in zip(idf, matched) if not m], default=0.0)
    out["_best_two"] = sorted(range(len(covs)), key=lambda i: (-covs[i], i))[:2]
    return out


def relatedness(head: Text, body: Text, w: Weights) -> dict[str, float]:
    """The relatedness features of a pair (a subset of :func:`pair_features`): :func:`coverage`, then
    TF-IDF cosine, BM25, word overlap and n-gram coverage."""
    cov = coverage(head, body, w)
    out = dict.fromkeys(FEATURES[:FEATURES.index("h_refute")], 0.0)
    out.update(cov)
    h = list(dict.fromkeys(head.content))
    if not h:
        return out
    idf = [w.idf(t) for t in h]
    total = sum(idf) or 1.0
    # TF-IDF cosine (sublinear tf) over content terms
    hv = {t: (1 + math.log(c)) * w.idf(t) for t, c in head.tf.items()}
    dot = sum(v * (1 + math.log(body.tf[t])) * w.idf(t) for t, v in hv.items() if t in body.tf)
    if dot:
        key = ("tfidf_norm", id(w))
        bn = body.cache.get(key)
        if bn is None:
            bn = body.cache[key] = math.sqrt(sum(((1 + math.log(c)) * w.idf(t)) ** 2 for t, c in body.tf.items()))
        hn = math.sqrt(sum(v * v for v in hv.values()))
        out["tfidf_cos"] = dot / (bn * hn)
    # BM25 (k1 = 1.2, b = 0.75), normalised by the score of a body holding every term
    k1, b = 1.2, 0.75
    dl = len(body.content) or 1
    norm = k1 * (1 - b + b * dl / w.avgdl)
    score = sum(v * body.tf[t] * (k1 + 1) / (body.tf[t] + norm) for t, v in zip(h, idf) if t in body.tf)
    out["bm25"] = score / (total * (k1 + 1))
    hs, bs = set(head.stems), set(body.stems)
    out["jaccard"] = len(hs & bs) / max(len(hs | bs), 1)
    out["bigram_cov"] = len(head.bigrams & body.bigrams) / max(len(head.bigrams), 1)
    out["trigram_cov"] = len(head.trigrams & body.trigrams) / max(len(head.trigrams), 1)
    out["char4_cov"] = len(head.chargrams & body.chargrams) / max(len(head.chargrams), 1)
    out["char8_cov"] = len(head.chargrams8 & body.chargrams8) / max(len(head.chargrams8), 1)
    return out


def pair_features(head: Text, body: Text, w: Weights) -> list[float]:
    """All :data:`FEATURES` of one pair, in order."""
    f = relatedness(head, body, w)
    f.update(cue_features(head, body, f.pop("_best_two", [])))
    n = max(len(body.toks), 1) / 100.0
    f.update(h_question=float("?" in head.raw), h_sentiment=_sentiment(head.cues),
             b_quotes=body.quotes / n, b_sentiment=_sentiment(body.cues))
    ph = sum(s in _BASELINE_REFUTE for s in head.stems) % 2
    pb = sum(s in _BASELINE_REFUTE for s in body.stems) % 2
    f.update(pol_h=ph, pol_b=pb, pol_mismatch=float(ph != pb))
    f["neg_mismatch"] = float(bool(f["h_neg"] or f["h_refute"]) != bool(f["s_neg"] or f["s_refute"]))
    f["h_len"] = len(head.toks)
    f["b_len_log"] = math.log1p(len(body.toks))
    f["rule_related"] = rule_relatedness(f)
    r = rule_stance(f)
    f.update(rule_agree=r["agree"], rule_disagree=r["disagree"], rule_discuss=r["discuss"])
    return [float(f[k]) for k in FEATURES]


def cue_features(head: Text, body: Text, best_two: list[int]) -> dict[str, float]:
    """The cue counts :func:`rule_stance` reads: in the headline (``h_*``), per 100 tokens of the body
    (``b_*``) and in the body's sentences ``best_two`` (``s_*``, from :func:`coverage`)."""
    n = max(len(body.toks), 1) / 100.0
    hc, bc = head.cues, body.cues
    sc = _sent_cues(body, best_two) if best_two else dict.fromkeys(hc, 0)
    return dict(
        h_refute=hc["refute"], h_hedge=hc["hedge"], h_confirm=hc["confirm"], h_neg=hc["neg"],
        b_refute=bc["refute"] / n, b_hedge=bc["hedge"] / n, b_strong=bc["strong"] / n, b_confirm=bc["confirm"] / n,
        b_neg=bc["neg"] / n,
        s_refute=sc["refute"], s_hedge=sc["hedge"], s_strong=sc["strong"], s_confirm=sc["confirm"], s_neg=sc["neg"],
    )


def rule_relatedness(f: dict) -> float:
    """Zero-shot relatedness: the mean of the headline's IDF-weighted coverage by the body and by its
    best two-sentence window (the window keeps long bodies from matching by chance)."""
    return 0.5 * f["cov_idf"] + 0.5 * f["cov_window_max"]


def rule_stance(f: dict) -> dict[str, float]:
    """Zero-shot stance of a related pair from cue evidence: shares of agree / disagree / discuss.

    The body *denies* the claim (refuting words and phrases and negation in the
    sentences that talk about the headline, refuting words all through), *hedges*
    (strong hedges such as ``reportedly`` and ``could not be verified`` count
    more than ``may``), or *confirms* it. A headline that itself denies
    something agrees with a denying body. Discuss keeps a small prior share:
    it is the most common related label in news (FNC-1: two thirds).
    """
    head_denies = f["h_refute"] > 0 or f["h_neg"] > 0
    deny = f["s_refute"] + 0.5 * f["s_neg"] + 0.5 * min(f["b_refute"], 4.0)
    e_refute = 1.0 - math.exp(-deny / 1.5)
    hedge = 0.6 * f["s_strong"] + 0.3 * f["s_hedge"] + 0.25 * f["b_strong"] + 0.1 * f["b_hedge"]
    e_hedge = 1.0 - math.exp(-hedge / 1.5)
    e_confirm = 1.0 - math.exp(-(f["s_confirm"] + 0.3 * f["b_confirm"]) / 1.5)
    plain = (1 - e_refute) * (1 - e_hedge) * (0.6 + 0.4 * e_confirm)
    agree, disagree = (e_refute, plain) if head_denies else (plain, e_refute)
    discuss = (1 - e_refute) * e_hedge + 0.15
    total = agree + disagree + discuss
    return {"agree": agree / total, "disagree": disagree / total, "discuss": discuss / total}
