"""Sources turn input files into rows of the document table.

A source scans its root (stable order), cuts the inputs into shards and reads
one shard at a time, so memory is bounded by the shard size. Every input
record becomes either a document row or a rejection with its reason; nothing
is dropped silently.
"""

from __future__ import annotations

import os
import stat
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from builder.errors import BuilderError
from builder.ids import digest, file_sha256

#: Columns every source produces. Later stages add to them.
DOCUMENT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("raw", pa.string(), nullable=False),
        pa.field("format", pa.string(), nullable=False),  # "text" or "html"
        pa.field("encoding", pa.string()),
        pa.field("title", pa.string()),
        pa.field("url", pa.string()),
        pa.field("date", pa.string()),
    ]
)

REJECT_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("id", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input file: where it is, its name relative to the source root, and its digest."""

    path: str
    rel: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Shard:
    """A unit of work: whole files, or a record range ``[start, stop)`` of one file.

    ``offset``: where record ``start`` begins in the file (bytes), when the scan
    found it, so a shard deep in a large file is read without reading what
    comes before it. It follows from the file's content: not part of the key.
    """

    index: int
    files: tuple[InputFile, ...]
    start: int = 0
    stop: int | None = None
    offset: int | None = None

    @property
    def key(self) -> str:
        """Digest of what the shard reads: file digests and the record range."""
        parts = [f"{f.rel}:{f.sha256}" for f in self.files]
        return digest(*parts, f"{self.start}:{self.stop}", n=24)


@dataclass
class ReadResult:
    docs: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)

    def reject(self, source: str, reason: str, detail: str = "", id: str | None = None) -> None:
        self.rejects.append(
            {"source": source, "stage": "read", "reason": reason, "detail": detail, "id": id}
        )

    def tables(self) -> tuple[pa.Table, pa.Table]:
        return (
            pa.Table.from_pylist(self.docs, schema=DOCUMENT_SCHEMA),
            pa.Table.from_pylist(self.rejects, schema=REJECT_SCHEMA),
        )


def safe_name(name: str) -> str:
    """A file name as text that any UTF-8 writer accepts: undecodable bytes and
    control characters are shown escaped (``\\xff``), never dropped."""
    if name.isascii() and name.isprintable():  # most names: no copy (a scan of 100k files keeps them all)
        return name
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def document_id(source: str, text: str) -> str:
    """The stable id of a document: derived from where it came from and its content."""
    return digest(source, text, n=16)


class Source(ABC):
    """Base class of all sources.

    Args:
        path: the source root, a folder or a single file.
        shard_size: documents per shard (files for folder sources, records for
            JSONL and Parquet).
    """

    name: ClassVar[str] = "source"
    #: Patterns (fnmatch, matched on the file name) this source picks up in a folder.
    patterns: tuple[str, ...] = ()

    def __init__(self, path: str, shard_size: int = 500):
        if not path:
            raise BuilderError("source.path is empty: set source.path=/folder/with/articles")
        if shard_size < 1:
            raise BuilderError(f"source.shard_size must be at least 1, got {shard_size}")
        self.path = str(path)
        self.shard_size = int(shard_size)

    # -- scanning ---------------------------------------------------------
    @property
    def root(self) -> Path:
        p = Path(self.path).expanduser()
        return p if p.is_dir() else p.parent

    def scan(self) -> list[InputFile]:
        """All input files in stable (sorted, relative path) order."""
        p = Path(self.path).expanduser()
        if not p.exists():
            raise BuilderError(
                f"source folder or file not found: {self.path} "
                "(set source.path=/path/to/articles)"
            )
        if p.is_file():
            found = [(str(p), p.name)]
        else:
            found = list(_walk(str(p), self.patterns))
        files = []
        for path, rel in found:  # plain strings and os calls: pathlib costs more than the hashing here
            rel = safe_name(rel)
            try:
                st = os.stat(path)
                if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
                    size, sha = -1, "not_a_file"
                else:
                    size, sha = st.st_size, file_sha256(path)
            except OSError as e:  # unreadable, a broken link: recorded at read time
                size, sha = -1, f"unreadable:{e.__class__.__name__}"
            files.append(InputFile(path=path, rel=rel, size=size, sha256=sha))
        files.sort(key=lambda f: f.rel)
        return files

    def shards(self, files: list[InputFile]) -> list[Shard]:
        """Cut the inputs into shards (default: ``shard_size`` whole files each)."""
        out = []
        for i in range(0, len(files), self.shard_size):
            out.append(Shard(index=len(out), files=tuple(files[i : i + self.shard_size])))
        return out

    @abstractmethod
    def read(self, shard: Shard) -> ReadResult:
        """Read one shard into document rows and rejections."""

    def describe(self) -> dict:
        return {"name": self.name, "path": self.path}


def _walk(root: str, patterns: tuple[str, ...]):
    """``(path, relative path)`` of matching files: recursive, sorted, never following
    directory symlinks (no loops), hidden names skipped."""
    import fnmatch

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = os.path.relpath(dirpath, root)
        prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            low = name.lower()
            if any(fnmatch.fnmatch(low, pat) for pat in patterns):
                yield os.path.join(dirpath, name), prefix + name
