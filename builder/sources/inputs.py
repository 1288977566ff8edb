"""The scanned input files, held as Arrow columns.

A folder of one article per file is a list of a million files at a million
articles, held by the driver for the whole build. As Python objects (an
:class:`InputFile` of four values each, and the scan's list of names) it took
~470 bytes a file; as columns (the relative path, the size, the digest as 32
bytes) it takes ~100: after scanning, fingerprinting and cutting a million
files into shards the driver held 477 MB more before, 100 MB now (peak 601
→ 218 MB). :class:`Inputs` makes the :class:`InputFile` of a row only when
it is asked for one: a shard's files when the shard is dispatched, a few
thousand at a time for the fingerprint and the manifest (~1.8 s a million).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc


class InputFile(NamedTuple):
    """One input file: where it is, its name relative to the source root, its size and its digest
    (a tuple: a million of them are made for a scan's fingerprint and manifest)."""

    path: str
    rel: str
    size: int
    sha256: str


SCHEMA = pa.schema([
    pa.field("rel", pa.string(), nullable=False),  # the name in the release: relative, with "/", printable
    pa.field("name", pa.binary()),  # the file's own relative path where ``rel`` had to escape it, else null
    pa.field("size", pa.int64(), nullable=False),
    pa.field("sha256", pa.binary(32)),  # the digest as bytes (half its hex), null where there is none...
    pa.field("mark", pa.string()),  # ...and this says why: "not_a_file", "unreadable:PermissionError"
])


def _digest(h: str) -> bytes | None:
    """A hex SHA-256 (as ``hexdigest`` writes it) as its 32 bytes; None for a marker ("not_a_file",
    "unreadable:...")."""
    if len(h) != 64:
        return None
    try:
        b = bytes.fromhex(h)
    except ValueError:
        return None
    return b if len(b) == 32 else None


def position(i: int, n: int, what: str) -> int:
    """Index ``i`` of a sequence of ``n`` (negative from the end), or IndexError naming ``what``."""
    if not -n <= i < n:
        raise IndexError(f"{what} {i} out of range ({n} {what}s)")
    return i + n if i < 0 else i


#: rows turned into Python objects at a time (iteration, building)
CHUNK = 4096


class Inputs(Sequence):
    """The input files of a source, in order: a sequence of :class:`InputFile`.

    ``root`` joined with a row's relative path is the file's path. Build one
    with :meth:`collect`.
    """

    def __init__(self, root: str, table: pa.Table):
        self.root = root
        self.table = table
        self._rel, self._name, self._size, self._sha, self._mark = (self.table.column(n) for n in SCHEMA.names)

    @classmethod
    def collect(cls, root: str, files: Iterable[tuple[str, str, int, str]]) -> "Inputs":
        """``(relative path as found, rel, size, sha256)`` rows into columns, sorted by ``rel``.

        Rows that come in that order (a scan's walk) are kept as they are; others are sorted in code
        point order (Arrow compares UTF-8 bytes, which sort as Python's strings do), stably, as
        Python's sort would."""
        batches, rows = [], []

        def flush():
            if rows:
                found, rel, size, sha = zip(*rows)
                name = [None if f == r else os.fsencode(f) for f, r in zip(found, rel)]
                digest = [_digest(h) for h in sha]
                mark = [None if d is not None else h for d, h in zip(digest, sha)]
                batches.append(pa.record_batch([pa.array(rel, pa.string()), pa.array(name, pa.binary()),
                                                pa.array(size, pa.int64()), pa.array(digest, pa.binary(32)),
                                                pa.array(mark, pa.string())], schema=SCHEMA))
                rows.clear()

        for row in files:
            rows.append(row)
            if len(rows) >= CHUNK:
                flush()
        flush()
        table = pa.Table.from_batches(batches, schema=SCHEMA)  # (the batches' buffers, not copies)
        rel = table.column("rel")
        if len(rel) > 1 and not pc.all(pc.less_equal(rel[:-1], rel[1:])).as_py():
            table = table.take(pc.sort_indices(table, sort_keys=[("rel", "ascending")]))  # (a stable sort)
        return cls(root, table)

    def __len__(self) -> int:
        return self.table.num_rows

    def _files(self, start: int, stop: int) -> list[InputFile]:
        rel = self._rel.slice(start, stop - start).to_pylist()
        name = self._name.slice(start, stop - start).to_pylist()
        size = self._size.slice(start, stop - start).to_pylist()
        sha = self._sha.slice(start, stop - start).to_pylist()
        mark = self._mark.slice(start, stop - start).to_pylist()
        new, prefix = tuple.__new__, os.path.join(self.root, "")  # (the root and a separator, or "")
        return [new(InputFile, (prefix + (r if n is None else os.fsdecode(n)), r, s, m if h is None else h.hex()))
                for r, n, s, h, m in zip(rel, name, size, sha, mark)]

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            return self._files(start, max(start, stop)) if step == 1 else [self[k] for k in range(start, stop, step)]
        i = position(i, len(self), "input")
        return self._files(i, i + 1)[0]

    def __iter__(self) -> Iterator[InputFile]:
        for start in range(0, len(self), CHUNK):
            yield from self._files(start, min(start + CHUNK, len(self)))

    def __repr__(self) -> str:
        return f"Inputs({len(self)} files under {self.root!r})"
