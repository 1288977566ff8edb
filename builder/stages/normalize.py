"""Unicode and whitespace repair that keeps the line structure.

ftfy fixes mojibake, HTML entities and odd characters; then each line gets
its whitespace collapsed. The number of lines never changes, so every line of
the normalised text maps to one line of the input and the segmenter's
accounting (body + removed = all lines) holds for the input too.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa

from builder.stages.base import Stage, set_column

# zero-width and bidi control characters, soft hyphen, BOM
_INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# control characters other than tab and newline
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Lines made only of these characters come out of ftfy unchanged: printable ASCII
# but "&" (an HTML entity may start there), and the curly quotes, dashes and
# ellipsis that ftfy keeps with uncurl_quotes=False. Mojibake needs a Latin-1
# letter (a UTF-8 lead byte read as cp1252), ftfy's other fixes need controls,
# ligatures, wide forms or "&": none of them is here. A property test holds
# ftfy to it (tests/stages/test_normalize.py).
_ASCII = "\t\n\x20-\x25\x27-\x7e"
_SAFE = f"[{_ASCII}\u2013\u2014\u2018\u2019\u201c\u201d\u2026]"
FTFY_SAFE_RE = re.compile(f"{_SAFE}*")
# ... and with Latin-1 letters (but Â and Ã, which ftfy's NBSP repair reads as mojibake)
# or Latin-1 and cp1252 symbols (© ® ° £ € ™ • › « ...) standing between ASCII characters:
# mojibake of a UTF-8 sequence is always two or more non-ASCII characters in a row, so a
# lone "é" in "José" or "©" in "© 2023" cannot be one. Half the accented lines of news
# qualify ("Zürich", "Pelé"), and most copyright and breadcrumb lines; the property test
# covers them too.
_LONE = ("\u00a1-\u00ac\u00ae-\u00bf\u00c0\u00c1\u00c4-\u00d6\u00d8-\u00f6\u00f8-\u00ff"
         "\u201a\u201e\u2020\u2021\u2022\u2030\u2039\u203a\u20ac\u2122")
FTFY_SAFE_LETTERS_RE = re.compile(f"(?:{_SAFE}|(?<![^{_ASCII}])[{_LONE}](?![^{_ASCII}]))*")


@dataclass
class TextNormalizer(Stage):
    """Repair text (ftfy) and whitespace, line by line.

    Args:
        fix_unicode: run ftfy's ``fix_text`` (mojibake, entities, quotes kept).
        form: Unicode normal form (``NFC``, ``NFKC``) or ``null`` to keep.
        collapse_whitespace: collapse runs of spaces/tabs and strip each line.
    """

    name: ClassVar[str] = "normalize"
    version: ClassVar[str] = "normalize.ftfy.v1"
    requires: ClassVar[tuple[str, ...]] = ("text_raw",)
    assigns: ClassVar[tuple[str, ...]] = ("norm",)

    fix_unicode: bool = True
    form: str | None = "NFC"
    collapse_whitespace: bool = True

    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        out = [self.normalize(t or "") for t in table.column("text_raw").to_pylist()]
        return set_column(table, "norm", out, pa.string())

    def normalize(self, text: str) -> str:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        n_lines = text.count("\n")
        if self.fix_unicode:
            # keep line breaks as they are: the line count must not change
            # keep curly quotes and dashes as written: only repair what is broken
            fixed = fix_text_lines(text)
            if fixed.count("\n") == n_lines:
                text = fixed
        text = text.replace("\u2028", " ").replace("\u2029", " ").replace("\x85", " ")
        if self.form:
            text = unicodedata.normalize(self.form, text)
        text = _INVISIBLE_RE.sub("", text)
        text = _CONTROL_RE.sub(" ", text)
        if self.collapse_whitespace:
            # the whitespace left is "\n" and spaces (tab, no-break, wide): "\u2028", "\u2029" and "\x85" were
            # replaced above and the other controls that str.split() breaks at ("\r", "\x0b", "\x1c", ...) by
            # _CONTROL_RE, and no normal form makes any of them; so in each line every run of spaces becomes one
            # space and the ends none
            text = "\n".join([" ".join(line.split()) for line in text.split("\n")])
        return text


def fix_text_lines(text: str) -> str:
    """``ftfy.fix_text`` (line breaks, normal form and quotes kept), skipping lines it would not change.

    ftfy already works line by line; the only state it carries from one line
    to the next is that a "<" switches HTML unescaping off for the rest of the
    text, which is kept here. Most lines of clean news are plain ASCII and
    typographic punctuation (``FTFY_SAFE_RE``) and skip ftfy's dozen passes.
    """
    if FTFY_SAFE_RE.fullmatch(text):
        return text
    out = []
    html = "auto"
    for line in _lines(text):
        if FTFY_SAFE_RE.fullmatch(line) or FTFY_SAFE_LETTERS_RE.fullmatch(line):
            out.append(line)
        elif len(line) <= _CACHED_LINE:
            out.append(_fix_line(line, html))
        else:
            out.append(_fix_line.__wrapped__(line, html))
        if "<" in line:
            html = False
    return "".join(out)


# bounded cache of a pure function: a site's lines that need ftfy ("Home › News", "© 2023 ...") recur in its
# stories; paragraphs rarely do, and only lines up to _CACHED_LINE characters are kept (at most ~2 MB)
_CACHED_LINE = 256


@functools.lru_cache(maxsize=4096)
def _fix_line(line: str, html: str | bool) -> str:
    """``ftfy.fix_text`` of one line, HTML unescaping ``"auto"`` or off (``False``)."""
    import ftfy

    return ftfy.fix_text(line, fix_line_breaks=False, normalization=None, uncurl_quotes=False, unescape_html=html)


def _lines(text: str) -> list[str]:
    """``text`` cut after each "\n" (ftfy's own segments), newlines kept."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
