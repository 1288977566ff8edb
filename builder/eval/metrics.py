"""Scores for cleaning: article body (shingle overlap) and teaser headlines.

The body score is the one of the article-extraction-benchmark by Zyte
(https://github.com/scrapinghub/article-extraction-benchmark, ``evaluate.py``):
tokens are ``\\w+`` runs; for each page the 4-token shingles of the gold body
and the prediction are counted; tp/fp/fn come from the multiset overlap and
are normalised to sum to 1 per page (so long pages weigh no more than short
ones); precision and recall are averaged over pages and F1 is computed from
the two averages.

The teaser score compares headline strings after whitespace normalisation
(exact match otherwise), pooled over pages (micro average): a headline found
on a page without teasers is a false positive.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def tokens(text: str | None) -> list[str]:
    """``\\w+`` runs of ``text``, as the benchmark tokenises."""
    return _TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = 4) -> Counter:
    """Multiset of ``n``-token shingles (a text shorter than ``n`` tokens is one shingle, as in the benchmark)."""
    toks = tokens(text)
    return Counter(tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i : i + n])


def shingle_match(gold: str | None, pred: str | None, n: int = 4) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) of one page: the three sum to 1 (or are all 0 when both texts are empty)."""
    g, p = shingles(gold, n), shingles(pred, n)
    tp = sum((g & p).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    s = tp + fp + fn
    if s == 0:
        return 0.0, 0.0, 0.0
    return tp / s, fp / s, fn / s


def page_precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def page_recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


@dataclass
class BodyScore:
    """Body scores over pages: averaged precision and recall, F1 of the averages, and each page's figures."""

    precision: float
    recall: float
    f1: float
    n_pages: int
    pages: dict[str, dict] = field(default_factory=dict)  # id → {tp, fp, fn, precision, recall, f1}


def body_scores(gold: dict[str, str], pred: dict[str, str], n: int = 4) -> BodyScore:
    """Score predicted bodies against gold bodies, page by page (ids of ``gold``; a missing prediction is empty).

    Args:
        gold: page id → gold article body.
        pred: page id → predicted article body.
        n: shingle length (4 in the benchmark).
    """
    pages, precisions, recalls = {}, [], []
    for key in gold:
        tp, fp, fn = shingle_match(gold[key], pred.get(key, ""), n)
        p, r = page_precision(tp, fp, fn), page_recall(tp, fp, fn)
        pages[key] = {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": _f1(p, r)}
        # as in the benchmark: a page counts for precision when something was predicted or matched, for recall when gold has text
        if tp + fp > 0:
            precisions.append(p)
        if tp + fn > 0:
            recalls.append(r)
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    return BodyScore(precision=precision, recall=recall, f1=_f1(precision, recall), n_pages=len(gold), pages=pages)


def norm_headline(headline: str) -> str:
    """Whitespace-normalised headline: runs of whitespace collapsed, ends stripped."""
    return " ".join((headline or "").split())


@dataclass
class TeaserScore:
    """Teaser headline scores pooled over pages, and the pages where body text was taken for a teaser."""

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    n_pages: int
    n_pages_without_teasers: int
    false_on_pages_without_teasers: int  # headlines predicted on pages whose gold has no teaser
    pages: dict[str, dict] = field(default_factory=dict)  # id → {tp, fp, fn, missing, extra}


def teaser_scores(gold: dict[str, list[str]], pred: dict[str, list[str]]) -> TeaserScore:
    """Exact headline matches (after whitespace normalisation), as multisets per page, pooled over pages.

    Args:
        gold: page id → gold teaser headlines (an empty list: the page has no teasers).
        pred: page id → predicted teaser headlines.
    """
    TP = FP = FN = 0
    pages, n_empty, false_empty = {}, 0, 0
    for key, heads in gold.items():
        g = Counter(norm_headline(h) for h in heads if norm_headline(h))
        p = Counter(norm_headline(h) for h in pred.get(key, []) if norm_headline(h))
        tp, fp, fn = sum((g & p).values()), sum((p - g).values()), sum((g - p).values())
        TP, FP, FN = TP + tp, FP + fp, FN + fn
        if not g:
            n_empty += 1
            false_empty += fp
        pages[key] = {"tp": tp, "fp": fp, "fn": fn, "missing": sorted((g - p).elements()), "extra": sorted((p - g).elements())}
    precision = TP / (TP + FP) if TP + FP else 1.0
    recall = TP / (TP + FN) if TP + FN else 1.0
    return TeaserScore(precision=precision, recall=recall, f1=_f1(precision, recall), tp=TP, fp=FP, fn=FN,
                       n_pages=len(gold), n_pages_without_teasers=n_empty,
                       false_on_pages_without_teasers=false_empty, pages=pages)
