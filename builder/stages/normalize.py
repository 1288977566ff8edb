"""Unicode and whitespace repair that keeps the line structure.

ftfy fixes mojibake, HTML entities and odd characters; then each line gets
its whitespace collapsed. The number of lines never changes, so every line of
the normalised text maps to one line of the input and the segmenter's
accounting (body + removed = all lines) holds for the input too.
"""

from __future__ import annotations

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
_SPACE_RE = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


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
            import ftfy

            # keep line breaks as they are: the line count must not change
            # keep curly quotes and dashes as written: only repair what is broken
            fixed = ftfy.fix_text(text, fix_line_breaks=False, normalization=None, uncurl_quotes=False)
            if fixed.count("\n") == n_lines:
                text = fixed
        text = text.replace("\u2028", " ").replace("\u2029", " ").replace("\x85", " ")
        if self.form:
            text = unicodedata.normalize(self.form, text)
        text = _INVISIBLE_RE.sub("", text)
        text = _CONTROL_RE.sub(" ", text)
        if self.collapse_whitespace:
            text = "\n".join(_SPACE_RE.sub(" ", ln).strip() for ln in text.split("\n"))
        return text
