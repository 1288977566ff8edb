"""Write a release folder: Parquet per config and split, Arrow DatasetDicts, audit.

Data files are deterministic: rows in input order (sorted input paths, record
order within a file, then teaser, sentence, pair or line order within an
article), an explicit schema with the ``datasets`` features embedded (as
``Dataset.to_parquet`` does), fixed writer settings and no timestamps, so the
same build gives the same bytes whatever the shard size or executor.

Memory is bounded by a chunk of rows, not by the corpus or the number of
shards: shards are contiguous ranges of the sorted inputs and each work shard
is ordered by split (stable), each split in row groups of its own, so the
writer streams shard after shard, one work row group at a time, re-cut into
fixed-size chunks. No merge, no sort of the corpus, every row read once
(but a chunk that straddles two files, read by both).

Each data file is a job of its own (:func:`config_jobs`, :func:`write_file`,
then :func:`finish_config`): the build writes all of a release's files side
by side.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.errors import BuilderError
from builder.prefetch import read_ahead
from builder.release.features import ClassLabel, List
from builder.stages.split import SPLITS

PARQUET_OPTIONS = dict(
    compression="zstd",
    compression_level=3,
    use_dictionary=True,
    write_statistics=True,
    data_page_version="2.0",
    version="2.6",
)
ROW_GROUP_SIZE = 2_000
#: rows per row group of the work shards: the unit the writer reads back
WORK_ROW_GROUP = 512


def write_parquet(table: pa.Table, path: Path) -> None:
    """Deterministic Parquet; an empty table is written with no row group at all
    (``datasets`` cannot read a row group of zero rows)."""
    with pq.ParquetWriter(path, table.schema, **PARQUET_OPTIONS) as w:
        if table.num_rows:
            w.write_table(table, row_group_size=ROW_GROUP_SIZE)


def hf_metadata(feats) -> dict:
    return {b"huggingface": json.dumps({"info": {"features": feats.to_dict()}}).encode("utf-8")}


def to_release_table(work: pa.Table, feats) -> pa.Table:
    """Work table (labels as strings) → release table (ClassLabel ids, exact schema)."""
    cols = {}
    for name, feat in feats.items():
        col = work.column(name)
        if isinstance(feat, ClassLabel):
            col = _label_ids(col, feat.names, name)
        elif isinstance(feat, List) and isinstance(feat.feature, ClassLabel):
            col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
            flat = _label_ids(pc.list_flatten(col), feat.feature.names, name)
            offsets = col.offsets
            if len(offsets) and offsets[0].as_py():
                offsets = pc.subtract(offsets, offsets[0])
            col = pa.ListArray.from_arrays(offsets, flat)
        cols[name] = col
    table = pa.table(cols).cast(feats.arrow_schema)
    return table.replace_schema_metadata(hf_metadata(feats))


def _label_ids(col, label_names: list[str], column: str) -> pa.Array:
    """Label names → ClassLabel ids, vectorised; an unknown name is an error, never a silent id."""
    names = pa.array(label_names, pa.string())
    ids = pc.index_in(col, value_set=names)
    if ids.null_count:
        bad = pc.filter(col, pc.is_null(ids)).to_pylist()[:3]
        raise BuilderError(f"label(s) {bad} of column '{column}' are not among {label_names}")
    return pc.cast(ids, pa.int64())


def sort_work(table: pa.Table) -> pa.Table:
    """Order a work shard by split, keeping input order within each split (a stable sort).

    Phase 2 emits rows in input order (documents as read, then teaser
    position, sentence, pair or line within a document); shards are
    contiguous ranges of the sorted inputs. So shard after shard, split by
    split, is one global order that does not depend on the shard size or the
    executor, and the writer can stream it without a merge.
    """
    if table.num_rows == 0:
        return table
    row = pa.array(np.arange(table.num_rows, dtype=np.int64))
    keyed = table.append_column("__row", row)
    order = pc.sort_indices(keyed, sort_keys=[("split", "ascending"), ("__row", "ascending")])
    return table.take(order)


class _ShardRange:
    """Where one split's rows sit in one work shard (contiguous after ``sort_work``): rows ``lo`` to
    ``lo + n`` of the file, whose row groups start at ``starts``."""

    def __init__(self, path: Path, lo: int, n: int, starts: np.ndarray):
        self.path, self.lo, self.n, self.starts = path, lo, n, starts

    def tables(self, skip: int = 0) -> Iterator[pa.Table]:
        """The split's rows from its ``skip``-th on, one work row group at a time (the file is open only
        meanwhile; the row groups before are not read)."""
        lo, hi = self.lo + skip, self.lo + self.n
        with pq.ParquetFile(self.path) as pf:
            for g in range(len(self.starts) - 1):
                g_lo, g_hi = int(self.starts[g]), int(self.starts[g + 1])
                a, b = max(g_lo, lo), min(g_hi, hi)
                if a < b:
                    yield pf.read_row_group(g).slice(a - g_lo, b - a)


def shard_ranges(paths: list[Path], splits: tuple[str, ...] | list[str]) -> dict[str, list[_ShardRange]]:
    """Each split's rows in each work shard that has some (each shard's ``split`` column read once)."""
    out: dict[str, list[_ShardRange]] = {s: [] for s in splits}
    for path in paths:
        if not path.exists():
            continue
        with pq.ParquetFile(path) as pf:
            sp = pf.read(columns=["split"]).column("split").to_numpy(zero_copy_only=False)
            md = pf.metadata
            starts = np.cumsum([0] + [md.row_group(i).num_rows for i in range(md.num_row_groups)])
        for split in splits:
            rows = np.flatnonzero(sp == split)
            if not len(rows):
                continue
            if int(rows[-1]) - int(rows[0]) + 1 != len(rows):
                raise BuilderError(f"work shard {path} is not ordered by split; delete the work folder and rebuild")
            out[split].append(_ShardRange(path, int(rows[0]), len(rows), starts))
    return out


class SplitRows:
    """One split's rows over all work shards, in the global order (shard after shard), cut on a grid of
    chunks: chunk ``c`` is rows ``c * size`` to ``(c + 1) * size`` (the last one shorter). A chunk's
    boundaries do not depend on the shards', so the Parquet row groups (and bytes) do not either; and any
    run of chunks can be read on its own (the files of a split are written side by side)."""

    def __init__(self, ranges: list[_ShardRange]):
        self.ranges = ranges
        self.offsets = np.cumsum([0] + [r.n for r in ranges])  # the split's row where each shard's rows start

    @property
    def n(self) -> int:
        return int(self.offsets[-1])

    def chunks(self, size: int, first: int = 0, stop: int | None = None) -> Iterator[pa.Table]:
        """Chunks ``first`` to ``stop - 1`` (default: to the end) of ``size`` rows each. Memory holds one chunk
        and one work row group, whatever the number of shards; the rows before ``first`` are not read."""
        row, end = first * size, self.n if stop is None else min(self.n, stop * size)
        if row >= end:
            return

        def compact(parts: list[pa.Table]) -> pa.Table:
            # a copy with fresh buffers: a slice keeps its whole row group alive (a chunk of a
            # small split gathers slices of a row group from every shard) and would carry its
            # buffers into the Arrow files and byte counts, which would then depend on the shards
            t = pa.concat_tables(parts)
            return t.take(pa.array(np.arange(t.num_rows, dtype=np.int64)))

        k = int(np.searchsorted(self.offsets, row, side="right")) - 1  # the shard that holds the first row
        skip = row - int(self.offsets[k])
        buf: list[pa.Table] = []
        have, remaining = 0, end - row  # rows in the buffer, rows still to take from the shards
        for r in self.ranges[k:]:
            for t in r.tables(skip):
                if t.num_rows > remaining:
                    t = t.slice(0, remaining)
                remaining -= t.num_rows
                while t.num_rows:
                    take = min(size - have, t.num_rows)
                    buf.append(t.slice(0, take))
                    have += take
                    t = t.slice(take)
                    if have == size:
                        yield compact(buf)
                        buf, have = [], 0
                if not remaining:
                    break
            skip = 0
            if not remaining:
                break
        if have:
            yield compact(buf)


def ordered_chunks(paths: list[Path], split: str, chunk: int) -> tuple[int, Iterator[pa.Table]]:
    """Total rows of ``split`` over all shards, and an iterator of chunks of exactly ``chunk`` rows
    (the last one shorter) in the global order: shard after shard (see :class:`SplitRows`)."""
    rows = SplitRows(shard_ranges(paths, [split])[split])
    return rows.n, rows.chunks(chunk)


@dataclass
class FileJob:
    """One data file of a release config to write: rows ``start`` to ``stop`` of a split, as
    ``{split}-{index}-of-{n_files}.parquet`` (and its Arrow file). An empty split is one job with
    ``n_files == 0``: no Parquet file, an empty Arrow file."""

    config: str
    split: str
    index: int
    n_files: int
    rows: SplitRows
    start: int
    stop: int
    parquet: Path
    arrow: Path | None
    feats: Any
    chunk: int


def config_jobs(root: Path, config: str, paths: list[Path], feats, max_rows_per_file: int,
                arrow: bool = True) -> list[FileJob]:
    """The files of ``root/<config>/{split}-{i:05d}-of-{n:05d}.parquet`` (and ``arrow/<config>``), one job
    each: they can be written in any order, side by side (:func:`write_file`), then :func:`finish_config`.

    ``datasets`` cannot load a split of zero rows from data files, so an empty
    split gets no Parquet file and is left out of the card's YAML; it is still
    in ``arrow/<config>`` (``load_from_disk`` handles empty splits) and in the
    manifest.
    """
    folder = root / config
    folder.mkdir(parents=True, exist_ok=True)
    chunk = max(1, min(ROW_GROUP_SIZE, max_rows_per_file))
    ranges = shard_ranges(paths, SPLITS)
    jobs = []
    for split in SPLITS:
        rows = SplitRows(ranges[split])
        n_files = math.ceil(rows.n / max_rows_per_file)
        arrow_dir = root / "arrow" / config / split
        if arrow:
            arrow_dir.mkdir(parents=True, exist_ok=True)
        n_arrow = max(1, n_files)
        for i in range(n_arrow):
            jobs.append(FileJob(config, split, i, n_files, rows, i * max_rows_per_file,
                                min(rows.n, (i + 1) * max_rows_per_file),
                                folder / f"{split}-{i:05d}-of-{n_files:05d}.parquet",
                                arrow_dir / f"data-{i:05d}-of-{n_arrow:05d}.arrow" if arrow else None, feats, chunk))
    return jobs


def write_file(root: Path, job: FileJob, on_chunk: Callable[[pa.Table], None] | None = None) -> dict:
    """Write one file of a config (and its Arrow file); returns its ``file_record`` (None for an empty split)
    and ``num_bytes``, the Arrow bytes of the chunks that start in it.

    The chunks are those of the split's grid (:class:`SplitRows`): a chunk that straddles two files is read
    by both jobs, each writing its part, as one writer going through the split would; it counts (bytes,
    ``on_chunk``) in the file where it starts."""
    schema = job.feats.arrow_schema.with_metadata(hf_metadata(job.feats))
    if job.n_files == 0:
        if job.arrow is not None:
            with pa.ipc.new_stream(str(job.arrow), schema):
                pass
        return {"record": None, "num_bytes": 0, "arrow_record": file_record(root, job.arrow) if job.arrow else None}
    first, stop = job.start // job.chunk, -(-job.stop // job.chunk)
    nbytes = 0
    with pq.ParquetWriter(job.parquet, schema, **PARQUET_OPTIONS) as pw, \
            (pa.ipc.new_stream(str(job.arrow), schema) if job.arrow is not None else _NoWriter()) as aw:
        for c, t in enumerate(read_ahead(job.rows.chunks(job.chunk, first, stop)), first):
            t = to_release_table(t, job.feats)
            lo = c * job.chunk
            a, b = max(lo, job.start), min(lo + t.num_rows, job.stop)
            piece = t.slice(a - lo, b - a)
            pw.write_table(piece, row_group_size=ROW_GROUP_SIZE)
            aw.write_table(piece)
            if lo >= job.start:
                nbytes += t.nbytes
                if on_chunk is not None:
                    on_chunk(t)
    return {"record": file_record(root, job.parquet), "num_bytes": nbytes,
            "arrow_record": file_record(root, job.arrow) if job.arrow is not None else None}


class _NoWriter:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def write_table(self, t: pa.Table) -> None:
        pass


def finish_config(root: Path, config: str, jobs: list[FileJob], results: list[dict], arrow: bool = True) -> dict:
    """Per split, its files, rows, bytes and file records (``jobs`` and ``results`` in the same order); the
    Arrow folder's metadata files."""
    out = {}
    for split in SPLITS:
        mine = [(j, r) for j, r in zip(jobs, results) if j.config == config and j.split == split]
        files = [j.parquet for j, _ in mine if j.n_files]
        records = [r["record"] for j, r in mine if j.n_files]
        if arrow:
            _arrow_metadata(root / "arrow" / config / split, config, split, mine[0][0].feats,
                            [j.arrow for j, _ in mine], [r["sha256"] for r in records])
        out[split] = {"files": files, "num_examples": mine[0][0].rows.n,
                      "num_bytes": sum(r["num_bytes"] for _, r in mine), "file_records": records,
                      "arrow_records": [r["arrow_record"] for _, r in mine if r["arrow_record"] is not None]}
    if arrow:
        (root / "arrow" / config / "dataset_dict.json").write_text(json.dumps({"splits": list(SPLITS)}))
    return out


def _arrow_metadata(folder: Path, config: str, split: str, feats, arrow_files: list[Path],
                    parquet_sha256: list[str]) -> None:
    """The two JSON files ``Dataset.save_to_disk`` writes beside its Arrow files
    (the state's fingerprint: a digest of the split's Parquet digests)."""
    import hashlib

    h = hashlib.sha256("\n".join(parquet_sha256).encode("ascii"))
    info = {"citation": "", "config_name": config, "description": "", "features": feats.to_dict(),
            "homepage": "", "license": ""}
    state = {"_data_files": [{"filename": f.name} for f in arrow_files], "_fingerprint": h.hexdigest()[:16],
             "_format_columns": None, "_format_kwargs": {}, "_format_type": None, "_output_all_columns": False,
             "_split": split}
    (folder / "dataset_info.json").write_text(json.dumps(info, indent=2) + "\n")
    (folder / "state.json").write_text(json.dumps(state, indent=2) + "\n")


def write_audit(root: Path, removed_paths: list[Path], rejects: pa.Table) -> list[dict]:
    """``audit/``: removed lines (streamed in article/line order), learned boilerplate, rejections; returns
    the three files' records."""
    from collections import Counter

    folder = root / "audit"
    folder.mkdir(parents=True, exist_ok=True)
    per_text: Counter = Counter()  # learned line -> articles it was removed from
    carry: set = set()  # (text, article) pairs of the last article of the previous chunk
    n, chunks = ordered_chunks(removed_paths, "audit", ROW_GROUP_SIZE)
    schema = None
    with _LazyWriter(folder / "removed_lines.parquet") as w:
        for t in read_ahead(chunks):
            t = t.drop_columns(["id", "split"])
            w.write(t)
            lb = t.filter(pc.equal(t.column("reason"), "learned_boilerplate"))
            aids = lb.column("article_id").to_pylist()
            pairs = set(zip(lb.column("text").to_pylist(), aids))
            per_text.update(text for text, _ in pairs - carry)  # an article's lines are contiguous
            if aids:
                carry = {p for p in pairs if p[1] == aids[-1]}
            schema = t.schema
        if schema is None:
            from builder.pipeline import AUDIT_REMOVED_SCHEMA

            w.write(AUDIT_REMOVED_SCHEMA.empty_table().drop_columns(["id", "split"]))
    rows = sorted(per_text.items(), key=lambda r: (-r[1], r[0]))
    write_parquet(pa.table({"text": pa.array([r[0] for r in rows], pa.string()),
                            "articles": pa.array([r[1] for r in rows], pa.int64())}),
                  folder / "learned_boilerplate.parquet")
    if rejects.num_rows:
        rejects = rejects.take(pc.sort_indices(rejects, sort_keys=[("source", "ascending"), ("reason", "ascending"),
                                                                   ("detail", "ascending")]))
    write_parquet(rejects, folder / "rejected.parquet")
    return [file_record(root, folder / name)
            for name in ("removed_lines.parquet", "learned_boilerplate.parquet", "rejected.parquet")]


class _LazyWriter:
    """A Parquet writer that opens on the first table (its schema) and writes no empty row group."""

    def __init__(self, path: Path):
        self.path, self.w = path, None

    def write(self, t: pa.Table) -> None:
        if self.w is None:
            self.w = pq.ParquetWriter(self.path, t.schema, **PARQUET_OPTIONS)
        if t.num_rows:
            self.w.write_table(t, row_group_size=ROW_GROUP_SIZE)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.w is not None:
            self.w.close()


def file_record(root: Path, path: Path, rows: int | None = None) -> dict:
    import hashlib

    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    rec = {"path": path.relative_to(root).as_posix(), "bytes": size, "sha256": h.hexdigest()}
    if rows is not None:
        rec["rows"] = rows
    elif path.suffix == ".parquet":
        rec["rows"] = pq.ParquetFile(path).metadata.num_rows
    return rec
