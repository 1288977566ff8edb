"""Document quality filters in the spirit of the Gopher and C4 rules.

A document that fails a rule gets ``reject_reason`` set (the rule's name);
the executor moves it to the rejections with that reason, so nothing leaves
silently. Thresholds follow Rae et al. 2021 ("Scaling Language Models:
Methods, Analysis & Insights from Training Gopher", appendix A.1) where they
apply to news bodies, relaxed for short articles.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pyarrow as pa

from builder.errors import BuilderError
from builder.stages.base import Stage, set_column
from builder.stages.words import TYPOGRAPHIC, unspaced_share, utf8_words, word_count

# a whitespace-separated token with a letter in it (a word character that is not a digit or "_");
# anchored at token starts so a long token without letters costs linear time, not quadratic
_LETTER_TOKEN_RE = re.compile(r"(?<!\S)\S*?[^\W\d_]")
# for letter_tokens: ASCII whitespace becomes a space, ASCII letters "a", the other ASCII bytes go
_ASCII_LETTER_OR_SPACE = (bytes(0x20 if chr(c).isspace() else 0x61 if chr(c).isalpha() else c for c in range(128))
                          + bytes(range(128, 256)))
_ASCII_OTHER = bytes(c for c in range(128) if not (chr(c).isspace() or chr(c).isalpha()))
_HIGH_TO_LETTER = bytes(range(128)) + b"a" * 128


#: Bodies with at least this share of their word characters in a script written without spaces have no
#: meaningful mean word length.
_UNSPACED_SHARE = 0.3


@dataclass
class QualityFilter(Stage):
    """Reject bodies that are too short, mostly symbols or repetitive.

    Args:
        min_words: fewest words in the body (``0`` disables).
        max_words: most words in the body (``0`` disables).
        min_mean_word_length: Gopher: mean word length at least 3 characters.
        max_mean_word_length: ... and at most 10.
        max_symbol_ratio: share of non-alphanumeric, non-space characters.
        max_duplicate_line_fraction: Gopher: share of lines that repeat another line.
        min_alpha_word_fraction: share of (whitespace-separated) words containing a
            letter. Gopher uses 0.8; news bodies with results tables or recipes
            go below that, so the default here is 0.5.
        max_top_ngram_fraction: ``[n, fraction]`` pairs. Gopher: the most frequent
            word n-gram (one that occurs at least twice), all its occurrences
            together, covers at most this share of the text: 0.20 for 2-grams,
            0.18 for 3-grams, 0.16 for 4-grams. ``[]`` disables.
        max_duplicate_ngram_fraction: ``[n, fraction]`` pairs. Gopher: the words in
            repeated n-grams (each counted once, left to right, from its second
            occurrence on) cover at most this share of the text: 0.15 for 5-grams
            down to 0.10 for 10-grams. ``[]`` disables.

    Shares of the text are of its UTF-8 bytes; an n-gram's length is its
    words' (with a space between them for the top n-gram, as Gopher measures).
    Words are ``\\w+`` runs, so in a script written without spaces an n-gram
    is n clauses.
    """

    name: ClassVar[str] = "filter"
    version: ClassVar[str] = "filter.gopher.v4"
    requires: ClassVar[tuple[str, ...]] = ("text",)
    assigns: ClassVar[tuple[str, ...]] = ("reject_reason", "reject_detail", "n_words")

    min_words: int = 20
    max_words: int = 100_000
    min_mean_word_length: float = 3.0
    max_mean_word_length: float = 10.0
    max_symbol_ratio: float = 0.25
    max_duplicate_line_fraction: float = 0.3
    min_alpha_word_fraction: float = 0.5
    max_top_ngram_fraction: list = field(default_factory=lambda: [[2, 0.20], [3, 0.18], [4, 0.16]])
    max_duplicate_ngram_fraction: list = field(default_factory=lambda: [[5, 0.15], [6, 0.14], [7, 0.13], [8, 0.12],
                                                                        [9, 0.11], [10, 0.10]])

    def __post_init__(self):
        self._top = _ngram_limits(self.max_top_ngram_fraction, "max_top_ngram_fraction")
        self._dup = _ngram_limits(self.max_duplicate_ngram_fraction, "max_duplicate_ngram_fraction")

    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        prev = table.column("reject_reason").to_pylist() if "reject_reason" in table.column_names else None
        prev_detail = table.column("reject_detail").to_pylist() if "reject_detail" in table.column_names else None
        reasons, details, counts = [], [], []
        for i, text in enumerate(table.column("text").to_pylist()):
            words = utf8_words(text or "")
            n = word_count(text or "", len(words))
            counts.append(n)
            if prev and prev[i]:
                reasons.append(prev[i])
                details.append(prev_detail[i] if prev_detail else "")
                continue
            reason, detail = self.reason(text or "", words, n) or (None, None)
            reasons.append(reason)
            details.append(detail)
        table = set_column(table, "n_words", counts, pa.int32())
        table = set_column(table, "reject_detail", details, pa.string())
        return set_column(table, "reject_reason", reasons, pa.string())

    def reason(self, text: str, words: list[bytes], n: int | None = None) -> tuple[str, str] | None:
        """The first rule the body fails and the measured value, or None.

        ``words`` are the body's ``\\w+`` words, UTF-8 encoded (``utf8_words``). In a script written
        without spaces (Chinese, Japanese, Thai) a ``\\w+`` run is a clause: the word count is
        :func:`~builder.stages.words.word_count`'s (``n`` when the caller has it) and the mean word length is
        not measured.
        """
        if n is None:
            n = word_count(text, len(words))
        if n == 0:
            return "no_body", "the body is empty after cleaning"
        if self.min_words and n < self.min_words:
            return "too_few_words", f"{n} words < filter.min_words={self.min_words}"
        if self.max_words and n > self.max_words:
            return "too_many_words", f"{n} words > filter.max_words={self.max_words}"
        word_chars = len(b"".join(words).decode("utf-8"))
        mean = word_chars / len(words)
        if (mean < self.min_mean_word_length or mean > self.max_mean_word_length) and \
                unspaced_share(text, word_chars) < _UNSPACED_SHARE:
            return "mean_word_length", (f"mean word length {mean:.2f} outside "
                                        f"[{self.min_mean_word_length}, {self.max_mean_word_length}]")
        # counted with C-level string methods, not per character in Python:
        # \w runs hold every alphanumeric character plus "_"
        tokens = text.split()
        nonspace = sum(map(len, tokens))
        if nonspace:
            alnum = word_chars - text.count("_")
            ratio = (nonspace - alnum) / nonspace
            if ratio > self.max_symbol_ratio:
                return "symbol_ratio", f"symbol ratio {ratio:.2f} > filter.max_symbol_ratio={self.max_symbol_ratio}"
        # Gopher counts whitespace-separated words that contain a letter
        alpha = letter_tokens(text) / max(len(tokens), 1)
        if alpha < self.min_alpha_word_fraction:
            return "alpha_words", (f"{alpha:.2f} of words have a letter < "
                                   f"filter.min_alpha_word_fraction={self.min_alpha_word_fraction}")
        lines = [ln for ln in text.split("\n") if ln.strip()]
        if len(lines) > 1:
            c = Counter(lines)
            dup = sum(v for v in c.values() if v > 1) / len(lines)
            if dup > self.max_duplicate_line_fraction:
                return "duplicate_lines", (f"{dup:.2f} of lines repeat > "
                                           f"filter.max_duplicate_line_fraction={self.max_duplicate_line_fraction}")
        if self._top or self._dup:
            return repetition(words, len(text.encode("utf-8", "surrogatepass")), self._top, self._dup)
        return None


def _ngram_limits(pairs, name: str) -> list[tuple[int, float]]:
    """``[[n, fraction], ...]`` from the config, checked, in order of n."""
    out = []
    for p in pairs or ():
        try:
            n, frac = p
            n, frac = int(n), float(frac)
        except (TypeError, ValueError):
            n, frac = 0, -1.0
        if n < 1 or not 0 <= frac <= 1:
            raise BuilderError(f"filter.{name}: {p!r} is not an [n, fraction] pair with n >= 1 and 0 <= fraction <= 1, "
                               f"e.g. filter.{name}=[[2,0.2],[3,0.18]] ([] disables the rule)")
        out.append((n, frac))
    return sorted(out)


class _Powers:
    """Powers of an odd 64-bit base and of its inverse (arithmetic wraps at 2^64), grown as texts need them.

    With ``S``, the running sum of a byte string's bytes each times ``inverse ** position``, the hash of the bytes
    ``[s, e)`` is ``(S[e] - S[s]) * base ** e``: the polynomial of those bytes alone, whatever their position, so
    equal substrings get equal hashes, all of them from one running sum."""

    BASE = 0x100000001B3

    def __init__(self):
        self.both = (np.ones(1, np.uint64), np.ones(1, np.uint64))  # one attribute: threads see both or neither

    def get(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Base and inverse powers ``0 .. n - 1`` (at least)."""
        both = self.both
        if len(both[0]) < n:
            size = max(n, 2 * len(both[0]), 4096)
            up, down = np.ones(size, np.uint64), np.ones(size, np.uint64)
            np.cumprod(np.full(size - 1, self.BASE, np.uint64), out=up[1:])
            np.cumprod(np.full(size - 1, pow(self.BASE, -1, 1 << 64), np.uint64), out=down[1:])
            self.both = both = (up, down)
        return both


_POWERS = _Powers()


def repetition(words: list[bytes], total: int, top: list[tuple[int, float]],
               dup: list[tuple[int, float]]) -> tuple[str, str] | None:
    """Gopher's repetition rules on a text of ``total`` UTF-8 bytes whose words are ``words``: the first one it
    fails (``top_ngram`` or ``duplicate_ngrams``) and the measured value, or None.

    Most news bodies are far from every limit, so the exact counts (of word tuples, in Python) run only where a
    bound says that a rule could fail. The bounds are computed with numpy on 64-bit hashes of the words and
    n-grams, all from one pass over the words joined by spaces; a hash collision can only raise a bound, never
    decide a rule.

    - Each word of an n-gram occurs at least as often as the n-gram, so no n-gram covers more than the largest
      (count of the window's rarest word) x (window's length) over the text's windows of n words.
    - Every repeated n-gram of ``n >= n0`` is made of repeated ``n0``-grams, so repeated n-grams cover no more
      than the words of the windows of ``n0`` words that repeat.
    """
    n_words = len(words)
    if n_words < 2 or not total:
        return None
    joined = b" ".join(words)  # \w+ words hold no space
    buf = np.frombuffer(joined, np.uint8)
    up, down = _POWERS.get(len(buf) + 1)
    run = np.zeros(len(buf) + 1, np.uint64)
    np.cumsum(buf * down[:len(buf)], out=run[1:])
    gaps = np.flatnonzero(buf == 32)
    starts = np.concatenate(([0], gaps + 1))
    stops = np.concatenate((gaps, [len(buf)]))

    def hashes(n: int) -> np.ndarray:  # of each window of n words, as a string with its spaces
        e = stops[n - 1:]
        return (run[e] - run[starts[:len(e)]]) * up[e]

    cnt = _counts(hashes(1))
    if cnt is None:
        return None  # no word repeats: no n-gram does
    rarest, size = cnt, 1  # the count of the rarest word of each window of ``size`` words
    for n, frac in top:
        if n_words < n:
            break
        while size < n:
            rarest = np.minimum(rarest[:-1], cnt[size:])
            size += 1
        width = stops[n - 1:] - starts[:len(rarest)]  # each window's bytes: its words and the spaces between
        if int((rarest * width).max()) <= frac * total:
            continue
        most, longest = _top_ngram(words, n)
        if most < 2:
            break  # no n-gram repeats, so no longer one does
        share = most * longest / total
        if share > frac:
            return "top_ngram", (f"the most frequent {n}-gram covers {share:.2f} of the text > "
                                 f"filter.max_top_ngram_fraction {n}: {frac:g}")
    if not dup or n_words < dup[0][0]:
        return None
    n0 = dup[0][0]
    cnt = _repeats(hashes(n0))
    if cnt is None:
        return None  # no n0-gram repeats
    # the words of the windows that repeat, each counted once
    depth = np.zeros(n_words + 1, np.int64)
    first = np.flatnonzero(cnt > 1)
    depth[first] += 1  # (the window starts are distinct, and so are their ends)
    depth[first + n0] -= 1
    bound = int((stops - starts)[np.cumsum(depth[:-1]) > 0].sum())
    for n, frac in dup:
        if bound > frac * total:
            share = _duplicate_chars(words, n) / total
            if share > frac:
                return "duplicate_ngrams", (f"repeated {n}-grams cover {share:.2f} of the text > "
                                            f"filter.max_duplicate_ngram_fraction {n}: {frac:g}")
    return None


def _repeats(keys: np.ndarray) -> np.ndarray | None:
    """How often each key occurs among ``keys``, at each key's place; None when none repeats."""
    ordered = np.sort(keys)
    new = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1  # where each distinct key begins, after the first
    if len(new) == len(keys) - 1:
        return None
    return np.diff(np.concatenate(([0], new, [len(keys)])))[np.searchsorted(ordered[new], keys, side="right")]


_PHI = np.uint64(0x9E3779B97F4A7C15)


def _counts(keys: np.ndarray) -> np.ndarray | None:
    """At each key's place, at least how often it occurs among ``keys`` (keys that share a bucket of a table
    several times their number add up: an upper bound, exact but for such collisions); None when no bucket holds
    two keys, so no key repeats."""
    bits = max(10, (8 * len(keys)).bit_length())
    # Fibonacci hashing: the top bits of key x 2^64/phi (the polynomial's own top bits are 0 for short words)
    slots = ((keys * _PHI) >> np.uint64(64 - bits)).astype(np.intp)
    table = np.bincount(slots, minlength=1 << bits)
    if int(table.max()) < 2:
        return None
    return table[slots]


def _ngrams(words: list[bytes], n: int):
    """The text's n-grams, left to right, as tuples of words."""
    return zip(*(words[j:] for j in range(n)))


def _top_ngram(words: list[bytes], n: int) -> tuple[int, int]:
    """How often the most frequent ``n``-gram occurs, and its length in bytes with the spaces between its words
    (of equally frequent ones, the longest)."""
    counts = Counter(_ngrams(words, n))
    most = max(counts.values())
    return most, max(sum(map(len, g)) for g, c in counts.items() if c == most) + n - 1


def _duplicate_chars(words: list[bytes], n: int) -> int:
    """Bytes of the words in repeated ``n``-grams, as Gopher counts them: left to right, an n-gram seen before
    counts (its words joined) and the scan jumps past it; otherwise it moves on by one word."""
    seen: set[tuple[bytes, ...]] = set()
    grams = list(_ngrams(words, n))
    out, i, m = 0, 0, len(grams)
    while i < m:
        g = grams[i]
        if g in seen:
            out += sum(map(len, g))
            i += n
        else:
            seen.add(g)
            i += 1
    return out


def letter_tokens(text: str) -> int:
    """``len(_LETTER_TOKEN_RE.findall(text))``, the whitespace-separated tokens with a letter, mostly without the regex.

    Typographic punctuation and ASCII bytes that are neither letters nor
    whitespace are dropped, ASCII whitespace becomes a space and ASCII letters
    "a". When every non-ASCII character left is alphabetic (``isalpha``: never
    a digit, "_" or whitespace), their UTF-8 bytes (all >= 0x80) become "a"
    too, and a token with a letter is a run of "a" started by a space or the
    start of the text. Otherwise (another character) the regex counts.
    """
    kept = text
    for c in TYPOGRAPHIC:
        if c in kept:
            kept = kept.replace(c, "")
    data = kept.encode("utf-8").translate(_ASCII_LETTER_OR_SPACE, _ASCII_OTHER)
    if not data.isascii():
        if not data.decode("utf-8").replace(" ", "").isalpha():
            return len(_LETTER_TOKEN_RE.findall(text))
        data = data.translate(_HIGH_TO_LETTER)
    return data.count(b" a") + data.startswith(b"a")
