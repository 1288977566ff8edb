"""Record sources: JSON Lines and Parquet files with one article per record."""

from __future__ import annotations

import json
import os
from itertools import islice

from builder.errors import BuilderError
from builder.sources.base import InputFile, ReadResult, Shard, Source, document_id, progress


#: rows a Parquet shard decodes at a time (at most its shard size)
BATCH = 1024
#: bytes the Parquet reader buffers per column: it reads the pages it decodes, not whole column chunks
READ_BUFFER = 1 << 20


def check_unchanged(f: InputFile) -> None:
    """Stop the build if ``f`` is no longer the size the scan found: its shards' record ranges (and the
    manifest's digest) are those of the scanned file, and a shard cannot tell which of its records changed."""
    try:
        size = os.stat(f.path).st_size
    except OSError:
        return  # (the read rejects it as unreadable)
    if f.size >= 0 and size != f.size:
        raise BuilderError(f"{f.path} changed after the build scanned it ({f.size} bytes then, {size} now): its "
                           "shards' records would not be those the manifest describes; build again once it is "
                           "no longer written to (finished shards of the other files are reused)")


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
        for f in progress(files, f"of {len(files)} files' records counted"):
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
        check_unchanged(f)
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

    A shard streams its rows in batches of at most :data:`BATCH` rows through a
    buffered reader, from the row group that holds its first row: memory is a
    batch and the reader's buffers whatever the size of the file's row groups
    (``pq.write_table``'s default is one group of up to a million rows, which
    reading whole held in every worker). The process keeps its reader where its
    last shard ended, so the shards of a file taken in order decode it once; a
    shard before that point opens the file again.
    """

    name = "parquet"
    patterns = ("*.parquet",)

    #: where this process's last shard ended: ``(path, sha256, columns)``, the next row, the open batch
    #: iterator and what is left of its current batch
    _cursor: tuple | None = None

    def _count(self, f: InputFile) -> tuple[int, None]:
        import pyarrow.parquet as pq
        try:
            return pq.ParquetFile(f.path).metadata.num_rows, None
        except Exception:
            return 0, None

    def read(self, shard: Shard) -> ReadResult:
        import pyarrow.parquet as pq

        res = ReadResult()
        f = shard.files[0]
        check_unchanged(f)
        try:
            pf = pq.ParquetFile(f.path, buffer_size=READ_BUFFER, pre_buffer=False)  # pages read as they are decoded
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
        stop = shard.stop if shard.stop is not None else pf.metadata.num_rows
        if stop <= shard.start:  # (an empty file)
            return res
        try:
            rows = self._rows(pf, (f.path, f.sha256, tuple(wanted)), shard.start, stop)
        except Exception as e:  # a damaged page: the shard's rows are rejected as one, with the error
            res.reject(f"{f.rel}:rows {shard.start}-{stop - 1}", "unreadable",
                       f"{e.__class__.__name__}: {e}"[:300])
            return res
        for i, rec in enumerate(rows):
            self._row(res, f.rel, rec, f"row {shard.start + i}")
        return res

    def _rows(self, pf, key: tuple, start: int, stop: int) -> list[dict]:
        """Rows ``[start, stop)`` of the file, from this process's reader where it can go on forwards."""
        cur, self._cursor = self._cursor, None
        if cur is not None and cur[0] == key and cur[1] <= start:
            _, pos, batches, batch = cur
        else:  # from the row group that holds ``start`` to the end of the file, read only as far as needed
            md = pf.metadata
            g, pos = 0, 0
            while g < md.num_row_groups and pos + md.row_group(g).num_rows <= start:
                pos += md.row_group(g).num_rows
                g += 1
            batches = pf.iter_batches(batch_size=min(BATCH, self.shard_size), row_groups=range(g, md.num_row_groups),
                                      columns=list(key[2]), use_threads=False)
            batch = None
        out: list[dict] = []
        while pos < stop:  # ``batch`` (when not None) holds rows from ``pos`` on
            if batch is None:
                batch = next(batches, None)
                if batch is None:
                    break
            lo, hi = max(start - pos, 0), min(stop - pos, batch.num_rows)
            if lo < hi:
                out += batch.slice(lo, hi - lo).to_pylist()
            take = max(hi, min(lo, batch.num_rows))  # rows of the batch now behind us
            pos += take
            batch = batch.slice(take) if take < batch.num_rows else None
        self._cursor = (key, pos, batches, batch)
        return out
