"""The barrier: the one step that sees the whole corpus, on small keyed data only.

Per document it reads fixed-size keys from the phase-1 work files (the id, an
exact-content hash, 16 LSH band hashes, the source group; later the hashes of
body lines, and the 64-value MinHash sketches of the documents that share a
band hash with another) into numpy and Arrow arrays, never the text, and
computes:

* near-duplicate clusters (connected components of documents sharing the exact hash,
  or a band hash when their sketches confirm the similarity), the cluster id
  being the smallest member id, so it does not depend on order;
* repeated ids (``duplicate_id``) and, with ``dedup.keep=false``, the
  cluster members that are not its representative (``near_duplicate``);
* the split of every cluster;
* learned boilerplate lines per source group (counted in distinct clusters);
* stance pairs (headlines of other stories in the same split);
* corpus document frequencies (hashed) for the stance labeler.

Its output is one keys file per shard, in the shard's row order, that phase 2
joins back.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.prefetch import read_ahead

PAIR_TYPE = pa.list_(pa.struct([("headline", pa.string()), ("pair", pa.string())]))


def _flat(column, dtype) -> np.ndarray:
    """The values of a list column, flattened, as a numpy array of ``dtype``."""
    return pc.list_flatten(column).to_numpy(zero_copy_only=False).astype(dtype)


#: the value of each ASCII character as a hex digit (-1: not one)
_HEX_DIGIT = np.full(256, -1, np.int8)
_HEX_DIGIT[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10)
_HEX_DIGIT[np.frombuffer(b"abcdef", np.uint8)] = np.arange(10, 16)
_HEX_DIGIT[np.frombuffer(b"ABCDEF", np.uint8)] = np.arange(10, 16)


def hex_u64(column) -> np.ndarray:
    """Strings of 16 hex digits (the dedup stage's exact hashes) as uint64, read from the Arrow buffers
    at once; ``int(h, 16)`` per string where any is not such a string."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    n = len(arr)
    if n and not arr.null_count and arr.type == pa.string():
        offsets = np.frombuffer(arr.buffers()[1], np.int32)[arr.offset:arr.offset + n + 1]
        if offsets[-1] - offsets[0] == 16 * n and (np.diff(offsets) == 16).all():
            chars = np.frombuffer(arr.buffers()[2], np.uint8)[offsets[0]:offsets[-1]].reshape(n, 16)
            digits = _HEX_DIGIT[chars]
            if (digits >= 0).all():
                digits = digits.astype(np.uint8)
                packed = (digits[:, 0::2] << 4) | digits[:, 1::2]  # two digits a byte, most significant first
                return packed.view(">u8").ravel().astype(np.uint64)
    return np.array([int(h, 16) for h in arr.to_pylist()], dtype=np.uint64)


def value_codes(column, names: dict) -> np.ndarray:
    """Each value's code in ``names`` (a value not yet in it gets the next code, in order of first
    appearance), through Arrow's dictionary encoding: a Python step per distinct value, not per row."""
    enc = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    enc = pc.dictionary_encode(enc, null_encoding="encode")
    mapping = np.array([names.setdefault(v, len(names)) for v in enc.dictionary.to_pylist()], np.int64)
    return mapping[enc.indices.to_numpy(zero_copy_only=False)] if len(mapping) else np.zeros(0, np.int64)


def _read(path: Path, columns: list[str]) -> pa.Table:
    """The ``columns`` a work file has (a shard whose documents were all rejected has fewer)."""
    with pq.ParquetFile(path) as pf:
        names = pf.schema_arrow.names
        return pf.read(columns=[c for c in columns if c in names])


def shared_pairs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(a[j], b[j])`` of documents that share a key value: neighbours in key order (a group of k
    documents with one value gives its k - 1 consecutive pairs, in document order within the group)."""
    order = np.argsort(keys, kind="stable")
    same = np.flatnonzero(keys[order][1:] == keys[order][:-1])
    return order[same], order[same + 1]


def cluster_roots(keys: list[np.ndarray], rank: np.ndarray, verify: list[bool] | None = None,
                  sketch=None, min_similarity: float = 0.0) -> np.ndarray:
    """Root (index of the lowest-ranked member) of every document's cluster.

    ``keys``: arrays of one uint64 key per document; documents sharing a key
    value in any array are joined. Where ``verify[i]`` is true (LSH bands), a
    pair sharing a key of ``keys[i]`` is joined only if their ``sketch`` rows
    (MinHash values; anything indexed by an array of document indices, or a
    function that gives such a thing for the documents to check, sorted)
    agree in at least ``min_similarity`` of the positions.
    ``rank``: a permutation of ``0..n-1`` (the documents' order by id).
    ``keys`` is emptied once its pairs are found, so that arrays only it holds
    are freed before the clusters are made.
    Clusters are the connected components of the joined pairs (scipy's
    ``connected_components``: no Python loop over documents or pairs).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(rank)
    if not n:
        return np.array([], dtype=np.int64)
    pairs = [shared_pairs(k) for k in keys]
    keys.clear()  # (the caller's band hashes are freed here when it kept no other reference)
    checked = [bool(verify and verify[i]) and sketch is not None and min_similarity > 0 for i in range(len(pairs))]
    if callable(sketch) and any(checked):  # the sketches of the documents some band pair holds, and only those
        sketch = sketch(np.unique(np.concatenate([x for (a, b), c in zip(pairs, checked) if c for x in (a, b)])))
        if sketch is None:  # none to check against
            checked = [False] * len(pairs)
    for i, (a, b) in enumerate(pairs):
        if checked[i] and len(a):
            ok = (sketch[a] == sketch[b]).mean(axis=1) >= min_similarity
            pairs[i] = a[ok], b[ok]
    a = np.concatenate([np.array([], np.int64)] + [a for a, _ in pairs])
    b = np.concatenate([np.array([], np.int64)] + [b for _, b in pairs])
    del pairs
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n, n))
    n_comps, component = connected_components(graph, directed=False)
    del graph, a, b
    lowest = np.full(n_comps, n, dtype=np.int64)
    np.minimum.at(lowest, component, rank)  # each component's lowest rank
    doc_of_rank = np.empty(n, dtype=np.int64)
    doc_of_rank[rank] = np.arange(n)
    return doc_of_rank[lowest][component]


class SketchRows:
    """The MinHash sketches (``rows``) of some of ``n`` documents (``index``), indexed like the array of all."""

    def __init__(self, n: int, index: np.ndarray, rows: np.ndarray):
        self.where = np.full(n, -1, dtype=np.int32)  # row of each document's sketch (4 bytes a document)
        self.where[index] = np.arange(len(index), dtype=np.int32)
        self.rows = rows

    def __getitem__(self, docs: np.ndarray) -> np.ndarray:
        return self.rows[self.where[docs]]


def _sketches(shard_dirs: list[Path], sizes: list[int], docs: np.ndarray) -> SketchRows | None:
    """The MinHash sketches of ``docs`` (sorted indices into the corpus): only the documents a band match
    checks are read, as a sketch is 256 bytes a document (twice its band hashes). None where a shard has
    no sketches (the check is then skipped, as before sketches existed)."""
    rows, start = [], 0
    for d, n in zip(shard_dirs, sizes):
        mine = docs[np.searchsorted(docs, start):np.searchsorted(docs, start + n)] - start
        if len(mine):
            t = _read(d / "docs.parquet", ["sketch"])
            if "sketch" not in t.column_names:
                return None
            rows.append(_flat(t.column("sketch").take(pa.array(mine)), np.uint32).reshape(len(mine), -1))
        start += n
    return SketchRows(start, docs, np.concatenate(rows) if rows else np.zeros((0, 0), np.uint32))


#: a document's reason to be left out of the release (``duplicate_reason``), by code
REASONS = pa.array([None, "duplicate_id", "near_duplicate"], pa.string())


def barrier(pipe, shard_dirs: list[Path], out: Path) -> dict:
    """Clusters, splits, learned boilerplate, stance pairs and corpus statistics.

    Per document it holds numbers (keys, codes, indices) and its id in one Arrow
    array; Python objects only per cluster root being split, per shard being
    read or written, and per headline of the stance pools (at most twice the
    pool size a split)."""
    out.mkdir(parents=True, exist_ok=True)
    dedup, bp = pipe.stages.get("dedup"), pipe.stages.get("boilerplate")
    ids_parts, exact, bands, sizes = [], [], [], []
    doc_group, group_names = [], {}
    # the next shards' keys are read (outside the GIL) while this one's are turned into arrays
    for t in read_ahead(_read(d / "docs.parquet", ["id", "exact_hash", "bands", "group"]) for d in shard_dirs):
        n = t.num_rows
        sizes.append(n)
        ids_parts.append(t.column("id").combine_chunks())
        if dedup is not None and n:
            exact.append(hex_u64(t.column("exact_hash")))
            bands.append(_flat(t.column("bands"), np.uint64).reshape(n, -1))
        if bp is not None and n:
            doc_group.append(value_codes(t.column("group"), group_names))
        del t
    ids = pa.concat_arrays(ids_parts) if ids_parts else pa.array([], pa.string())
    del ids_parts
    n = len(ids)
    by_id = pc.sort_indices(ids).to_numpy()  # (stable: equal ids in document order)
    rank = np.empty(n, dtype=np.int64)
    rank[by_id] = np.arange(n)
    if dedup is not None and n:
        ex, bd = np.concatenate(exact), np.concatenate(bands)
        exact.clear()
        bands.clear()
        min_similarity = getattr(dedup, "min_similarity", 0.0)
        keys, n_bands = [ex] + [bd[:, b] for b in range(bd.shape[1])], bd.shape[1]
        del ex, bd  # (keys holds them: cluster_roots frees them once it has the pairs)
        root = cluster_roots(keys, rank, verify=[False] + [True] * n_bands, min_similarity=min_similarity,
                             sketch=lambda docs: _sketches(shard_dirs, sizes, docs))
    else:
        root = cluster_roots([], rank) if n else np.array([], dtype=np.int64)

    # repeated ids: the first occurrence counts
    dup_id = np.zeros(n, dtype=bool)
    first_of_id = np.arange(n)  # by rank: the rank of the first document with the same id
    if n > 1:
        in_order = ids.take(pa.array(by_id))
        same = pc.equal(in_order.slice(1), in_order.slice(0, n - 1)).to_numpy(zero_copy_only=False)
        dup_id[np.maximum(by_id[:-1], by_id[1:])[same]] = True
        first_of_id[1:][same] = 0
        first_of_id = np.maximum.accumulate(first_of_id)
        del in_order, same
    keep_dups = dedup.keep if dedup is not None else True
    reason = np.where(dup_id, 1, np.where((not keep_dups) & (root != np.arange(n)), 2, 0)).astype(np.int8)
    duplicate = reason != 0
    cluster_code = first_of_id[rank[root]]  # equal for documents whose cluster ids are equal strings
    del dup_id, by_id, first_of_id
    splitter = pipe.stages["split"]
    code_of: dict[str, int] = {}  # split name -> code, in order of first assignment
    split_code = np.zeros(n, dtype=np.int8)  # by cluster root, then by document
    roots = np.unique(root)
    for lo in range(0, len(roots), 100_000):
        part = roots[lo:lo + 100_000]
        split_code[part] = [code_of.setdefault(splitter.assign(k), len(code_of))
                            for k in ids.take(pa.array(part)).to_pylist()]
    split_code = split_code[root]
    names = list(code_of)
    split_names = pa.array(names, pa.string())
    kept = split_code[~duplicate]
    codes, first = np.unique(kept, return_index=True)
    counts = np.bincount(kept, minlength=len(names))
    splits = {names[c]: int(counts[c]) for c in codes[np.argsort(first)]}  # (in order of first appearance)

    n_learned = 0
    if bp is not None:
        lines_h, lines_d = _frequent_lines(shard_dirs, sizes, bp.min_clusters)
        groups = np.concatenate(doc_group) if doc_group else np.array([], np.int64)
        learned = bp.learn_arrays(groups, root, lines_h, lines_d, sorted(group_names, key=group_names.get))
        rows = sorted((g, int(h)) for g, hs in learned.items() for h in hs)
        n_learned = len(rows)
        _write(pa.table({"group": pa.array([r[0] for r in rows], pa.string()),
                         "line_hash": pa.array([r[1] for r in rows], pa.uint64())}), out / "learned_boilerplate.parquet")
        del lines_h, lines_d, groups

    pools = None
    if pipe.pairer is not None:  # the negative pools, from every article (bounded: see HeadlinePools)
        making = pipe.pairer.pools()
        for a in _articles(shard_dirs, sizes, ids, cluster_code, rank, duplicate, split_code, names):
            making.add(a["id"], a["cluster_id"], a["split"], a["title"], a["headlines"], order=a["order"])
        pools = making.finish()
        del making
    shard_articles = (_articles(shard_dirs, sizes, ids, cluster_code, rank, duplicate, split_code, names,
                                by_shard=True) if pools is not None else None)

    pos = 0
    for i, size in enumerate(sizes):
        sl = slice(pos, pos + size)
        shard_ids = ids.slice(pos, size)
        if shard_articles is not None:  # each article's pairs, a shard at a time (duplicates get none)
            pairs = [[] for _ in range(size)]
            for k, a in next(shard_articles):
                pairs[k] = pipe.pairer.article_pairs(a, pools)
        else:
            pairs = [[]] * size
        _write(pa.table({
            "id": shard_ids,
            "cluster_id": ids.take(pa.array(root[sl])),
            "split": split_names.take(pa.array(split_code[sl])),
            "duplicate": pa.array(duplicate[sl], pa.bool_()),
            "duplicate_reason": REASONS.take(pa.array(reason[sl])),
            "stance_pairs": pa.array(pairs, PAIR_TYPE),
        }), out / f"keys-{i:05d}.parquet")
        pos += size
    if pools is not None:
        del pools
        getattr(pipe.pairer, "clear_cache", lambda: None)()

    df = np.zeros(1 << 18, dtype=np.int64)
    for d in shard_dirs:
        z = np.load(d / "df.npz")
        np.add.at(df, z["keys"], z["counts"])
    from builder.pipeline import save_npz_atomic

    save_npz_atomic(out / "df.npz", df=df, n_docs=np.int64(int((~duplicate).sum())))
    n_clusters = len(roots)
    return {"articles": n, "clusters": n_clusters, "duplicates": n - n_clusters,
            "learned_boilerplate_lines": n_learned, "duplicates_dropped": int(duplicate.sum()), "splits": splits}


def _articles(shard_dirs: list[Path], sizes: list[int], ids: pa.Array, cluster_code: np.ndarray, rank: np.ndarray,
              duplicate: np.ndarray, split_code: np.ndarray, names: list[str], by_shard: bool = False):
    """The articles that stay (not duplicates) as the stance pairer needs them, read a shard at a time: the
    id, the cluster (``cluster_code``: a number per distinct cluster id), the order of the id (``rank``), the
    split, the title and the teaser headlines. ``by_shard``: yield one list a shard of ``(row, article)``;
    else yield the articles."""
    pos = 0
    for d, size in zip(shard_dirs, sizes):
        t = _read(d / "docs.parquet", ["title", "teasers"]) if size else pa.table({})
        titles = t.column("title").to_pylist() if "title" in t.column_names else [None] * size
        per = [[] for _ in range(size)]
        if "teasers" in t.column_names:
            heads = pc.struct_field(pc.list_flatten(t.column("teasers")), "headline").to_pylist()
            for h, k in zip(heads, pc.list_parent_indices(t.column("teasers")).to_pylist()):
                per[k].append(h)
        del t
        rows = np.flatnonzero(~duplicate[pos:pos + size])
        shard_ids = ids.slice(pos, size).to_pylist()
        clusters, order = cluster_code[pos:pos + size].tolist(), rank[pos:pos + size].tolist()
        arts = [(k, {"id": shard_ids[k], "cluster_id": clusters[k], "order": order[k],
                     "split": names[split_code[pos + k]], "title": titles[k], "headlines": per[k]})
                for k in rows.tolist()]
        pos += size
        if by_shard:
            yield arts
        else:
            yield from (a for _, a in arts)


def _frequent_lines(shard_dirs: list[Path], sizes: list[int], min_count: int) -> tuple[np.ndarray, np.ndarray]:
    """The body lines whose hash occurs at least ``min_count`` times in the corpus: their hashes and documents.

    Only those can be learned boilerplate (a line must be in ``min_clusters`` stories), and they are few. The
    hashes of every line are read and counted first (after the clusters are made, so never at the same time
    as the band hashes), sorted in place; the shards' line hashes are then read again, keeping the frequent
    lines with their document. Holding every line's hash and document at once, and a sorted copy, took ~25
    bytes a line; this holds 8 bytes a line (each shard's hashes are freed as they are joined)."""
    from builder.stages.boilerplate import frequent_values, in_sorted

    parts = [_flat(t.column("line_hashes"), np.uint64)
             for t in read_ahead(_read(d / "docs.parquet", ["line_hashes"]) for d, n in zip(shard_dirs, sizes) if n)]
    every, pos = np.empty(sum(map(len, parts)), np.uint64), 0
    for k, part in enumerate(parts):  # joined shard by shard, each freed once copied: never two copies whole
        every[pos:pos + len(part)] = part
        pos += len(part)
        parts[k] = None
    if not pos:
        return np.array([], np.uint64), np.array([], np.int64)
    every.sort()
    frequent = frequent_values(every, min_count)
    del every
    if not len(frequent):
        return np.array([], np.uint64), np.array([], np.int64)
    hashes, docs, start = [np.array([], np.uint64)], [np.array([], np.int64)], 0
    tables = read_ahead(_read(d / "docs.parquet", ["line_hashes"]) for d, n in zip(shard_dirs, sizes) if n)
    with closing(tables):
        for n in sizes:  # (a shard whose documents were all rejected has no line_hashes column)
            if n:
                lh = next(tables).column("line_hashes")
                flat = _flat(lh, np.uint64)
                keep = in_sorted(flat, frequent)
                hashes.append(flat[keep])
                docs.append(pc.list_parent_indices(lh).to_numpy(zero_copy_only=False).astype(np.int64)[keep] + start)
            start += n
    return np.concatenate(hashes), np.concatenate(docs)


def _write(table: pa.Table, path: Path) -> None:
    from builder.pipeline import write_atomic

    write_atomic(table, path)
