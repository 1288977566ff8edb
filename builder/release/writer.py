"""Write a release folder: Parquet per config and split, Arrow DatasetDicts, audit.

Data files are deterministic: rows sorted by id, an explicit schema with the
``datasets`` features embedded (as ``Dataset.to_parquet`` does), fixed writer
settings and no timestamps, so the same build gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.errors import BuilderError
from builder.release.features import features as config_features
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


def write_parquet(table: pa.Table, path: Path) -> None:
    """Deterministic Parquet; an empty table is written with no row group at all
    (``datasets`` cannot read a row group of zero rows)."""
    with pq.ParquetWriter(path, table.schema, **PARQUET_OPTIONS) as w:
        if table.num_rows:
            w.write_table(table, row_group_size=ROW_GROUP_SIZE)


def to_release_table(work: pa.Table, feats) -> pa.Table:
    """Work table (labels as strings) → release table (ClassLabel ids, exact schema)."""
    from datasets import ClassLabel, List

    cols = {}
    for name, feat in feats.items():
        col = work.column(name)
        if isinstance(feat, ClassLabel):
            col = pa.array([_label_id(feat, v, name) for v in col.to_pylist()], pa.int64())
        elif isinstance(feat, List) and isinstance(feat.feature, ClassLabel):
            col = pa.array([[_label_id(feat.feature, v, name) for v in vs] for vs in col.to_pylist()], pa.list_(pa.int64()))
        cols[name] = col
    schema = feats.arrow_schema
    table = pa.table(cols).cast(schema)
    meta = {b"huggingface": json.dumps({"info": {"features": feats.to_dict()}}).encode("utf-8")}
    return table.replace_schema_metadata(meta)


def _label_id(feat, value: str, column: str) -> int:
    try:
        return feat.str2int(value)
    except ValueError:
        raise BuilderError(f"label {value!r} of column '{column}' is not one of {feat.names}") from None


def sort_by_id(table: pa.Table) -> pa.Table:
    if table.num_rows == 0:
        return table
    return table.take(pc.sort_indices(table, sort_keys=[("id", "ascending")]))


def write_config(root: Path, config: str, work: pa.Table, feats, max_rows_per_file: int) -> dict:
    """Write ``root/<config>/{split}-{i:05d}-of-{n:05d}.parquet`` for every split (empty ones too)."""
    out = {}
    work = sort_by_id(work)
    folder = root / config
    folder.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        part = work.filter(pc.equal(work.column("split"), split)) if work.num_rows else work
        table = to_release_table(part, feats)
        # ``datasets`` cannot load a split of zero rows from data files, so an empty
        # split gets no Parquet file and is left out of the card's YAML; it is still
        # in arrow/<config> (load_from_disk handles empty splits) and in the manifest.
        n = math.ceil(table.num_rows / max_rows_per_file)
        files = []
        for i in range(n):
            chunk = table.slice(i * max_rows_per_file, max_rows_per_file)
            path = folder / f"{split}-{i:05d}-of-{n:05d}.parquet"
            write_parquet(chunk, path)
            files.append(path)
        out[split] = {"table": table, "files": files, "num_examples": table.num_rows, "num_bytes": table.nbytes}
    return out


def write_arrow(root: Path, config: str, splits: dict, feats) -> None:
    """The same data as a ``DatasetDict`` saved with ``save_to_disk`` under ``arrow/<config>``."""
    from datasets import Dataset, DatasetDict, DatasetInfo, NamedSplit
    from datasets.table import InMemoryTable

    from datasets.utils.logging import disable_progress_bar, enable_progress_bar

    disable_progress_bar()
    dd = {}
    for split, s in splits.items():
        table = s["table"]
        fp = hashlib.sha256(b"".join(f.read_bytes() for f in s["files"])).hexdigest()[:16]
        dd[split] = Dataset(InMemoryTable(table), info=DatasetInfo(features=feats, config_name=config),
                            split=NamedSplit(split), fingerprint=fp)
    try:
        DatasetDict(dd).save_to_disk(str(root / "arrow" / config), num_shards={k: 1 for k in dd})
    finally:
        enable_progress_bar()


def write_audit(root: Path, removed: pa.Table, rejects: pa.Table) -> None:
    folder = root / "audit"
    folder.mkdir(parents=True, exist_ok=True)
    if removed.num_rows:
        removed = removed.take(pc.sort_indices(removed, sort_keys=[("article_id", "ascending"), ("line", "ascending")]))
    if rejects.num_rows:
        rejects = rejects.take(pc.sort_indices(rejects, sort_keys=[("source", "ascending"), ("reason", "ascending")]))
    write_parquet(removed, folder / "removed_lines.parquet")
    learned = removed.filter(pc.equal(removed.column("reason"), "learned_boilerplate")) if removed.num_rows else removed
    counts = learned.group_by("text").aggregate([("article_id", "count_distinct")]) if learned.num_rows else None
    rows = sorted(zip(counts.column("text").to_pylist(), counts.column("article_id_count_distinct").to_pylist()),
                  key=lambda r: (-r[1], r[0])) if counts is not None else []
    write_parquet(pa.table({"text": pa.array([r[0] for r in rows], pa.string()),
                            "articles": pa.array([r[1] for r in rows], pa.int64())}),
                  folder / "learned_boilerplate.parquet")
    write_parquet(rejects, folder / "rejected.parquet")


def file_record(root: Path, path: Path, rows: int | None = None) -> dict:
    data = path.read_bytes()
    rec = {"path": path.relative_to(root).as_posix(), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if rows is not None:
        rec["rows"] = rows
    elif path.suffix == ".parquet":
        rec["rows"] = pq.ParquetFile(path).metadata.num_rows
    return rec


__all__ = ["config_features", "write_config", "write_arrow", "write_audit", "file_record", "to_release_table"]
