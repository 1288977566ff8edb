"""The cleaning metrics: the article-extraction-benchmark's shingle score and the teaser headline score."""

from __future__ import annotations

import pytest

from builder.eval.metrics import (
    body_scores,
    norm_headline,
    page_precision,
    page_recall,
    shingle_match,
    shingles,
    teaser_scores,
    tokens,
)


def test_tokens_are_word_runs():
    assert tokens("It's 3.5 km — über-cool!") == ["It", "s", "3", "5", "km", "über", "cool"]
    assert tokens(None) == [] and tokens("") == []


def test_shingles_of_short_and_empty_texts():
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingles("one two") == {("one", "two"): 1}  # shorter than 4 tokens: one short shingle, as in the benchmark
    assert shingles("") == {}
    assert sum(shingles("x x x x x x").values()) == 3  # a multiset


def test_shingle_match_is_normalised_per_page():
    assert shingle_match("a b c d e f", "a b c d e f") == (1.0, 0.0, 0.0)
    tp, fp, fn = shingle_match("a b c d e f", "a b c d x y z w")
    assert tp + fp + fn == pytest.approx(1.0)
    assert (tp, fp, fn) == pytest.approx((1 / 7, 4 / 7, 2 / 7))  # abcd shared; bcdx cdxy dxyz xyzw extra; bcde cdef missing
    assert shingle_match("", "") == (0.0, 0.0, 0.0)
    assert shingle_match("a b c d", "") == (0.0, 0.0, 1.0)


def test_page_precision_and_recall_edge_cases_follow_the_benchmark():
    assert page_precision(0, 0, 0) == 1.0 and page_recall(0, 0, 0) == 1.0
    assert page_precision(0, 0, 1) == 0.0 and page_recall(0, 0, 1) == 0.0
    assert page_precision(0.5, 0.5, 0) == 0.5 and page_recall(0.5, 0, 0.5) == 0.5


def test_body_scores_average_over_pages_and_f1_of_the_averages():
    gold = {"a": "one two three four five six", "b": "alpha beta gamma delta epsilon zeta eta"}
    pred = {"a": "one two three four five six", "b": "alpha beta gamma delta"}
    s = body_scores(gold, pred)
    assert s.n_pages == 2
    assert s.precision == pytest.approx(1.0)
    assert s.recall == pytest.approx((1.0 + 1 / 4) / 2)
    assert s.f1 == pytest.approx(2 * s.precision * s.recall / (s.precision + s.recall))
    assert s.pages["b"]["fn"] == pytest.approx(3 / 4)


def test_empty_prediction_counts_for_recall_not_precision():
    s = body_scores({"a": "one two three four five", "b": "six seven eight nine ten"}, {"a": "one two three four five"})
    assert s.precision == pytest.approx(1.0)  # page b predicted nothing: no precision to average
    assert s.recall == pytest.approx(0.5)


def test_teaser_scores_exact_after_whitespace_normalisation():
    gold = {"p1": ["Storm closes  coastal roads", "Mayor resigns"], "p2": [], "p3": ["Bakery wins prize"]}
    pred = {"p1": [" Storm closes coastal roads", "Mayor Resigns"], "p2": ["A body line taken for a teaser"], "p3": ["Bakery wins prize"]}
    s = teaser_scores(gold, pred)
    assert (s.tp, s.fp, s.fn) == (2, 2, 1)
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(2 / 3)
    assert s.n_pages_without_teasers == 1 and s.false_on_pages_without_teasers == 1
    assert s.pages["p1"]["missing"] == ["Mayor resigns"] and s.pages["p1"]["extra"] == ["Mayor Resigns"]
    assert norm_headline("  a \n b ") == "a b"


def test_teaser_scores_with_nothing_to_find_and_nothing_found_are_perfect():
    s = teaser_scores({"p": []}, {"p": []})
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)
