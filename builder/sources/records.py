"""Record sources: JSON Lines and Parquet files with one article per record."""

from __future__ import annotations

import json
import logging
from itertools import accumulate, islice

from builder.errors import BuilderError
from builder.sources.base import InputFile, ReadResult, Shard, Source, document_id

log = logging.getLogger("builder")

#: bytes (uncompressed) of a Parquet row group above which the scan warns
LARGE_GROUP = 512 * 2**20


class _RecordSource(Source):
    """Shared logic of record sources: field mapping and record → document row."""

    def __init__(self, path: str, text_field: str = "text", id_field: str | None = "id",
                 url_field: str | None = "url", title_field: str | None = "title",
                 date_field: str | None = "date", format_field: str | None = None,
                 max_bytes: int = 10_000_000, shard_size: int = 1000):
        super().__init__(path, shard_size)
        self.max_bytes = int(max_bytes)
        if not text_field:
            raise BuilderError("source.text_field must name the field that holds the article text")
        self.text_field = text_field
        self.id_field = id_field
        self.url_field = url_field
        self.title_field = title_field
        self.date_field = date_field
        self.format_field = format_field

    def _count(self, f: InputFile) -> tuple[int, list[int] | None]:
        """Records in ``f``, and the byte offset of every ``shard_size``-th record where the format can seek
        to it (else None)."""
        raise NotImplementedError

    def shards(self, files: list[InputFile]) -> list[Shard]:
        out: list[Shard] = []
        for f in files:
            n, offsets = self._count(f)
            for k, start in enumerate(range(0, max(n, 1), self.shard_size)):
                out.append(Shard(index=len(out), files=(f,), start=start, stop=min(start + self.shard_size, n),
                                 offset=offsets[k] if offsets else None))
        return out

    def _row(self, res: ReadResult, rel: str, rec, where: str) -> None:
        src = f"{rel}:{where}"
        if not isinstance(rec, dict):
            res.reject(src, "not_an_object", type(rec).__name__)
            return
        text = rec.get(self.text_field)
        if text is None:
            res.reject(src, "missing_field", f"no '{self.text_field}' field (set source.text_field)")
            return
        if not isinstance(text, str):
            res.reject(src, "wrong_type", f"'{self.text_field}' is {type(text).__name__}, expected string")
            return
        if not text.strip():
            res.reject(src, "empty", f"'{self.text_field}' is empty")
            return
        if self.max_bytes and len(text) > self.max_bytes:
            res.reject(src, "too_large", f"{len(text)} characters > source.max_bytes={self.max_bytes}")
            return

        def opt(name):
            if not name:
                return None
            v = rec.get(name)
            if v is None:
                return None
            return v if isinstance(v, str) else str(v)

        given_id = opt(self.id_field)
        url = opt(self.url_field)
        source = url or (f"{rel}#{given_id}" if given_id else src)
        fmt = (opt(self.format_field) or "text").lower()
        if fmt not in ("text", "html"):
            fmt = "html" if "<html" in text[:2000].lower() else "text"
        res.docs.append({
            "id": document_id(f"{rel}#{given_id}" if given_id else src, text),
            "source": source,
            "raw": text.replace("\x00", ""),
            "format": fmt,
            "encoding": "utf-8",
            "title": opt(self.title_field),
            "url": url,
            "date": opt(self.date_field),
        })


class JsonlSource(_RecordSource):
    """JSON Lines files (one object per line), a file or a folder of ``*.jsonl``.

    Args:
        path: file or folder.
        text_field, id_field, url_field, title_field, date_field: field names
            in each record (``null`` for absent ones).
        format_field: optional field saying ``text`` or ``html``.
        max_bytes: records with a longer text are rejected as ``too_large``.
        shard_size: records per shard.
    """

    name = "jsonl"
    patterns = ("*.jsonl", "*.jsonl.gz", "*.json")

    def _open(self, path: str):
        if path.endswith(".gz"):
            import gzip
            return gzip.open(path, "rb")
        return open(path, "rb")

    def _count(self, f: InputFile) -> tuple[int, list[int] | None]:
        """Lines, and where every shard's first line starts (in a gzip file: in its decompressed text)."""
        try:
            fh = self._open(f.path)
        except OSError:  # unreadable: the reader says why
            return 0, None
        n, pos, offsets, size = 0, 0, [0], self.shard_size
        with fh:
            try:
                for line in fh:
                    n += 1
                    pos += len(line)
                    if n % size == 0:
                        offsets.append(pos)
            except (OSError, EOFError):  # not gzip, or truncated: the lines before, then the damage as one
                return n + 1, offsets  # more record, which the reader of the last shard meets and rejects
        return n, offsets

    #: the gzip file this process read last, left where its last shard ended: ``(path, sha256)`` and the
    #: open file. A gzip stream cannot seek backwards, and forwards only by decompressing what it skips:
    #: a process that takes the shards of one file in order decompresses it once, not once per shard.
    _gz: tuple[tuple[str, str], object] | None = None

    def _start(self, f: InputFile, shard: Shard):
        """The file open at the shard's first line, and that line's number."""
        if shard.offset is None:
            return self._open(f.path), 0
        if not f.path.endswith(".gz"):
            fh = self._open(f.path)
            fh.seek(shard.offset)  # straight to the shard's first line: no reading of the lines before it
            return fh, shard.start
        cached, self._gz = self._gz, None
        if cached is not None and cached[0] == (f.path, f.sha256) and cached[1].tell() <= shard.offset:
            fh = cached[1]
        else:
            if cached is not None:
                cached[1].close()
            fh = self._open(f.path)
        fh.seek(shard.offset)  # forwards: decompresses what it skips
        return fh, shard.start

    def read(self, shard: Shard) -> ReadResult:
        res = ReadResult()
        f = shard.files[0]
        try:
            fh, first = self._start(f, shard)
        except (OSError, EOFError) as e:
            res.reject(f.rel, "unreadable", f"{e.__class__.__name__}: {e}")
            return res
        keep, nxt = False, first  # the line read next
        try:
            lines = fh if shard.stop is None else islice(fh, shard.stop - first)  # (the next shard's line unread)
            for lineno, line in enumerate(lines, first):
                if lineno >= shard.start:
                    self._line(res, f.rel, lineno, line)
                nxt = lineno + 1
            keep = f.path.endswith(".gz") and shard.stop is not None
        except (OSError, EOFError) as e:  # not gzip, or truncated: the lines before it are read
            res.reject(f"{f.rel}:line {nxt + 1}", "unreadable", f"{e.__class__.__name__}: {e}"[:300])
        finally:
            if keep:
                self._gz = ((f.path, f.sha256), fh)
            else:
                fh.close()
        return res

    def _line(self, res: ReadResult, rel: str, lineno: int, line: bytes) -> None:
        where = f"line {lineno + 1}"
        if not line.strip():
            res.reject(f"{rel}:{where}", "empty", "blank line")
            return
        try:
            rec = json.loads(line.decode("utf-8", errors="strict"))
        except UnicodeDecodeError as e:
            res.reject(f"{rel}:{where}", "invalid_utf8", str(e)[:200])
            return
        except json.JSONDecodeError as e:
            res.reject(f"{rel}:{where}", "invalid_json", str(e)[:200])
            return
        self._row(res, rel, rec, where)


class ParquetSource(_RecordSource):
    """Parquet files (a file or a folder of ``*.parquet``), one article per row.

    A shard reads the row groups that hold its rows. Where a row group holds
    more than a shard (``pq.write_table``'s default is a million rows), the
    process keeps the last groups it read, so the next shard of the same group
    does not read it again; a group of more than :data:`LARGE_GROUP` bytes
    (uncompressed) gets a warning at the scan, as each worker then holds one.
    """

    name = "parquet"
    patterns = ("*.parquet",)

    _last: tuple[tuple, object] | None = None  # (file, groups, columns) and the table read

    def _count(self, f: InputFile) -> tuple[int, None]:
        import pyarrow.parquet as pq
        try:
            md = pq.ParquetFile(f.path).metadata
        except Exception:
            return 0, None
        big = max((md.row_group(g).total_byte_size for g in range(md.num_row_groups)), default=0)
        if big > LARGE_GROUP:
            log.warning("%s: a row group of %.0f MB (uncompressed): each worker holds one while it reads its shards; "
                        "rewrite the file with smaller row groups to bound memory "
                        "(pyarrow.parquet.write_table(table, path, row_group_size=10_000))", f.rel, big / 2**20)
        return md.num_rows, None  # (a shard reads only its row groups)

    def read(self, shard: Shard) -> ReadResult:
        import pyarrow.parquet as pq

        res = ReadResult()
        f = shard.files[0]
        try:
            pf = pq.ParquetFile(f.path)
        except Exception as e:
            if shard.start == 0:  # (the file is rejected once, by its first shard)
                res.reject(f.rel, "unreadable", f"not a readable Parquet file: {e.__class__.__name__}: {e}"[:300])
            return res
        names = pf.schema_arrow.names
        if self.text_field not in names:
            if shard.start == 0:
                res.reject(f.rel, "wrong_schema",
                           f"no '{self.text_field}' column (columns: {', '.join(names[:20])}); set source.text_field")
            return res
        wanted = sorted(c for c in {self.text_field, self.id_field, self.url_field, self.title_field,
                                    self.date_field, self.format_field} if c and c in names)
        md = pf.metadata
        stop = shard.stop if shard.stop is not None else md.num_rows
        # only the row groups that hold the shard's rows: a shard of a large file holds its own rows, not the file's
        ends = list(accumulate(md.row_group(g).num_rows for g in range(md.num_row_groups)))
        groups = [g for g, end in enumerate(ends) if end > shard.start and end - md.row_group(g).num_rows < stop]
        if not groups:
            return res
        first_row = ends[groups[0]] - md.row_group(groups[0]).num_rows
        key = (f.path, f.sha256, tuple(groups), tuple(wanted))
        if self._last is not None and self._last[0] == key:
            table = self._last[1]
        else:
            self._last = None  # (freed before the next read)
            table = pf.read_row_groups(groups, columns=wanted)
            # kept for the next shard only where the groups hold more than this shard
            self._last = (key, table) if table.num_rows > stop - shard.start else None
        for i, rec in enumerate(table.slice(shard.start - first_row, stop - shard.start).to_pylist()):
            self._row(res, f.rel, rec, f"row {shard.start + i}")
        return res
