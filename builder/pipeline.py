"""The stage chain, cut in two phases around the barrier.

Phase 1 (per shard, in parallel): read → extract → normalize → segment →
filter → dedup signatures. Writes the shard's documents to the work folder.

Barrier (one process, small keyed data only): near-duplicate clusters, split
assignment, stance pairs (negatives need other articles), corpus document
frequencies.

Phase 2 (per shard, in parallel): join the barrier's keys → NER → stance
labels → one table per release config, written to the work folder.

Work files are keyed by digests of what produced them (inputs, stage
configs, builder version), written atomically, and reused when present, so a
killed build resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import socket
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder import __version__
from builder.ids import digest, json_digest
from builder.sources.base import REJECT_SCHEMA, Shard, Source
from builder.stages.base import Stage, set_column
from builder.stages.segment import REMOVED_TYPE
from builder.stages.words import utf8_words, word_count
from builder.timing import StageClock

PHASE1_STAGES = ("extract", "normalize", "segment", "lang", "filter", "boilerplate", "dedup")
PHASE2_STAGES = ("ner", "stance")

AUDIT_REMOVED_SCHEMA = pa.schema(
    [
        ("id", pa.string()),  # article id + line number: the sort key of the audit
        ("split", pa.string()),
        ("article_id", pa.string()),
        ("source", pa.string()),
        ("line", pa.int32()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("reason", pa.string()),
        ("text", pa.string()),
    ]
)


def instantiate_stage(node: Any) -> Any:
    """Instantiate one config node (``_target_`` + keys), or None for a disabled stage."""
    if node is None:
        return None
    from hydra.utils import instantiate

    if isinstance(node, dict) and not node.get("_target_"):
        return None
    return instantiate(node, _convert_="all")


@dataclass
class Pipeline:
    """Everything a worker needs, built from the resolved config (a plain dict)."""

    cfg: dict

    def __post_init__(self):
        self.source: Source = instantiate_stage(self.cfg["source"])
        self.stages: dict[str, Stage | None] = {}
        for name in PHASE1_STAGES + PHASE2_STAGES + ("split",):
            self.stages[name] = instantiate_stage(self.cfg.get(name))
        stance = self.stages.get("stance")
        self.pairer = getattr(stance, "pairs", None)
        self._bound_corpus = None
        self._learned = None

    # -- digests that key work files ---------------------------------------
    def describe(self, names) -> dict:
        return {n: (self.stages[n].describe() if self.stages.get(n) else None) for n in names}

    def phase1_key(self, shard: Shard) -> str:
        from builder.stages.stance_features import FEATURES_VERSION  # phase 1 counts corpus statistics with it

        # the corpus statistics are counted only for the stance stage
        stats = FEATURES_VERSION if self.stages.get("stance") is not None else "no-stance"
        return digest(__version__, stats, shard.key, json_digest(self.source_config()),
                      json_digest(self.describe(PHASE1_STAGES)), n=24)

    def source_config(self) -> dict:
        c = dict(self.cfg["source"])
        c.pop("path", None)
        c.pop("shard_size", None)
        return c

    # -- phase 1 -----------------------------------------------------------
    def run_phase1(self, shard: Shard, out: Path) -> dict:
        """Read and clean one shard; write ``out`` (documents) and return its stats."""
        clock = StageClock()
        res = self.source.read(shard)
        docs, rejects = res.tables()
        counts = {"read": docs.num_rows + rejects.num_rows, "rejected": dict(Counter(rejects.column("reason").to_pylist()))}
        t = docs.rename_columns(docs.column_names)
        if "text_raw" not in t.column_names:
            t = set_column(t, "text_raw", t.column("raw").to_pylist(), pa.string())
        clock.lap("read")
        for name in PHASE1_STAGES:
            st = self.stages.get(name)
            if st is not None and t.num_rows:
                t = st(t)
                clock.lap(name)
        if "text" not in t.column_names:  # segment disabled: the whole normalised text is the body
            t = set_column(t, "text", (t.column("norm") if "norm" in t.column_names else t.column("text_raw")).to_pylist(), pa.string())
        if "reject_reason" in t.column_names and t.num_rows:
            bad = pc.is_valid(t.column("reject_reason"))
            rej = t.filter(bad)
            if rej.num_rows:
                reasons = rej.column("reject_reason").to_pylist()
                details = (rej.column("reject_detail").to_pylist() if "reject_detail" in rej.column_names
                           else [""] * rej.num_rows)
                for r in reasons:
                    counts["rejected"][r] = counts["rejected"].get(r, 0) + 1
                rejects = pa.concat_tables([
                    rejects,
                    pa.Table.from_pylist(
                        [{"source": s, "stage": "lang" if r == "language" else "filter", "reason": r,
                          "detail": d or "", "id": i}
                         for s, r, d, i in zip(rej.column("source").to_pylist(), reasons, details,
                                               rej.column("id").to_pylist())],
                        schema=REJECT_SCHEMA,
                    ),
                ])
            t = t.filter(pc.invert(bad))
        t = _finish_phase1(t)
        clock.lap("rejects")
        df = {}
        if self.stages.get("stance") is not None:  # the stance stage's corpus document frequencies
            df = _shard_df(t)
            clock.lap("stance_df")
        write_atomic(t, out / "docs.parquet")
        write_atomic(rejects, out / "rejects.parquet")
        save_npz_atomic(out / "df.npz", keys=np.array(list(df), dtype=np.int64),
                        counts=np.array(list(df.values()), dtype=np.int64))
        counts["kept"] = t.num_rows
        clock.lap("write")
        counts["seconds"] = clock.result()
        write_marker(out / "stats.json", counts)
        return counts

    # -- phase 2 -----------------------------------------------------------
    def run_phase2(self, docs_path: Path, keys_path: Path, corpus: Path, out: Path) -> dict:
        clock = StageClock()
        t = pq.read_table(docs_path)
        keys = pq.read_table(keys_path)
        assert keys.column("id").to_pylist() == t.column("id").to_pylist(), "barrier keys out of step"
        for c in ("cluster_id", "split", "duplicate", "duplicate_reason", "stance_pairs"):
            t = t.append_column(keys.schema.field(c), keys.column(c))
        dup = t.filter(t.column("duplicate"))
        rejects = pa.Table.from_pylist(
            [{"source": s, "stage": "dedup", "reason": r, "detail": f"cluster {c}", "id": i}
             for s, c, i, r in zip(dup.column("source").to_pylist(), dup.column("cluster_id").to_pylist(),
                                   dup.column("id").to_pylist(), dup.column("duplicate_reason").to_pylist())],
            schema=REJECT_SCHEMA,
        )
        t = t.filter(pc.invert(t.column("duplicate")))
        clock.lap("read")
        bp = self.stages.get("boilerplate")
        if bp is not None and t.num_rows:
            t = bp.apply(t, self.learned(corpus))
            clock.lap("boilerplate")
        ner, stance = self.stages.get("ner"), self.stages.get("stance")
        if ner is not None and t.num_rows:
            t = ner(t)
            clock.lap("ner")
        if stance is not None and t.num_rows:
            if self._bound_corpus != str(corpus):
                z = np.load(corpus / "df.npz")
                stance.bind_corpus(z["df"], int(z["n_docs"]))
                self._bound_corpus = str(corpus)
            t = stance(t)
            clock.lap("stance")
        tables = explode(t, with_ner=ner is not None, with_stance=stance is not None,
                         default_lang=(self.cfg.get("dataset") or {}).get("language", ["und"])[0])
        clock.lap("tables")
        tables["_rejects"] = rejects
        from builder.release.writer import WORK_ROW_GROUP, sort_work

        for name, tab in tables.items():
            if name == "_rejects":
                write_atomic(tab, out / f"{name}.parquet")
            else:  # a split's rows in row groups of their own: the writer reads one split at a time
                write_atomic(sort_work(tab), out / f"{name}.parquet", row_group_size=WORK_ROW_GROUP, group_by="split")
        stats = {"duplicates_dropped": rejects.num_rows, **{k: v.num_rows for k, v in tables.items()},
                 "dropped_reasons": dict(Counter(rejects.column("reason").to_pylist()))}
        clock.lap("write")
        stats["seconds"] = clock.result()
        write_marker(out / "stats.json", stats)
        return stats


    def learned(self, corpus: Path) -> dict[str, set[int]]:
        """The barrier's learned boilerplate lines, loaded once per worker."""
        if self._learned is None or self._learned[0] != str(corpus):
            out: dict[str, set[int]] = {}
            path = corpus / "learned_boilerplate.parquet"
            if path.exists():
                tab = pq.read_table(path)
                for g, h in zip(tab.column("group").to_pylist(), tab.column("line_hash").to_pylist()):
                    out.setdefault(g, set()).add(h)
            self._learned = (str(corpus), out)
        return self._learned[1]


def _finish_phase1(t: pa.Table) -> pa.Table:
    keep = [c for c in t.column_names
            if c not in ("raw", "text_raw", "norm", "reject_reason", "reject_detail", "page_teasers")]
    return t.select(keep)


def _shard_df(t: pa.Table) -> dict[int, int]:
    from builder.stages.stance import doc_frequencies

    if not t.num_rows:
        return {}
    return doc_frequencies(t.column("text").to_pylist())


def tmp_name(path: Path) -> Path:
    """A temporary name beside ``path`` that no other writer uses: on a cluster, a shard that Ray runs again
    elsewhere while its lost node's task still writes (a partition, not a crash) can share the process id."""
    return path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.tmp")


def write_atomic(table: pa.Table, path: Path, row_group_size: int | None = None, group_by: str | None = None) -> None:
    """Write a work file so that it is either complete or absent.

    ``group_by``: a column whose equal values are contiguous; no row group then
    holds two of its values.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_name(path)
    if group_by is None or not table.num_rows:
        pq.write_table(table, tmp, compression="zstd", row_group_size=row_group_size)
    else:
        values = table.column(group_by).to_numpy(zero_copy_only=False)
        cuts = [0, *(np.flatnonzero(values[1:] != values[:-1]) + 1).tolist(), table.num_rows]
        with pq.ParquetWriter(tmp, table.schema, compression="zstd") as w:
            for lo, hi in zip(cuts, cuts[1:]):
                w.write_table(table.slice(lo, hi - lo), row_group_size=row_group_size)
    os.replace(tmp, path)


def save_npz_atomic(path: Path, **arrays: np.ndarray) -> None:
    """``np.savez_compressed`` of ``arrays`` to ``path``, complete or absent (as :func:`write_atomic`)."""
    tmp = tmp_name(path)
    with open(tmp, "wb") as f:  # (a file object: savez adds no ".npz" to its name)
        np.savez_compressed(f, **arrays)
    os.replace(tmp, path)


def write_marker(path: Path, stats: dict) -> None:
    """Write a mark of completion (a shard's ``stats.json``, the barrier's ``barrier.json``) so that it
    is either whole or absent: a build killed while writing it must not leave an empty mark that a
    resumed build trusts."""
    tmp = tmp_name(path)
    tmp.write_text(json.dumps(stats, sort_keys=True))
    os.replace(tmp, path)


# -- explode documents into the release configs ------------------------------


def explode(t: pa.Table, with_ner: bool, with_stance: bool, default_lang: str = "und") -> dict[str, pa.Table]:
    """Documents → one table per release config (plus the audit of removed lines).

    Column by column: the nested teasers, removed lines, sentences and stance
    pairs are flattened by Arrow, and only the ids (digests) and word counts
    are computed per row in Python. Rows come out in document order, then in
    list order within a document.
    """
    from builder.release.features import WORK_SCHEMAS

    n = t.num_rows
    ids = t.column("id").to_pylist()

    def col(name: str, default=None) -> pa.ChunkedArray | pa.Array:
        if name in t.column_names:
            return t.column(name)
        return pa.array([default] * n, pa.string())

    texts = t.column("text").to_pylist()
    articles = {"id": t.column("id"), "source": col("source"), "url": col("url"), "title": col("title"),
                "date": col("date"), "text": t.column("text"),
                # detected language when the lang stage ran (None: undetermined), else the declared one
                "lang": col("lang", default_lang),
                "n_words": pa.array([word_count(x, len(utf8_words(x))) for x in texts], pa.int32()),
                "cluster_id": col("cluster_id"), "encoding": col("encoding"), "split": col("split")}
    out = {"articles": _work_table(articles, WORK_SCHEMAS["articles"])}

    parent, aids, items = _flatten(t, "teasers", ids)
    out["teasers"] = _work_table({
        "id": [digest(a, "teaser", str(p)) for a, p in zip(aids, _values(items, "position"))],
        "article_id": aids, **_fields(items, ("headline", "blurb", "section", "position", "kind")),
        "split": _take(t, "split", parent)}, WORK_SCHEMAS["teasers"])

    parent, aids, items = _flatten(t, "removed", ids)
    out["_removed"] = _work_table({
        "id": [f"{a}:{line:09d}" for a, line in zip(aids, _values(items, "line"))],
        "split": ["audit"] * len(aids), "article_id": aids, "source": _take(t, "source", parent),
        **_fields(items, ("line", "start", "end", "reason", "text"))}, AUDIT_REMOVED_SCHEMA)

    if with_ner:
        parent, aids, items = _flatten(t, "sentences", ids)
        out["ner"] = _work_table({
            "id": [digest(a, "sentence", str(k)) for a, k in zip(aids, _values(items, "sentence"))],
            "article_id": aids, **_fields(items, ("sentence", "text", "tokens", "ner_tags", "entities")),
            "labeler": _take(t, "ner_labeler", parent), "split": _take(t, "split", parent)}, WORK_SCHEMAS["ner"])
    if with_stance:
        parent, aids, items = _flatten(t, "stance", ids)
        pairs, heads = _values(items, "pair"), _values(items, "headline")
        out["stance"] = _work_table({
            "id": [digest(a, "stance", p, h) for a, p, h in zip(aids, pairs, heads)],
            "article_id": aids, "body": _take(t, "text", parent),
            **_fields(items, ("headline", "label", "confidence", "pair")),
            "labeler": _take(t, "stance_labeler", parent), "split": _take(t, "split", parent)},
            WORK_SCHEMAS["stance"])
    return out


def _flatten(t: pa.Table, name: str, ids: list[str]) -> tuple[list[int], list[str], pa.StructArray]:
    """A list-of-struct column's items, with the row and the document id each came from
    (null or missing lists: none)."""
    if name not in t.column_names or not t.num_rows:
        return [], [], pa.array([], pa.struct([]))
    c = t.column(name).combine_chunks()
    parent = pc.list_parent_indices(c).to_pylist()
    return parent, [ids[i] for i in parent], pc.list_flatten(c)


def _values(items: pa.StructArray, name: str) -> list:
    return items.field(name).to_pylist() if len(items) else []


def _fields(items: pa.StructArray, names: tuple[str, ...]) -> dict:
    if not len(items):
        return {k: [] for k in names}
    return {k: items.field(k) for k in names}


def _take(t: pa.Table, name: str, rows: list[int]):
    return t.column(name).take(pa.array(rows, pa.int64())) if rows else []


def _work_table(cols: dict, schema: pa.Schema) -> pa.Table:
    arrays = []
    for field in schema:
        v = cols[field.name]
        if isinstance(v, list):
            arrays.append(pa.array(v, field.type))
        else:
            v = v.combine_chunks() if isinstance(v, pa.ChunkedArray) else v
            arrays.append(v if v.type == field.type else v.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


_ = REMOVED_TYPE  # re-exported for the audit schema's readers
