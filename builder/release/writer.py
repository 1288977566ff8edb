"""Write a release folder: Parquet per config and split, Arrow DatasetDicts, audit.

Data files are deterministic: rows sorted by id, an explicit schema with the
``datasets`` features embedded (as ``Dataset.to_parquet`` does), fixed writer
settings and no timestamps, so the same build gives the same bytes.

Memory is bounded by a chunk of rows, not by the corpus: every work shard is
already sorted by ``(split, id)``, so the writer sorts only the ids (small),
then streams chunks of the global order, each chunk read as contiguous row
ranges of the shards (a k-way merge done with ranges instead of row by row).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.errors import BuilderError
from builder.stages.split import SPLITS

PARQUET_OPTIONS = dict(
    compression="zstd",
    compression_level=3,
    use_dictionary=True,
    write_statistics=True,
    data_page_version="2.0",
    version="2.6",
)
ROW_GROUP_SIZE = 10_000
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
    from datasets import ClassLabel, List

    cols = {}
    for name, feat in feats.items():
        col = work.column(name)
        if isinstance(feat, ClassLabel):
            col = _label_ids(col, feat, name)
        elif isinstance(feat, List) and isinstance(feat.feature, ClassLabel):
            col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
            flat = _label_ids(pc.list_flatten(col), feat.feature, name)
            offsets = col.offsets
            if len(offsets) and offsets[0].as_py():
                offsets = pc.subtract(offsets, offsets[0])
            col = pa.ListArray.from_arrays(offsets, flat)
        cols[name] = col
    table = pa.table(cols).cast(feats.arrow_schema)
    return table.replace_schema_metadata(hf_metadata(feats))


def _label_ids(col, feat, column: str) -> pa.Array:
    """Label names → ClassLabel ids, vectorised; an unknown name is an error, never a silent id."""
    names = pa.array(feat.names, pa.string())
    ids = pc.index_in(col, value_set=names)
    if ids.null_count:
        bad = pc.filter(col, pc.is_null(ids)).to_pylist()[:3]
        raise BuilderError(f"label(s) {bad} of column '{column}' are not among {feat.names}")
    return pc.cast(ids, pa.int64())


def sort_work(table: pa.Table) -> pa.Table:
    """Sort a work shard by (split, id): the order the writer relies on."""
    if table.num_rows == 0:
        return table
    return table.take(pc.sort_indices(table, sort_keys=[("split", "ascending"), ("id", "ascending")]))


class _Shard:
    """One work shard of one config: the row range of a split, read by row groups."""

    def __init__(self, path: Path, split: str):
        self.pf = pq.ParquetFile(path)
        cols = self.pf.read(columns=["split", "id"])
        sp = cols.column("split").to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(sp == split)
        self.lo = int(rows[0]) if len(rows) else 0
        self.ids = cols.column("id").slice(self.lo, len(rows)).combine_chunks()
        md = self.pf.metadata
        self.starts = np.cumsum([0] + [md.row_group(i).num_rows for i in range(md.num_row_groups)])

    def read(self, a: int, b: int) -> pa.Table:
        """Rows ``[a, b)`` of this shard's split range."""
        a, b = a + self.lo, b + self.lo
        g0 = int(np.searchsorted(self.starts, a, side="right") - 1)
        g1 = int(np.searchsorted(self.starts, b - 1, side="right") - 1)
        t = self.pf.read_row_groups(list(range(g0, g1 + 1)))
        return t.slice(a - int(self.starts[g0]), b - a)


def merged_chunks(paths: list[Path], split: str, chunk: int) -> tuple[int, Iterator[pa.Table]]:
    """Total rows of ``split`` over all shards, and an iterator of id-ordered chunks."""
    shards = [s for s in (_Shard(p, split) for p in paths if p.exists()) if len(s.ids)]
    if not shards:
        return 0, iter(())
    ids = pa.concat_arrays([s.ids for s in shards])
    owner = np.concatenate([np.full(len(s.ids), k, dtype=np.int32) for k, s in enumerate(shards)])
    local = np.concatenate([np.arange(len(s.ids), dtype=np.int64) for s in shards])
    order = pc.sort_indices(ids).to_numpy()
    n = len(ids)
    del ids
    for s in shards:
        s.ids = None  # only the order is kept

    def gen():
        for start in range(0, n, chunk):
            sel = order[start : start + chunk]
            pieces, keys = [], []
            for k in np.unique(owner[sel]):
                rows = np.sort(local[sel][owner[sel] == k])
                lo, hi = int(rows[0]), int(rows[-1]) + 1
                assert hi - lo == len(rows), "work shard not sorted by id"
                pieces.append(shards[k].read(lo, hi))
            t = pa.concat_tables(pieces)
            yield t.take(pc.sort_indices(t, sort_keys=[("id", "ascending")]))

    return n, gen()


def write_config(root: Path, config: str, paths: list[Path], feats, max_rows_per_file: int,
                 on_chunk: Callable[[str, pa.Table], None] | None = None, arrow: bool = True) -> dict:
    """Write ``root/<config>/{split}-{i:05d}-of-{n:05d}.parquet`` (and ``arrow/<config>``).

    ``datasets`` cannot load a split of zero rows from data files, so an empty
    split gets no Parquet file and is left out of the card's YAML; it is still
    in ``arrow/<config>`` (``load_from_disk`` handles empty splits) and in the
    manifest.
    """
    out = {}
    folder = root / config
    folder.mkdir(parents=True, exist_ok=True)
    chunk = max(1, min(ROW_GROUP_SIZE, max_rows_per_file))
    for split in SPLITS:
        n, chunks = merged_chunks(paths, split, chunk)
        n_files = math.ceil(n / max_rows_per_file)
        files = [folder / f"{split}-{i:05d}-of-{n_files:05d}.parquet" for i in range(n_files)]
        arrow_dir = root / "arrow" / config / split
        n_arrow = max(1, n_files)
        arrow_files = [arrow_dir / f"data-{i:05d}-of-{n_arrow:05d}.arrow" for i in range(n_arrow)]
        if arrow:
            arrow_dir.mkdir(parents=True, exist_ok=True)
        schema = feats.arrow_schema.with_metadata(hf_metadata(feats))
        pw = aw = None
        written, nbytes, current = 0, 0, -1
        try:
            for t in chunks:
                t = to_release_table(t, feats)
                pos = 0
                while pos < t.num_rows:
                    idx = written // max_rows_per_file
                    if idx != current:
                        for w in (pw, aw):
                            if w is not None:
                                w.close()
                        pw = pq.ParquetWriter(files[idx], schema, **PARQUET_OPTIONS)
                        aw = pa.ipc.new_stream(str(arrow_files[idx]), schema) if arrow else None
                        current = idx
                    take = min(t.num_rows - pos, (idx + 1) * max_rows_per_file - written)
                    piece = t.slice(pos, take)
                    pw.write_table(piece, row_group_size=ROW_GROUP_SIZE)
                    if aw is not None:
                        aw.write_table(piece)
                    pos += take
                    written += take
                nbytes += t.nbytes
                if on_chunk is not None:
                    on_chunk(split, t)
        finally:
            for w in (pw, aw):
                if w is not None:
                    w.close()
        if arrow and n == 0:
            with pa.ipc.new_stream(str(arrow_files[0]), schema):
                pass
        if arrow:
            _arrow_metadata(arrow_dir, config, split, feats, arrow_files, files)
        out[split] = {"files": files, "num_examples": n, "num_bytes": nbytes}
    if arrow:
        (root / "arrow" / config / "dataset_dict.json").write_text(json.dumps({"splits": list(SPLITS)}))
    return out


def _arrow_metadata(folder: Path, config: str, split: str, feats, arrow_files: list[Path], parquet: list[Path]) -> None:
    """The two JSON files ``Dataset.save_to_disk`` writes beside its Arrow files."""
    import hashlib

    h = hashlib.sha256()
    for f in parquet:
        with open(f, "rb") as fh:  # streamed: a split's files can be large
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    info = {"citation": "", "config_name": config, "description": "", "features": feats.to_dict(),
            "homepage": "", "license": ""}
    state = {"_data_files": [{"filename": f.name} for f in arrow_files], "_fingerprint": h.hexdigest()[:16],
             "_format_columns": None, "_format_kwargs": {}, "_format_type": None, "_output_all_columns": False,
             "_split": split}
    (folder / "dataset_info.json").write_text(json.dumps(info, indent=2) + "\n")
    (folder / "state.json").write_text(json.dumps(state, indent=2) + "\n")


def write_audit(root: Path, removed_paths: list[Path], rejects: pa.Table) -> None:
    """``audit/``: removed lines (streamed in article/line order), learned boilerplate, rejections."""
    from collections import Counter

    folder = root / "audit"
    folder.mkdir(parents=True, exist_ok=True)
    learned: Counter = Counter()
    n, chunks = merged_chunks(removed_paths, "audit", ROW_GROUP_SIZE)
    schema = None
    with _LazyWriter(folder / "removed_lines.parquet") as w:
        for t in chunks:
            t = t.drop_columns(["id", "split"])
            w.write(t)
            lb = t.filter(pc.equal(t.column("reason"), "learned_boilerplate"))
            learned.update(zip(lb.column("text").to_pylist(), lb.column("article_id").to_pylist()))
            schema = t.schema
        if schema is None:
            from builder.pipeline import AUDIT_REMOVED_SCHEMA

            w.write(AUDIT_REMOVED_SCHEMA.empty_table().drop_columns(["id", "split"]))
    per_text = Counter(text for text, _ in learned)
    rows = sorted(per_text.items(), key=lambda r: (-r[1], r[0]))
    write_parquet(pa.table({"text": pa.array([r[0] for r in rows], pa.string()),
                            "articles": pa.array([r[1] for r in rows], pa.int64())}),
                  folder / "learned_boilerplate.parquet")
    if rejects.num_rows:
        rejects = rejects.take(pc.sort_indices(rejects, sort_keys=[("source", "ascending"), ("reason", "ascending"),
                                                                   ("detail", "ascending")]))
    write_parquet(rejects, folder / "rejected.parquet")


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
