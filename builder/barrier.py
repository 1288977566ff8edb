"""The barrier: the one step that sees the whole corpus, on small keyed data only.

Per document it reads fixed-size keys from the phase-1 work files (the id, an
exact-content hash, 16 LSH band hashes, a 64-value MinHash sketch, the source
group and the hashes of body lines) into numpy arrays, never the text, and
computes:

* near-duplicate clusters (union-find over documents sharing the exact hash,
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

import os
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

PAIR_TYPE = pa.list_(pa.struct([("headline", pa.string()), ("pair", pa.string())]))


def _read(path: Path, columns: list[str]) -> pa.Table:
    names = pq.read_schema(path).names
    return pq.read_table(path, columns=[c for c in columns if c in names])


def union_find_clusters(keys: list[np.ndarray], rank: np.ndarray, verify: list[bool] | None = None,
                        sketch: np.ndarray | None = None, min_similarity: float = 0.0) -> np.ndarray:
    """Root (index of the lowest-ranked member) of every document's cluster.

    ``keys``: arrays of one uint64 key per document; documents sharing a key
    value in any array are joined. Where ``verify[i]`` is true (LSH bands), a
    pair sharing a key of ``keys[i]`` is joined only if their ``sketch`` rows
    (MinHash values) agree in at least ``min_similarity`` of the positions.
    """
    n = len(rank)
    parent = np.arange(n)
    check = sketch is not None and min_similarity > 0

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for i, k in enumerate(keys):
        order = np.argsort(k, kind="stable")
        same = np.flatnonzero(k[order][1:] == k[order][:-1])
        if check and verify and verify[i] and len(same):
            sim = (sketch[order[same]] == sketch[order[same + 1]]).mean(axis=1)
            same = same[sim >= min_similarity]
        for j in same:  # only documents that share this key: few in a real corpus
            a, b = find(int(order[j])), find(int(order[j + 1]))
            if a != b:
                if rank[b] < rank[a]:
                    a, b = b, a
                parent[b] = a
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def barrier(pipe, shard_dirs: list[Path], out: Path) -> dict:
    """Clusters, splits, learned boilerplate, stance pairs and corpus statistics."""
    out.mkdir(parents=True, exist_ok=True)
    dedup, bp = pipe.stages.get("dedup"), pipe.stages.get("boilerplate")
    ids_parts, exact, bands, sketches, sizes = [], [], [], [], []
    line_hash, doc_group, group_names = [], [], {}
    for d in shard_dirs:
        t = _read(d / "docs.parquet", ["id", "exact_hash", "bands", "sketch", "group", "line_hashes"])
        n = t.num_rows
        sizes.append(n)
        ids_parts.append(t.column("id").combine_chunks())
        if dedup is not None and n:
            exact.append(np.array([int(h, 16) for h in t.column("exact_hash").to_pylist()], dtype=np.uint64))
            flat = pc.list_flatten(t.column("bands")).to_numpy(zero_copy_only=False).astype(np.uint64)
            bands.append(flat.reshape(n, -1))
            if "sketch" in t.column_names:
                sk = pc.list_flatten(t.column("sketch")).to_numpy(zero_copy_only=False).astype(np.uint32)
                sketches.append(sk.reshape(n, -1))
        if bp is not None and n:
            groups = t.column("group").to_pylist()
            doc_group.append(np.array([group_names.setdefault(g, len(group_names)) for g in groups], np.int64))
            line_hash.append(pc.list_flatten(t.column("line_hashes")).to_numpy(zero_copy_only=False).astype(np.uint64))
        del t
    ids = pa.concat_arrays(ids_parts) if ids_parts else pa.array([], pa.string())
    n = len(ids)
    rank = np.empty(n, dtype=np.int64)
    rank[pc.sort_indices(ids).to_numpy()] = np.arange(n)
    if dedup is not None and n:
        ex, bd = np.concatenate(exact), np.concatenate(bands)
        sk = np.concatenate(sketches) if len(sketches) == len(exact) else None
        root = union_find_clusters([ex] + [bd[:, b] for b in range(bd.shape[1])], rank,
                                   verify=[False] + [True] * bd.shape[1], sketch=sk,
                                   min_similarity=getattr(dedup, "min_similarity", 0.0))
        del ex, bd, sk
    else:
        root = union_find_clusters([], rank) if n else np.array([], dtype=np.int64)
    exact.clear()
    bands.clear()
    sketches.clear()

    # repeated ids: the first occurrence counts
    order = np.argsort(rank, kind="stable")
    id_list = ids.to_pylist()
    dup_id = np.zeros(n, dtype=bool)
    for a, b in zip(order[:-1], order[1:]):
        if id_list[a] == id_list[b]:
            dup_id[max(a, b)] = True
    keep_dups = dedup.keep if dedup is not None else True
    reason = np.where(dup_id, "duplicate_id",
                      np.where((not keep_dups) & (root != np.arange(n)), "near_duplicate", ""))
    duplicate = reason != ""
    cluster_of = [id_list[r] for r in root]
    splitter = pipe.stages["split"]
    split_by_root = {r: splitter.assign(id_list[r]) for r in np.unique(root).tolist()}
    split_of = [split_by_root[r] for r in root.tolist()]

    n_learned = 0
    if bp is not None:
        lines_h, lines_d = _frequent_lines(shard_dirs, sizes, line_hash, bp.min_clusters)
        groups = np.concatenate(doc_group) if doc_group else np.array([], np.int64)
        names = sorted(group_names, key=group_names.get)
        learned = bp.learn_arrays(groups, root, lines_h, lines_d, names)
        rows = sorted((g, int(h)) for g, hs in learned.items() for h in hs)
        n_learned = len(rows)
        _write(pa.table({"group": pa.array([r[0] for r in rows], pa.string()),
                         "line_hash": pa.array([r[1] for r in rows], pa.uint64())}), out / "learned_boilerplate.parquet")
        del lines_h, lines_d

    pairs = {}
    if pipe.pairer is not None:
        arts, pos = [], 0
        for d, size in zip(shard_dirs, sizes):
            t = _read(d / "docs.parquet", ["title", "teasers"])
            titles = t.column("title").to_pylist() if "title" in t.column_names else [None] * size
            heads = (pc.struct_field(pc.list_flatten(t.column("teasers")), "headline").to_pylist(),
                     pc.list_parent_indices(t.column("teasers")).to_pylist()) if "teasers" in t.column_names else ([], [])
            per = [[] for _ in range(size)]
            for h, k in zip(*heads):
                per[k].append(h)
            for k in range(size):
                i = pos + k
                if not duplicate[i]:
                    arts.append({"id": id_list[i], "cluster_id": cluster_of[i], "split": split_of[i],
                                 "title": titles[k], "headlines": per[k]})
            pos += size
        pairs = pipe.pairer.pairs(arts)
        del arts

    pos = 0
    for i, size in enumerate(sizes):
        sl = slice(pos, pos + size)
        _write(pa.table({
            "id": ids.slice(pos, size),
            "cluster_id": pa.array(cluster_of[sl], pa.string()),
            "split": pa.array(split_of[sl], pa.string()),
            "duplicate": pa.array(duplicate[sl], pa.bool_()),
            "duplicate_reason": pa.array([r or None for r in reason[sl].tolist()], pa.string()),
            "stance_pairs": pa.array([pairs.get(a, []) for a in id_list[sl]], PAIR_TYPE),
        }), out / f"keys-{i:05d}.parquet")
        pos += size

    df = np.zeros(1 << 18, dtype=np.int64)
    for d in shard_dirs:
        z = np.load(d / "df.npz")
        np.add.at(df, z["keys"], z["counts"])
    kept = int((~duplicate).sum())
    tmp = out / ".df.tmp.npz"
    np.savez_compressed(tmp, df=df, n_docs=np.int64(kept))
    os.replace(tmp, out / "df.npz")
    n_clusters = len(split_by_root)
    return {"articles": n, "clusters": n_clusters, "duplicates": n - n_clusters,
            "learned_boilerplate_lines": n_learned, "duplicates_dropped": int(duplicate.sum()),
            "splits": dict(Counter(s for s, dup in zip(split_of, duplicate.tolist()) if not dup))}


def _frequent_lines(shard_dirs: list[Path], sizes: list[int], line_hash: list[np.ndarray],
                    min_count: int) -> tuple[np.ndarray, np.ndarray]:
    """The body lines whose hash occurs at least ``min_count`` times in the corpus: their hashes and documents.

    Only those can be learned boilerplate (a line must be in ``min_clusters`` stories), and they are few. The
    hashes of every line (``line_hash``, one array per shard; emptied here) are counted first, sorted in place;
    the shards' line hashes are then read again, keeping the frequent lines with their document. Holding
    every line's hash and document at once, and a sorted copy, took ~25 bytes a line (about 1.2 KB a
    document); this holds ~16 bytes a line at most, and only while the hashes are joined."""
    if not line_hash:
        return np.array([], np.uint64), np.array([], np.int64)
    from builder.stages.boilerplate import frequent_values

    every = np.concatenate(line_hash)
    line_hash.clear()
    every.sort()
    frequent = frequent_values(every, min_count)
    del every
    hashes, docs, start = [np.array([], np.uint64)], [np.array([], np.int64)], 0
    for d, n in zip(shard_dirs, sizes):  # (a shard whose documents were all rejected has no line_hashes column)
        if n:
            lh = _read(d / "docs.parquet", ["line_hashes"]).column("line_hashes")
            flat = pc.list_flatten(lh).to_numpy(zero_copy_only=False).astype(np.uint64)
            keep = np.isin(flat, frequent)
            hashes.append(flat[keep])
            docs.append(pc.list_parent_indices(lh).to_numpy(zero_copy_only=False).astype(np.int64)[keep] + start)
        start += n
    return np.concatenate(hashes), np.concatenate(docs)


def _write(table: pa.Table, path: Path) -> None:
    from builder.pipeline import write_atomic

    write_atomic(table, path)
