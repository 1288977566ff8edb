"""A folder of article files, one article per file (plain text or HTML)."""

from __future__ import annotations

import codecs
import hashlib

from builder.sources.base import ReadResult, Shard, Source, document_id

#: Encodings tried after UTF-8, in order. Latin-1 never fails, so it is last.
FALLBACK_ENCODINGS = ("cp1252", "latin-1")


def decode(data: bytes, encoding: str = "utf-8") -> tuple[str | None, str, str]:
    """Decode bytes sensibly: BOMs first, then ``encoding``, then fallbacks.

    Returns ``(text, encoding_used, problem)``; ``text`` is None and
    ``problem`` says why when the bytes are not text at all.
    """
    if data.startswith(codecs.BOM_UTF8):
        data, enc = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
        try:
            return data.decode("utf-8"), enc, ""
        except UnicodeDecodeError:
            pass
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc, ""
            except UnicodeDecodeError:
                break
    if _looks_binary(data):
        return None, "", "binary"
    for enc in (encoding, *FALLBACK_ENCODINGS):
        try:
            return data.decode(enc), enc, ""
        except (UnicodeDecodeError, LookupError):
            continue
    return None, "", "undecodable"  # unreachable with latin-1, kept for safety


def _looks_binary(data: bytes, sample: int = 8192) -> bool:
    """NUL bytes or many control characters in the first bytes: not a text file."""
    head = data[:sample]
    if not head:
        return False
    if head.count(b"\x00") > len(head) // 100:
        return True
    ctrl = len(head.translate(None, _NOT_CONTROL))  # bytes 0-8 and 14-31 are left
    return ctrl > len(head) * 0.1


_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))


class FileSource(Source):
    """Articles stored one per file in a folder tree (recursive, sorted by path).

    Args:
        path: folder (or a single file) to read.
        patterns: file name patterns to pick up, e.g. ``["*.txt"]``.
        encoding: the expected encoding; BOMs and fallbacks (cp1252,
            latin-1) handle files that are not in it, and the encoding used is
            recorded in the ``encoding`` column.
        max_bytes: larger files are rejected as ``too_large`` unread (``0``
            disables; a news article is rarely over a megabyte).
        shard_size: files per shard.
    """

    name = "files"

    def __init__(self, path: str, patterns=("*.txt",), encoding: str = "utf-8", max_bytes: int = 10_000_000,
                 shard_size: int = 500):
        super().__init__(path, shard_size)
        self.patterns = tuple(p.lower() for p in patterns)
        self.encoding = encoding
        self.max_bytes = int(max_bytes)

    def read(self, shard: Shard) -> ReadResult:
        res = ReadResult()
        for f in shard.files:
            if f.sha256 == "not_a_file":
                res.reject(f.rel, "not_a_file", "not a regular file (FIFO, device or socket)")
                continue
            if self.max_bytes and f.size > self.max_bytes:
                res.reject(f.rel, "too_large", f"{f.size} bytes > source.max_bytes={self.max_bytes}")
                continue
            try:
                with open(f.path, "rb") as fh:
                    data = fh.read(self.max_bytes + 1 if self.max_bytes else -1)
            except OSError as e:
                res.reject(f.rel, "unreadable", f"{e.__class__.__name__}: {e.strerror or e}")
                continue
            if self.max_bytes and len(data) > self.max_bytes:  # grew since the scan
                res.reject(f.rel, "too_large", f"more than source.max_bytes={self.max_bytes} bytes")
                continue
            if hashlib.sha256(data).hexdigest() != f.sha256:  # (~3 us an article)
                # written to since the scan (a scraper still filling the folder): the manifest and the shard's
                # work key hold the scanned digest, so this content would be in a release that says otherwise
                res.reject(f.rel, "changed_since_scan", "the file changed after the build scanned it (its SHA-256 "
                           "differs from the manifest's): build again to read its new content")
                continue
            text, enc, problem = decode(data, self.encoding)
            if text is None:
                res.reject(f.rel, problem, f"{len(data)} bytes")
                continue
            text = text.replace("\x00", "")
            if not text.strip():
                res.reject(f.rel, "empty", f"{len(data)} bytes, no text")
                continue
            fmt = "html" if f.rel.lower().endswith((".html", ".htm")) else "text"
            res.docs.append(
                {
                    "id": document_id(f.rel, text),
                    "source": f.rel,
                    "raw": text,
                    "format": fmt,
                    "encoding": enc,
                    "title": None,
                    "url": None,
                    "date": None,
                }
            )
        return res
