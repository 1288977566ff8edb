import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.errors import BuilderError
from builder.stages import HashSplitter, MinHashDeduplicator, QualityFilter
from corpus import article

GOOD = ("The council met on Monday and agreed to fund the new library in the north of the city. "
        "Work on the building is due to start in the spring, and the doors should open two years later. "
        "Residents who had campaigned for a decade welcomed the decision outside the town hall.")


def test_quality_filter_reasons():
    f = QualityFilter()
    t = pa.table({"text": [GOOD, "Too short.", "", "$$$ ### %%% " * 20 + GOOD, "\n".join(["Same line here again and again."] * 10)]})
    out = f(t)
    assert out.column("reject_reason").to_pylist() == [None, "too_few_words", "no_body", "symbol_ratio", "duplicate_lines"]
    assert out.column("n_words").to_pylist()[0] == 51


def test_quality_filter_rejects_repetitive_text():
    """Gopher's repetition rules: one phrase over and over, or a passage pasted twice, is rejected with the rule
    and the measured share; an article that repeats a few phrases, as articles do, is kept."""
    passage = ("Officials said the storm would reach the coast on Friday night, bringing heavy rain and winds of up "
               "to ninety miles an hour to towns that are still rebuilding after last year's floods.")
    rest = ("Schools will close early and the ferry service has been suspended until further notice. The mayor "
            "asked residents to stay indoors and to check on elderly neighbours.")
    texts = ["Hello world. " * 30, f"{passage} {rest} {passage}", GOOD + " The council said the library would "
             "open in the north of the city. The new library will be the city's largest."]
    out = QualityFilter()(pa.table({"text": texts})).to_pylist()
    assert [r["reject_reason"] for r in out] == ["top_ngram", "duplicate_ngrams", None]
    assert "2-gram covers 0.85 of the text > filter.max_top_ngram_fraction 2: 0.2" in out[0]["reject_detail"]
    assert "repeated 5-grams cover" in out[1]["reject_detail"]
    # a long text (the hash tables grow past their first size) whose words rarely repeat is kept; with its first
    # 500 words pasted again at the end it is not, as the direct count decides
    import random

    rnd = random.Random(7)
    vocab = [a + b + c for a in "bcdfgk" for b in "aeiou" for c in "lmnprst"]
    words = [rnd.choice(vocab) for _ in range(2000)]
    long, pasted = " ".join(words), " ".join(words + words[:500])
    got = QualityFilter()(pa.table({"text": [long, pasted]})).to_pylist()
    assert len(long) > 4096 and [r["reject_reason"] for r in got] == [None, "duplicate_ngrams"]
    top, dup = [(2, 0.2), (3, 0.18), (4, 0.16)], [(n, round(0.15 - 0.01 * (n - 5), 2)) for n in range(5, 11)]
    assert _gopher_reference(*_words_total(long), top, dup) is None
    assert _gopher_reference(*_words_total(pasted), top, dup) == "duplicate_ngrams"
    # [] turns a rule off; a bad pair is refused with the setting to fix
    off = QualityFilter(max_top_ngram_fraction=[], max_duplicate_ngram_fraction=[])
    assert off(pa.table({"text": texts})).column("reject_reason").to_pylist() == [None, None, None]
    with pytest.raises(BuilderError, match=r"filter.max_top_ngram_fraction: \[2\] is not an \[n, fraction\] pair"):
        QualityFilter(max_top_ngram_fraction=[[2]])


def _words_total(text: str) -> tuple[list[bytes], int]:
    from builder.stages.words import utf8_words

    return utf8_words(text), len(text.encode("utf-8"))


def _gopher_reference(words: list[bytes], total: int, top, dup):
    """Gopher's repetition rules counted directly (as datatrove's GopherRepetitionFilter counts them)."""
    from collections import Counter

    for n, frac in top:
        grams = Counter(zip(*(words[j:] for j in range(n))))
        if not grams:
            break
        most = max(grams.values())
        if most < 2:
            break
        longest = max(sum(map(len, g)) + n - 1 for g, c in grams.items() if c == most)
        if most * longest / total > frac:
            return "top_ngram"
    for n, frac in dup:
        seen, chars, i = set(), 0, 0
        while i < len(words) - n + 1:
            g = tuple(words[i:i + n])
            if g in seen:
                chars += sum(map(len, g))
                i += n
            else:
                seen.add(g)
                i += 1
        if chars / total > frac:
            return "duplicate_ngrams"
    return None


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb", "the", "cat", "sat", "on", "mat", "über", "ß", "x9", "storm", "coast"]),
                min_size=2, max_size=120),
       st.sampled_from([(0.2, 0.18, 0.16), (0.05, 0.05, 0.05), (0.5, 0.4, 0.3)]),
       st.sampled_from([(0.15, 0.14, 0.13, 0.12, 0.11, 0.10), (0.03,) * 6, (0.5,) * 6]))
def test_repetition_bounds_decide_as_the_direct_count(vocab_words, top_fracs, dup_fracs):
    """The numpy bounds only skip work: every decision equals the direct count's, on texts from a small vocabulary
    (so repeats are everywhere) and with loose and strict limits."""
    from builder.stages.filter import repetition
    from builder.stages.words import utf8_words

    text = " ".join(vocab_words)
    words = utf8_words(text)
    total = len(text.encode("utf-8"))
    top = list(zip((2, 3, 4), top_fracs))
    dup = list(zip(range(5, 11), dup_fracs))
    got = repetition(words, total, top, dup)
    assert (got[0] if got else None) == _gopher_reference(words, total, top, dup)


def test_quality_filter_counts_words_of_scripts_without_spaces():
    """A Chinese or Thai body's \\w+ runs are whole clauses: counted so, a real article has too few words and too
    long a mean word length. Two Han characters (four Thai ones) count as a word and the mean is not measured."""
    zh = ("市政府星期一宣布，新的跨河大桥将于明年春天开工建设，预计耗资十二亿元。据市政府官员介绍，这座大桥全长约两公里，"
          "建成后将大大缩短两岸居民的通勤时间。\n许多居民多年来一直呼吁在河上修建一座更好的桥梁，他们对这一决定表示欢迎。")
    out = QualityFilter()(pa.table({"text": [zh, "短文。"]})).to_pylist()
    assert out[0]["reject_reason"] is None
    assert out[0]["n_words"] == (len([c for c in zh if "\u4e00" <= c <= "\u9fff"]) + 1) // 2
    assert out[1]["reject_reason"] == "too_few_words"
    # English is counted as before: \\w+ runs, and the mean word length still applies
    en = QualityFilter()(pa.table({"text": ["a b c d e f g h i j k l m n o p q r s t u v w x y z"]})).to_pylist()[0]
    assert en["n_words"] == 26 and en["reject_reason"] == "mean_word_length"


def test_dedup_clusters_exact_and_near_but_not_different():
    d = MinHashDeduplicator()
    a = article(1, None, boiler=False)
    texts = [a, a, a.replace("Tuesday", "Wednesday"), article(2, None, boiler=False)]
    ids = ["d", "a", "c", "b"]
    t = d(pa.table({"text": texts}))
    import numpy as np

    from builder.barrier import cluster_roots

    exact = np.array([int(h, 16) for h in t.column("exact_hash").to_pylist()], dtype=np.uint64)
    bands = np.array(t.column("bands").to_pylist(), dtype=np.uint64)
    rank = np.argsort(np.argsort(ids))
    root = cluster_roots([exact] + [bands[:, b] for b in range(bands.shape[1])], rank)
    assert [ids[r] for r in root] == ["a", "a", "a", "b"]  # cluster id = smallest member id
    sketch = np.array(t.column("sketch").to_pylist(), dtype=np.uint32)
    assert sketch.shape == (4, 64)
    checked = cluster_roots([exact] + [bands[:, b] for b in range(bands.shape[1])], rank,
                                  verify=[False] + [True] * bands.shape[1], sketch=sketch, min_similarity=0.5)
    assert [ids[r] for r in checked] == ["a", "a", "a", "b"]  # true near-duplicates pass the check


def test_band_matches_are_checked_against_the_sketch():
    """Template-made articles (similarity ~0.4) that happen to share a band stay apart."""
    import numpy as np

    from builder.barrier import cluster_roots

    rank = np.arange(3)
    band = np.array([7, 7, 7], dtype=np.uint64)  # all three share a band
    rng = np.random.default_rng(0)
    base = rng.integers(0, 2**32, 64, dtype=np.uint32)
    near = base.copy()
    near[:10] += 1  # 54/64 agree: a near-duplicate
    other = base.copy()
    other[20:60] += 1  # 24/64 agree with the first: a chance band match
    sketch = np.stack([base, near, other])
    kw = dict(verify=[True], sketch=sketch)
    assert cluster_roots([band], rank, min_similarity=0.5, **kw).tolist() == [0, 0, 2]
    assert cluster_roots([band], rank, min_similarity=0.0, **kw).tolist() == [0, 0, 0]
    # the barrier reads sketches lazily: only those of the documents that share a band value with another
    from builder.barrier import SketchRows

    asked = []
    lone = rng.integers(0, 2**32, 64, dtype=np.uint32)
    full = np.stack([base, near, other, lone])

    def lazy(docs):
        asked.append(docs.tolist())
        return SketchRows(4, docs, full[docs])

    bands4 = np.array([7, 7, 7, 9], dtype=np.uint64)
    assert cluster_roots([bands4], np.arange(4), verify=[True], sketch=lazy, min_similarity=0.5).tolist() == [0, 0, 2, 3]
    assert asked == [[0, 1, 2]]
    with pytest.raises(BuilderError, match="min_similarity"):
        MinHashDeduplicator(min_similarity=2)


def test_dedup_rejects_bad_config():
    with pytest.raises(BuilderError, match="multiple"):
        MinHashDeduplicator(num_perm=100, bands=16)


def test_split_is_stable_and_follows_ratios():
    s = HashSplitter()
    keys = [f"cluster-{i}" for i in range(4000)]
    first = [s.assign(k) for k in keys]
    assert first == [HashSplitter().assign(k) for k in keys]
    share = {name: first.count(name) / len(keys) for name in ("train", "validation", "test")}
    assert abs(share["train"] - 0.8) < 0.03 and abs(share["validation"] - 0.1) < 0.02
    assert [HashSplitter(salt="x").assign(k) for k in keys] != first
    only_test = HashSplitter(ratios={"train": 0, "validation": 0, "test": 1})
    assert {only_test.assign(k) for k in keys[:50]} == {"test"}


def test_split_rejects_bad_ratios():
    with pytest.raises(BuilderError, match="sum to 1"):
        HashSplitter(ratios={"train": 0.5, "validation": 0.1, "test": 0.1})
    with pytest.raises(BuilderError, match="unknown split"):
        HashSplitter(ratios={"train": 0.9, "dev": 0.1})


def test_numpy_minhash_equals_datasketch():
    """The stage computes datasketch's affine32 MinHash itself (no per-shingle Python, no scipy import)."""
    import numpy as np
    from datasketch import MinHash

    from builder.stages.dedup import affine32_permutations, shingle_hashes
    from builder.stages.words import utf8_words

    for num_perm, seed in ((128, 1), (64, 7)):
        a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        a2, b2 = affine32_permutations(num_perm, seed)
        assert np.array_equal(a, a2) and np.array_equal(b, b2)
        d = MinHashDeduplicator(num_perm=num_perm, bands=16, seed=seed, sketch=16)
        for i in range(5):
            words = utf8_words(article(i, None, boiler=False).lower())
            h = shingle_hashes(words, 5)
            m = MinHash(num_perm=num_perm, seed=seed, hashfunc=int, scheme="affine32")
            m.update_batch(h.tolist())
            assert np.array_equal(m.hashvalues, d.minhash(h))


# -- the word tokenizer behind dedup and filter: the regex's words, mostly without the regex ---

# ASCII, typographic punctuation, accented and other letters, digits of other scripts, symbols, odd spaces
_WORD_CHARS = ("abcXYZ019_ .,;:-'\"\n\t\x1c\x0b()&\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00ab\u00bb"
               "\u00e9\u00fc\u0144\u00df\u0130\u03c3\u05d0\u0663\u00b2\u00bd\u2167\u00a0\u2003\u0301\u20ac\u00a9")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(_WORD_CHARS)) | st.text())
def test_utf8_words_are_the_regex_words(text):
    from builder.stages.words import WORD_RE, utf8_words

    assert utf8_words(text) == [w.encode("utf-8") for w in WORD_RE.findall(text)]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(_WORD_CHARS)) | st.text())
def test_letter_tokens_are_the_regex_count(text):
    from builder.stages.filter import _LETTER_TOKEN_RE, letter_tokens

    assert letter_tokens(text) == len(_LETTER_TOKEN_RE.findall(text))


# Thai, Myanmar, Khmer, kana, Han, compatibility and half-width forms, and neighbours just outside the ranges
_UNSPACED_CHARS = "\u0e01\u1000\u1780\u3042\u30a2\u4e2d\uf900\uff76\u0900\u2fff\u3000"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(_WORD_CHARS + _UNSPACED_CHARS)) | st.text())
def test_has_unspaced_is_the_regex_search(text):
    from builder.stages.words import UNSPACED_RE, has_unspaced

    assert has_unspaced(text) == (UNSPACED_RE.search(text) is not None)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=40), st.integers(0, 5), st.booleans())
def test_barrier_reads_exact_hashes_as_int_does(values, cut, upper):
    """The barrier's exact hashes (16 hex digits) are read from Arrow's buffers at once: the same numbers as
    ``int(h, 16)``, for a chunked or sliced column; other strings go through ``int`` itself."""
    import numpy as np

    from builder.barrier import hex_u64

    hexes = [f"{v:016X}" if upper else f"{v:016x}" for v in values]
    expect = np.array(values, dtype=np.uint64)
    k = min(cut, len(hexes))
    assert (hex_u64(pa.chunked_array([pa.array(hexes[:k], pa.string()), pa.array(hexes[k:], pa.string())]))
            == expect).all()
    assert (hex_u64(pa.array(["x"] + hexes, pa.string()).slice(1)) == expect).all()
    assert hex_u64(pa.array(["ff", "0" * 15 + "1"])).tolist() == [255, 1]  # not all of 16 digits


def test_barrier_group_codes_follow_first_appearance():
    """Source groups get codes in the order they first appear, across shards, through Arrow's dictionary
    encoding (a Python step per group, not per document); a missing group is a group of its own."""
    from builder.barrier import value_codes as codes

    names: dict = {}
    first = codes(pa.chunked_array([pa.array(["b", "a"]), pa.array([None, "b", "c"])]), names)
    second = codes(pa.array(["c", "d", None]), names)
    assert first.tolist() == [0, 1, 2, 0, 3] and second.tolist() == [3, 4, 2]
    assert names == {"b": 0, "a": 1, None: 2, "c": 3, "d": 4}
    assert codes(pa.array([], pa.string()), names).tolist() == []
