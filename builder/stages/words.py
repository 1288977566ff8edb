"""Words as the stages count them: ``\\w+`` runs (Python's Unicode word characters).

One definition for every stage. ``utf8_words`` gives the same words as the
regular expression without running it on most texts: splitting with a
``bytes.translate`` table is several times faster, and filter and dedup split
every body. ``word_count`` is how many words a text has (the filter's rules,
the articles' ``n_words``): the runs, except in scripts written without
spaces, where a run is a clause and characters are counted instead.
"""

from __future__ import annotations

import re

WORD_RE = re.compile(r"\w+", re.UNICODE)
#: A ``bytes.translate`` table: ASCII bytes that are not word characters ([A-Za-z0-9_]) become spaces, the bytes of
#: non-ASCII characters (all >= 0x80 in UTF-8) stay. For ASCII text
#: ``t.encode().translate(ASCII_NON_WORD_TO_SPACE).decode().split()`` is ``WORD_RE.findall(t)``.
ASCII_NON_WORD_TO_SPACE = (bytes(c if chr(c).isalnum() or c == 0x5F else 0x20 for c in range(128))
                           + bytes(range(128, 256)))
#: The punctuation of news text that is not ASCII (curly quotes, dashes, ellipsis, guillemets): no word character,
#: letter or whitespace.
TYPOGRAPHIC = "\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026\u00ab\u00bb"


def utf8_words(text: str) -> list[bytes]:
    """``WORD_RE.findall(text)``, each word encoded as UTF-8, mostly without the regex.

    Typographic punctuation becomes a space and so do ASCII non-word bytes
    (neither is ever part of a word; UTF-8 encodes non-ASCII characters with
    bytes >= 0x80 only, so no character is cut); the runs between spaces are
    the words when every character left in them is a word character, which
    one ``isalnum`` over the whole text tells. Otherwise (a symbol or an odd
    space among the words) the regex runs.
    """
    for c in TYPOGRAPHIC:
        if c in text:
            text = text.replace(c, " ")
    data = text.encode("utf-8")
    words = data.translate(ASCII_NON_WORD_TO_SPACE).split()
    if data.isascii() or b"".join(words).decode("utf-8").replace("_", "").isalnum():
        return words
    return [w.encode("utf-8") for w in WORD_RE.findall(text)]


#: Scripts written without spaces between words: Han, Hiragana and Katakana, and Thai, Lao, Myanmar and Khmer.
CJK_CHARS = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
SEA_CHARS = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
UNSPACED_RE = re.compile(f"[{CJK_CHARS}{SEA_CHARS}]")
CJK_RE = re.compile(f"[{CJK_CHARS}]")
SEA_RE = re.compile(f"[{SEA_CHARS}]")


#: First bytes of the UTF-8 encodings of those scripts' characters (U+0800-U+1FFF, U+3000-U+9FFF, U+F900-U+FFFF):
#: a text without any of them has none of those characters, which ``bytes`` tells faster than the regex.
_UNSPACED_LEAD_BYTES = tuple(bytes([b]) for b in (0xE0, 0xE1, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEF))


def has_unspaced(text: str) -> bool:
    """Does ``text`` hold a character of a script written without spaces?"""
    if text.isascii():
        return False
    data = text.encode("utf-8", "surrogatepass")
    if not any(b in data for b in _UNSPACED_LEAD_BYTES):
        return False  # the curly quotes and dashes of English news are U+2000-U+206F: lead byte 0xE2
    return UNSPACED_RE.search(text) is not None


def word_count(text: str, n_words: int | None = None) -> int:
    """Words of a text: its ``\\w+`` runs (``n_words`` when the caller has counted them), except in scripts
    written without spaces, where a run is a whole clause: there two Han or kana characters count as a word
    (Chinese words average under two characters) and four Thai, Lao, Khmer or Myanmar ones, as the segmenter
    counts them."""
    if not has_unspaced(text):
        return len(WORD_RE.findall(text)) if n_words is None else n_words
    cjk = len(CJK_RE.findall(text))
    sea = len(SEA_RE.findall(text))
    rest = len(WORD_RE.findall(UNSPACED_RE.sub(" ", text)))
    return rest + (cjk + 1) // 2 + (sea + 3) // 4


def unspaced_share(text: str, word_chars: int) -> float:
    """Share of the ``word_chars`` word characters of ``text`` that are in a script written without spaces."""
    if not word_chars or text.isascii():
        return 0.0
    return len(UNSPACED_RE.findall(text)) / word_chars
