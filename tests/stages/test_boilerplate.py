import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.stages import LearnedBoilerplate
from builder.stages.boilerplate import _body_positions, line_key, source_group
from conftest import build_release, load, require_spacy_model
from corpus import article


def test_groups():
    assert source_group("site-a/2024/x.txt", None, "folder") == "site-a/2024"
    assert source_group("news.jsonl#1", "https://www.example.com/a/b", "folder") == "example.com"
    assert source_group("x.txt", None, "corpus") == ""


def test_learns_lines_recurring_across_stories_not_duplicates():
    bp = LearnedBoilerplate(min_clusters=3, min_fraction=0.3, min_group=4)
    sign = line_key("Sign up for the Morning Brief, our daily newsletter about the city and its people.")
    story = line_key("A sentence that only one story has, published five times by the same site.")
    import numpy as np

    groups = np.array([0] * 6 + [1] * 6)
    hashes = [[sign, 1000 + i] for i in range(6)] + [[story]] * 5 + [[sign]]
    clusters = np.array(list(range(6)) + [99] * 5 + [100])  # five copies of one story share a cluster
    line_hash = np.array([h for hs in hashes for h in hs], dtype=np.uint64)
    line_doc = np.array([d for d, hs in enumerate(hashes) for _ in hs])
    learned = bp.learn_arrays(groups, clusters, line_hash, line_doc, ["a", "b"])
    assert learned == {"a": {sign}}, "five copies of one story are one story; group b has two stories"


def test_apply_removes_and_records_offsets():
    bp = LearnedBoilerplate()
    norm = "Menu\nFirst body line.\nJoin our club today for member deals.\nSecond body line."
    body = ["First body line.", "Join our club today for member deals.", "Second body line."]
    removed = [{"line": 0, "start": 0, "end": 4, "reason": "outside_body", "text": "Menu"}]
    assert _body_positions(body, removed) == [(1, 5, 21), (2, 22, 59), (3, 60, 77)]
    t = pa.table({"text": ["\n".join(body)], "group": ["g"], "removed": [removed]})
    out = bp.apply(t, {"g": {line_key("JOIN our club today for member deals.")}})
    assert out.column("text").to_pylist() == ["First body line.\nSecond body line."]
    rm = out.column("removed").to_pylist()[0]
    assert rm[1] == {"line": 2, "start": 22, "end": 59, "reason": "learned_boilerplate",
                     "text": "Join our club today for member deals."}
    assert norm[22:59] == rm[1]["text"]


@require_spacy_model()
def test_build_learns_a_sites_signoff(tmp_path):
    src = tmp_path / "site"
    src.mkdir()
    signoff = "The Harbour Gazette is supported by readers like you, and every contribution keeps our reporting free."
    for i in range(12):
        lines = article(i, None, boiler=False).rstrip("\n").split("\n")
        (src / f"a{i:02d}.txt").write_text("\n".join(lines[:3] + [signoff] + lines[3:]) + "\n", encoding="utf-8")
    s = build_release(tmp_path, src, ["ner=none", "stance=none"])
    from pathlib import Path

    import pyarrow.parquet as pq

    root = Path(s["path"])
    arts = load(root, "articles", tmp_path)
    texts = [r["text"] for part in arts.values() for r in part]
    assert len(texts) == 12 and not any(signoff in t for t in texts)
    assert all(len(t.split("\n")) == 6 for t in texts)
    learned = pq.read_table(root / "audit" / "learned_boilerplate.parquet").to_pylist()
    assert learned == [{"text": signoff, "articles": 12}]
    removed = pq.read_table(root / "audit" / "removed_lines.parquet").to_pylist()
    assert sum(r["reason"] == "learned_boilerplate" for r in removed) == 12


def test_case_folding_keeps_whitespace_where_it_is():
    """What ``_key`` relies on to fold case after fixing the spacing, for every code point."""
    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000]
    changed = [(c, f) for c, f in zip(chars, map(str.casefold, chars)) if c != f]
    assert changed and not any(c.isspace() or not f or any(x.isspace() for x in f) for c, f in changed)


def test_line_keys_ignore_case_digits_spacing_and_long_lines():
    from builder.stages.boilerplate import line_keys

    text = " Sign UP\u00a0for  the 24/7 Brief \n\n\t\nsign up for the 1/2 brief\n" + "word " * 61
    assert line_keys(text, 60) == [line_key("sign up for the 0/0 brief")] * 2


@given(st.lists(st.integers(0, 30), max_size=80), st.integers(0, 6))
@settings(max_examples=300, deadline=None)
def test_frequent_values_are_the_values_counted_often_enough(values, min_count):
    from collections import Counter

    import numpy as np

    from builder.stages.boilerplate import frequent_values

    srt = np.sort(np.array(values, dtype=np.uint64))
    got = frequent_values(srt, min_count)
    assert got.dtype == np.uint64
    assert got.tolist() == sorted(v for v, c in Counter(values).items() if c >= max(min_count, 1))
