"""``builder diff OLD NEW``: what changed between two releases.

Per config and split: rows added, removed and changed (matched by ``id``);
label changes (NER entity labels on the same span, stance labels, teaser
kinds: which label moved to which, how many); card changes (YAML fields and
prose lines). Printed as a table, and as Markdown that the next version's
changelog reuses.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.errors import BuilderError
from builder.release.manifest import manifest_version
from builder.release.verify import read_card

SPLITS = ("train", "validation", "test")
LABEL_COLUMNS = {"stance": "label", "teasers": "kind"}


def _names(root: Path, config: str) -> dict:
    """ClassLabel names per column, from the features embedded in the Parquet files."""
    for f in sorted((root / config).glob("*.parquet")):
        meta = pq.read_schema(f).metadata or {}
        if b"huggingface" in meta:
            feats = json.loads(meta[b"huggingface"])["info"]["features"]
            out = {}
            for col, ft in feats.items():
                if ft.get("_type") == "ClassLabel":
                    out[col] = ft["names"]
                elif ft.get("_type") in ("List", "Sequence") and isinstance(ft.get("feature"), dict) \
                        and ft["feature"].get("_type") == "ClassLabel":
                    out[col] = ft["feature"]["names"]
            return out
    return {}


def batches(root: Path, config: str, split: str, columns: list[str] | None = None):
    """The split's rows in release order as record batches of at most 2,000 rows (a split is never read whole)."""
    for f in sorted((root / config).glob(f"{split}-*.parquet")):
        yield from pq.ParquetFile(f).iter_batches(batch_size=2_000, columns=columns)


class _SplitIndex:
    """One split of one release as sorted arrays, ~40 bytes a row whatever its text: ``ids`` (bytes),
    ``digests`` (a 64-bit digest of the whole row: rows are equal when their digests are) and, for a config
    with a label column, ``labels``. Read a row group at a time; a repeated id keeps its last row."""

    def __init__(self, root: Path, config: str, split: str, label_col: str | None = None):
        ids, digests, labels = [], [], []
        for batch in batches(root, config, split):
            ids.append(np.array([i.encode("utf-8") for i in batch.column("id").to_pylist()], dtype=bytes))
            digests.append(row_digests(batch))
            if label_col:
                labels.append(np.array(batch.column(label_col).to_pylist(), dtype=object))
        self.ids = np.concatenate(ids) if ids else np.array([], dtype=bytes)
        self.digests = np.concatenate(digests) if digests else np.array([], dtype=np.uint64)
        self.labels = np.concatenate(labels) if labels else np.array([], dtype=object) if label_col else None
        order = np.argsort(self.ids, kind="stable")
        ids = self.ids[order]
        last = np.ones(len(ids), dtype=bool)  # the last row of each id, as a dict keyed by id would keep
        last[:-1] = ids[1:] != ids[:-1]
        keep = order[last]
        self.ids, self.digests = self.ids[keep], self.digests[keep]
        if self.labels is not None:
            self.labels = self.labels[keep]


_U64 = np.uint64
#: constants of the splitmix64 finaliser, and what stands for a null value and for the n-th column or list item
_M1, _M2, _GOLDEN, _NULL = _U64(0xBF58476D1CE4E5B9), _U64(0x94D049BB133111EB), _U64(0x9E3779B97F4A7C15), _U64(0x5BD1E995)


def _salt(k: int) -> np.uint64:
    """The n-th multiple of the golden ratio constant, mod 2**64 (computed in Python: numpy warns when a
    scalar product wraps)."""
    return _U64(k * int(_GOLDEN) % 2**64)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on every value (uint64 arithmetic wraps, as the function wants)."""
    h = h ^ (h >> _U64(30))
    h = h * _M1
    h = h ^ (h >> _U64(27))
    h = h * _M2
    return h ^ (h >> _U64(31))


def value_hashes(arr: pa.Array) -> np.ndarray:
    """A 64-bit hash of each value of an Arrow array, vectorised over the array's buffers: strings by
    pandas' SipHash of their UTF-8 bytes, numbers by their bits, lists by the hashes of their items and
    their positions, structs by their fields in order; a null hashes apart from every value (also from
    ``""``, ``0`` and ``[]``)."""
    t = arr.type
    n = len(arr)
    if pa.types.is_dictionary(t):
        return value_hashes(arr.dictionary_decode())
    if pa.types.is_null(t):
        return np.full(n, _NULL, _U64)
    if pa.types.is_struct(t):
        h = np.full(n, _U64(t.num_fields), _U64)
        for k, child in enumerate(arr.flatten()):  # (the fields of the slice, in field order)
            h = _mix(h ^ (value_hashes(child) + _salt(k + 1)))
    elif pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_map(t):
        offsets = arr.offsets.to_numpy().astype(np.int64)  # (the slice's n + 1 offsets into the whole child)
        start = offsets[:-1] - offsets[0]
        length = np.diff(offsets)
        items = value_hashes(arr.values.slice(offsets[0], offsets[-1] - offsets[0]))
        position = np.arange(len(items), dtype=np.int64) - np.repeat(start, length)
        summed = np.concatenate([np.zeros(1, _U64), np.cumsum(_mix(items + position.astype(_U64) * _GOLDEN),
                                                              dtype=_U64)])
        h = _mix(summed[start + length] - summed[start] + _mix(length.astype(_U64) + _NULL))
    elif pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) \
            or pa.types.is_large_binary(t):
        values = pc.fill_null(arr, "" if pa.types.is_string(t) or pa.types.is_large_string(t) else b"")
        h = pd.util.hash_array(values.to_numpy(zero_copy_only=False), categorize=False)
    elif pa.types.is_boolean(t) or pa.types.is_integer(t):
        h = pc.fill_null(arr, False if pa.types.is_boolean(t) else 0).to_numpy(zero_copy_only=False) \
            .astype(np.int64).view(_U64)
        h = _mix(h)
    elif pa.types.is_floating(t):
        h = _mix(pc.fill_null(arr, 0).to_numpy(zero_copy_only=False).astype(np.float64).view(_U64))
    else:  # a type the writer does not use (dates, decimals): its values' repr, one at a time
        h = np.fromiter((int.from_bytes(hashlib.blake2b(repr(v).encode("utf-8", "surrogatepass"),
                                                        digest_size=8).digest(), "little")
                         for v in arr.to_pylist()), dtype=_U64, count=n)
    if arr.null_count:
        h = np.where(arr.is_null().to_numpy(zero_copy_only=False), _NULL, h)
    return np.asarray(h, dtype=_U64)


def row_digests(batch: pa.RecordBatch) -> np.ndarray:
    """64 bits of each row's values in column order (rows are taken as equal when their digests are),
    vectorised: no Python object per row. (A row's ``repr`` through blake2b, the previous way, took ~14 us a
    row, 12 s for two 100k-article releases' articles and teasers.)"""
    h = np.full(batch.num_rows, _U64(batch.num_columns), _U64)
    for k, col in enumerate(batch.columns):
        h = _mix(h ^ (value_hashes(col) + _salt(k + 1)))
    return h


def _entities(root: Path, config: str, split: str, wanted: set[str]) -> dict[str, dict]:
    """``{id: {(start, end): label}}`` of the rows in ``wanted``, read a row group at a time."""
    out = {}
    for batch in batches(root, config, split, ["id", "entities"]):
        for i, ents in zip(batch.column("id").to_pylist(), batch.column("entities").to_pylist()):
            if i in wanted:
                out[i] = {(e["start"], e["end"]): e["label"] for e in ents}
    return out


def _decode(ids) -> list[str]:
    return [i.decode("utf-8") for i in ids]


#: changed NER rows whose entities are compared at once (a pass over both splits' id and entity columns each)
_ENTITY_BATCH = 100_000


def diff_releases(old: Path, new: Path, new_version: str | None = None) -> dict:
    """Differences between two release folders (``new`` may be a staging folder
    without its manifest yet: then ``new_version`` names it).

    Memory: ~40 bytes per row of the largest config (its splits' ids and row digests, in both releases),
    and the entities of at most ``_ENTITY_BATCH`` changed NER rows; rows are
    never all in memory (whole splits as Python dicts took 1.5 GB for two
    100k-article releases without NER)."""
    for p in (old, new):
        if not (p / "manifest.json").is_file() and not (p is new and new_version and p.is_dir()):
            raise BuilderError(f"{p} is not a release folder (no manifest.json)")
    res = {"old": str(old), "new": str(new), "configs": {}, "card": {}}
    configs = sorted({p.name for r in (old, new) for p in r.iterdir()
                      if p.is_dir() and p.name not in ("arrow", "audit") and any(p.glob("*.parquet"))})
    pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="diff")
    try:
        for conf in configs:
            names = _names(old, conf), _names(new, conf)
            col = LABEL_COLUMNS.get(conf)
            # the config's splits of both releases indexed side by side (Parquet decoding runs outside the GIL)
            index = {(r, split): pool.submit(_SplitIndex, r, conf, split, col) for split in SPLITS for r in (old, new)}
            res["configs"][conf] = {split: _split_changes(old, new, conf, split, index.pop((old, split)).result(),
                                                          index.pop((new, split)).result(), col, names)
                                    for split in SPLITS}
    finally:
        pool.shutdown(cancel_futures=True)
    if (new / "README.md").is_file():  # a staging folder gets its card after the diff
        _card_changes(old, new, res)
    res["versions"] = [manifest_version(old), new_version or manifest_version(new)]
    res["config_changes"] = _config_changes(old, new)
    return res


def _split_changes(old: Path, new: Path, conf: str, split: str, a: _SplitIndex, b: _SplitIndex, col: str | None,
                   names: tuple[dict, dict]) -> dict:
    """Rows added, removed and changed in one split (``a`` of ``old``, ``b`` of ``new``), and the label moves
    of the changed rows: NER entity labels on the same span, or the config's label column."""
    common, ia, ib = np.intersect1d(a.ids, b.ids, assume_unique=True, return_indices=True)
    added = np.setdiff1d(b.ids, a.ids, assume_unique=True)
    removed = np.setdiff1d(a.ids, b.ids, assume_unique=True)
    differs = a.digests[ia] != b.digests[ib]
    changed = common[differs]
    moves: Counter = Counter()
    if conf == "ner":
        for start in range(0, len(changed), _ENTITY_BATCH):
            batch = _decode(changed[start:start + _ENTITY_BATCH])  # in id order: ties in the counts keep it
            wanted = set(batch)
            ea_all, eb_all = _entities(old, conf, split, wanted), _entities(new, conf, split, wanted)
            for i in batch:
                ea, eb = ea_all.get(i, {}), eb_all.get(i, {})
                for span in set(ea) | set(eb):
                    la, lb = ea.get(span, "(none)"), eb.get(span, "(none)")
                    if la != lb:
                        moves[(la, lb)] += 1
    elif col:
        na, nb = names[0].get(col, []), names[1].get(col, [])
        for x, y in zip(a.labels[ia[differs]], b.labels[ib[differs]]):
            la, lb = _lab(x, na), _lab(y, nb)
            if la != lb:
                moves[(la, lb)] += 1
    return {"old": len(a.ids), "new": len(b.ids), "added": len(added), "removed": len(removed),
            "changed": len(changed), "label_changes": [[x, y, n] for (x, y), n in moves.most_common()],
            "examples": {"added": _decode(added[:5]), "removed": _decode(removed[:5]),
                         "changed": _decode(changed[:5])}}


def _card_changes(old: Path, new: Path, res: dict) -> None:
    try:
        ca, cb = read_card(old), read_card(new)
        for k in sorted(set(ca) | set(cb)):
            if k in ("dataset_info", "configs"):
                continue
            if ca.get(k) != cb.get(k):
                res["card"][k] = [ca.get(k), cb.get(k)]
        ta = (old / "README.md").read_text(encoding="utf-8").split("\n---\n", 1)[-1].splitlines()
        tb = (new / "README.md").read_text(encoding="utf-8").split("\n---\n", 1)[-1].splitlines()
        d = [ln for ln in difflib.unified_diff(ta, tb, lineterm="", n=0) if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
        res["card_lines"] = {"added": sum(ln.startswith("+") for ln in d), "removed": sum(ln.startswith("-") for ln in d)}
    except (OSError, ValueError) as e:
        res["card"]["unreadable"] = str(e)


def _lab(v, names):
    return names[v] if isinstance(v, int) and 0 <= v < len(names) else str(v)


def _config_changes(old: Path, new: Path) -> list[str]:
    import yaml

    def flat(d, prefix=""):
        out = {}
        for k, v in (d or {}).items():
            key = f"{prefix}{k}"
            if isinstance(v, dict):
                out.update(flat(v, key + "."))
            else:
                out[key] = v
        return out

    try:
        a = flat(yaml.safe_load((old / "config.yaml").read_text()))
        b = flat(yaml.safe_load((new / "config.yaml").read_text()))
    except (OSError, yaml.YAMLError):
        return []
    skip = ("dataset.version", "dataset.bump", "paths.", "source.path", "source.shard_size", "executor.")
    return [f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b))
            if a.get(k) != b.get(k) and not k.startswith(skip)]


def to_markdown(res: dict) -> str:
    va, vb = res.get("versions", ["?", "?"])
    lines = [f"### Changes from {va} to {vb}", ""]
    if res.get("config_changes"):
        lines += ["Config changes:", ""] + [f"- `{c}`" for c in res["config_changes"]] + [""]
    lines += ["| config | split | old rows | new rows | added | removed | changed |", "|---|---|---|---|---|---|---|"]
    for conf, splits in res["configs"].items():
        for split, s in splits.items():
            if not (s["old"] or s["new"]):
                continue
            lines.append(f"| {conf} | {split} | {s['old']} | {s['new']} | {s['added']} | {s['removed']} | {s['changed']} |")
    moves = [(conf, split, m) for conf, splits in res["configs"].items() for split, s in splits.items()
             for m in s["label_changes"]]
    if moves:
        lines += ["", "Label changes:", "", "| config | split | from | to | count |", "|---|---|---|---|---|"]
        lines += [f"| {c} | {s} | {a} | {b} | {n} |" for c, s, (a, b, n) in moves[:50]]
    if res.get("card"):
        lines += ["", "Card fields changed: " + ", ".join(f"`{k}`" for k in res["card"])]
    if res.get("card_lines"):
        lines += ["", f"Card text: {res['card_lines']['added']} line(s) added, {res['card_lines']['removed']} removed."]
    return "\n".join(lines) + "\n"


def print_table(res: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"{res['old']} → {res['new']}")
    for c in ("config", "split", "old", "new", "added", "removed", "changed", "label changes"):
        t.add_column(c, justify="right" if c not in ("config", "split", "label changes") else "left")
    for conf, splits in res["configs"].items():
        for split, s in splits.items():
            if not (s["old"] or s["new"]):
                continue
            moves = ", ".join(f"{a}→{b}: {n}" for a, b, n in s["label_changes"][:4])
            t.add_row(conf, split, str(s["old"]), str(s["new"]), str(s["added"]), str(s["removed"]), str(s["changed"]), moves)
    con.print(t)
    if res.get("config_changes"):
        con.print("Config changes: " + "; ".join(res["config_changes"]))
    if res.get("card"):
        con.print("Card fields changed: " + ", ".join(res["card"]))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="builder diff", description="Compare two releases.")
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--markdown", metavar="OUT", help="also write the differences as Markdown")
    p.add_argument("--json", metavar="OUT", help="also write them as JSON")
    a = p.parse_args(argv)
    res = diff_releases(Path(a.old), Path(a.new))
    print_table(res)
    if a.markdown:
        Path(a.markdown).write_text(to_markdown(res), encoding="utf-8")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2, default=str), encoding="utf-8")
    return 0
