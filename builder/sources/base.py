"""Sources turn input files into rows of the document table.

A source scans its root (stable order), cuts the inputs into shards and reads
one shard at a time, so memory is bounded by the shard size. Every input
record becomes either a document row or a rejection with its reason; nothing
is dropped silently.
"""

from __future__ import annotations

import itertools
import logging
import os
import stat
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from builder.errors import BuilderError
from builder.ids import digest, file_sha256
from builder.sources.inputs import InputFile, Inputs, position

log = logging.getLogger("builder")

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
    def scan(self) -> Inputs:
        """All input files in stable (sorted, relative path) order, with their sizes and digests."""
        p = Path(self.path).expanduser()
        if not p.exists():
            raise BuilderError(
                f"source folder or file not found: {self.path} "
                "(set source.path=/path/to/articles)"
            )
        root = str(p) if p.is_dir() else os.path.dirname(str(p))
        found = [p.name] if p.is_file() else _walk(str(p), self.patterns)
        return Inputs.collect(root, progress(describe_all(root, found), "files scanned"))

    def shards(self, files: Sequence[InputFile]) -> Sequence[Shard]:
        """Cut the inputs into shards (default: ``shard_size`` whole files each), made as they are asked for."""
        return FileShards(files, self.shard_size)

    @abstractmethod
    def read(self, shard: Shard) -> ReadResult:
        """Read one shard into document rows and rejections."""

    def describe(self) -> dict:
        return {"name": self.name, "path": self.path}


#: seconds between two log lines of a long scan
SCAN_LOG_EVERY = 10.0


def progress(items, what: str):
    """``items``, logging how many have passed every :data:`SCAN_LOG_EVERY` seconds ("Scanning: 412000 files
    scanned, 13000/s"): a scan of a million files, or the line count of large JSONL files, takes minutes
    before the first shard starts."""
    t0 = last = time.monotonic()
    for n, item in enumerate(items, 1):
        yield item
        now = time.monotonic()
        if now - last >= SCAN_LOG_EVERY:
            last = now
            log.info("Scanning: %d %s, %.0f/s", n, what, n / (now - t0))


#: The first files of a scan are described one at a time; when they took more than _SLOW_FILE seconds a file
#: and waiting (not CPU) was more than _WAIT_SHARE of that (a network mount, a cold disk), the rest are
#: described by SCAN_THREADS threads. (A local disk takes ~0.05 ms a file; twice that when the other cores are
#: busy, which shows as waiting too: the time a file takes tells the two apart.)
SCAN_THREADS = 16
_PROBE_FILES = 256
_WAIT_SHARE = 0.5
_SLOW_FILE = 0.0005


def describe_all(root: str, found) -> Iterator[tuple[str, str, int, str]]:
    """:func:`_describe` of each of ``found`` (relative paths under ``root``), in order.

    On a local disk a file's stat, read and digest take ~20 us of CPU and threads only add to it. On storage
    where each read waits (NFS, a FUSE mount of object storage: a millisecond or more a file, a million
    files), one file at a time spends the scan waiting. So the first ``_PROBE_FILES`` are described here,
    timed in wall and in this thread's CPU; if waiting was most of it, the rest go to a pool of threads (the
    reads wait outside the GIL), at most four per thread ahead of the one yielded."""
    it = iter(found)
    wall0, cpu0 = time.perf_counter(), time.thread_time()
    probed = 0
    for rel in itertools.islice(it, _PROBE_FILES):
        yield _describe(root, rel)
        probed += 1
    wall, cpu = time.perf_counter() - wall0, time.thread_time() - cpu0
    if probed < _PROBE_FILES or wall <= _SLOW_FILE * probed or (wall - cpu) <= _WAIT_SHARE * wall:
        for rel in it:
            yield _describe(root, rel)
        return
    log.info("Scanning: the storage kept the scan waiting %.0f%% of its time (%.1f ms a file): %d threads read "
             "the rest", 100 * (wall - cpu) / wall, 1000 * wall / probed, SCAN_THREADS)
    with ThreadPoolExecutor(SCAN_THREADS, thread_name_prefix="scan") as pool:
        ahead: deque = deque()
        for rel in it:
            ahead.append(pool.submit(_describe, root, rel))
            if len(ahead) >= 4 * SCAN_THREADS:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def _describe(root: str, found: str) -> tuple[str, str, int, str]:
    """``(found, rel, size, sha256)`` of the file ``found`` (relative) under ``root``; a file that is not a
    regular file, or that cannot be read, gets a marker for a digest and is rejected at read time."""
    path = os.path.join(root, found)
    try:  # plain strings and os calls: pathlib costs more than the hashing here
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
            size, sha = -1, "not_a_file"
        else:
            size, sha = st.st_size, file_sha256(path)
    except OSError as e:  # unreadable, a broken link: recorded at read time
        size, sha = -1, f"unreadable:{e.__class__.__name__}"
    return found, safe_name(found), size, sha


class FileShards(Sequence):
    """Shards of ``size`` whole files each, made when asked for: a shard holds its files'
    :class:`InputFile` only while it is dispatched and run."""

    def __init__(self, files: Sequence[InputFile], size: int):
        self.files, self.size = files, size

    def __len__(self) -> int:
        return -(-len(self.files) // self.size)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        i = position(i, len(self), "shard")
        return Shard(index=i, files=tuple(self.files[i * self.size:(i + 1) * self.size]))


def _walk(root: str, patterns: tuple[str, ...]):
    """Relative paths (with "/") of matching files, recursively, in the order of their names in the
    release (:func:`safe_name`): each folder's names sorted with a folder's name as ``name/``, which
    is the order of the whole paths, so the scan need not sort them. Hidden names are skipped, and
    links to folders are not followed (no loops); a folder that cannot be listed is skipped with a
    warning that names it."""
    import fnmatch

    def walk(path: str, prefix: str):
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except OSError as e:
            log.warning("%s: cannot list the folder (%s): its files are not read", prefix or path,
                        e.strerror or e.__class__.__name__)
            return
        items = []
        for e in entries:
            name = e.name
            if name.startswith("."):
                continue
            try:
                is_dir = e.is_dir()  # (a link to a folder is one, and is skipped)
            except OSError:
                is_dir = False
            if is_dir:
                if not e.is_symlink():
                    items.append((safe_name(name) + "/", name, True))
            elif any(fnmatch.fnmatch(name.lower(), pat) for pat in patterns):
                items.append((safe_name(name), name, False))
        del entries
        items.sort()
        for _, name, is_dir in items:
            if is_dir:
                yield from walk(os.path.join(path, name), prefix + name + "/")
            else:
                yield prefix + name

    yield from walk(root, "")
