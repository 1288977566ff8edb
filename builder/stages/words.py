"""Words as the stages count them: ``\\w+`` runs (Python's Unicode word characters).

One definition for every stage. ``utf8_words`` gives the same words as the
regular expression without running it on most texts: splitting with a
``bytes.translate`` table is several times faster, and filter and dedup split
every body.
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
