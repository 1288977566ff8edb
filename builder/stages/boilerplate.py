"""Learned boilerplate: body lines that recur across many stories of one source.

A site's own boilerplate ("Sign up for the Morning Brief", a standard
disclaimer, a correspondent's sign-off) often reads like prose, so the line
classifier keeps it. Across a corpus it gives itself away: the same line in
many *different* stories of the same source. This is a barrier step:

1. per document (phase 1): the source group (the folder of a file, the site
   of a URL) and a hash of every body line, normalised (case, digits,
   whitespace), so the barrier sees small integers, never text;
2. at the barrier: per group, a line hash found in at least ``min_clusters``
   near-duplicate clusters and at least ``min_fraction`` of the group's
   clusters is boilerplate (counting clusters, not documents, so a story
   published ten times does not make its own sentences boilerplate);
3. per document (phase 2): those lines leave the body and are recorded in
   ``removed`` with reason ``learned_boilerplate``.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa

from builder.errors import BuilderError
from builder.stages.base import Stage, set_column

_DIGITS = re.compile(r"\d+")


def line_key(line: str) -> int:
    """The hash a line is learned and matched by: case, digits and spacing do not count."""
    return _key(line.split())


def _key(words: list[str]) -> int:
    """The hash of a line's whitespace-separated ``words``: joined by single spaces, case-folded,
    every run of digits made one "0".

    Case folding maps a whitespace character to itself and any other character
    to a non-empty string without whitespace (checked for every code point in
    tests/stages/test_boilerplate.py), and a run of digits holds no whitespace,
    so folding and the digit runs can come after the spacing is fixed.
    """
    norm = _DIGITS.sub("0", " ".join(words).casefold())
    return int.from_bytes(hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest(), "big")


def line_keys(text: str, max_words: int) -> list[int]:
    """``line_key`` of every non-blank line of ``text`` with at most ``max_words`` words
    (longer lines are split into words but never normalised)."""
    out = []
    for line in text.split("\n"):
        words = line.split()
        if words and len(words) <= max_words:
            out.append(_key(words))
    return out


def source_group(source: str, url: str | None, by: str) -> str:
    """The group a document's lines are compared within."""
    if by == "corpus":
        return ""
    target = url or source
    if "://" in target:
        return urlsplit(target).netloc.lower().removeprefix("www.")
    if by == "site":
        return ""
    return posixpath.dirname(source.split("#", 1)[0].split(":", 1)[0])


def frequent_values(srt: np.ndarray, min_count: int) -> np.ndarray:
    """The distinct values of the sorted array ``srt`` that occur at least ``min_count`` times.

    In a sorted array a value occurs ``k`` times or more exactly where it equals the value ``k - 1``
    places on: one comparison (a byte per value) instead of the runs' starts and lengths (16 bytes per
    distinct value, the barrier's peak on a million documents' line hashes)."""
    k = max(int(min_count), 1)
    if len(srt) < k:
        return srt[:0]
    return np.unique(srt[: len(srt) - k + 1][srt[: len(srt) - k + 1] == srt[k - 1:]])


def in_sorted(values: np.ndarray, srt: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in ``srt`` (sorted, distinct): a binary search each, where ``np.isin`` hashes
    ``srt`` again at every call (the barrier asks once per shard)."""
    if not len(srt):
        return np.zeros(len(values), dtype=bool)
    return srt[np.minimum(np.searchsorted(srt, values), len(srt) - 1)] == values


@dataclass
class LearnedBoilerplate(Stage):
    """Find and remove lines that recur across stories of the same source.

    Args:
        group_by: ``folder`` (a file's folder, or a URL's site), ``site``
            (URL site only; files form one group) or ``corpus`` (one group).
        min_clusters: a line must appear in at least this many different stories.
        min_fraction: ... and in at least this share of the group's stories.
        min_group: groups with fewer stories learn nothing (too little evidence).
        max_words: longer lines are never learned (real paragraphs are long).
    """

    name: ClassVar[str] = "boilerplate"
    version: ClassVar[str] = "boilerplate.learned.v1"
    requires: ClassVar[tuple[str, ...]] = ("text", "source")
    assigns: ClassVar[tuple[str, ...]] = ("group", "line_hashes")

    group_by: str = "folder"
    min_clusters: int = 5
    min_fraction: float = 0.2
    min_group: int = 10
    max_words: int = 60

    def __post_init__(self):
        if self.group_by not in ("folder", "site", "corpus"):
            raise BuilderError(f"boilerplate.group_by must be folder, site or corpus, got {self.group_by!r}")

    # phase 1 -------------------------------------------------------------
    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        urls = table.column("url").to_pylist() if "url" in table.column_names else [None] * table.num_rows
        groups, hashes = [], []
        for text, src, url in zip(table.column("text").to_pylist(), table.column("source").to_pylist(), urls):
            groups.append(source_group(src, url, self.group_by))
            hashes.append(line_keys(text or "", self.max_words))
        table = set_column(table, "group", groups, pa.string())
        return set_column(table, "line_hashes", hashes, pa.list_(pa.uint64()))

    # barrier -------------------------------------------------------------
    def learn_arrays(self, doc_group: np.ndarray, doc_cluster: np.ndarray, line_hash: np.ndarray,
                     line_doc: np.ndarray, group_names: list[str]) -> dict[str, set[int]]:
        """``{group: {line hash, ...}}`` of the lines that are boilerplate in their group.

        Args:
            doc_group: group index of each document.
            doc_cluster: near-duplicate cluster (any integer label) of each document.
            line_hash: hash of each body line of every document (flattened).
            line_doc: the document each line belongs to.
            group_names: name of each group index.
        """
        if not len(line_hash):
            return {}
        # only hashes seen at least min_clusters times can qualify: a cheap first cut
        frequent = frequent_values(np.sort(line_hash), self.min_clusters)
        if not len(frequent):
            return {}
        mask = in_sorted(line_hash, frequent)
        rows = np.empty(int(mask.sum()), dtype=[("g", "<i8"), ("h", "<u8"), ("c", "<i8")])
        rows["g"] = doc_group[line_doc[mask]]
        rows["h"] = line_hash[mask]
        rows["c"] = doc_cluster[line_doc[mask]]
        rows = np.unique(rows)  # one count per (group, line, cluster)
        keys, counts = np.unique(rows[["g", "h"]].copy(), return_counts=True)
        pairs = np.unique(np.stack([doc_group, doc_cluster], axis=1), axis=0)
        stories = np.bincount(pairs[:, 0], minlength=len(group_names))  # distinct clusters per group
        n_g = stories[keys["g"]]
        ok = (counts >= np.maximum(self.min_clusters, self.min_fraction * n_g)) & (n_g >= self.min_group)
        out: dict[str, set[int]] = {}
        for g, h in zip(keys["g"][ok].tolist(), keys["h"][ok].tolist()):
            out.setdefault(group_names[g], set()).add(int(h))
        return out

    # phase 2 -------------------------------------------------------------
    def apply(self, table: pa.Table, learned: dict[str, set[int]]) -> pa.Table:
        """Remove learned lines from ``text`` and record them in ``removed``."""
        if not learned or not table.num_rows:
            return table
        texts = table.column("text").to_pylist()
        removed = table.column("removed").to_pylist() if "removed" in table.column_names else [[] for _ in texts]
        changed = False
        for i, g in enumerate(table.column("group").to_pylist()):
            bad = learned.get(g)
            if not bad:
                continue
            body = texts[i].split("\n")
            if not any(line_key(ln) in bad for ln in body):
                continue
            changed = True
            positions = _body_positions(body, removed[i])
            keep, extra = [], []
            for ln, (idx, start, end) in zip(body, positions):
                if line_key(ln) in bad and len(ln.split()) <= self.max_words:
                    extra.append({"line": idx, "start": start, "end": end, "reason": "learned_boilerplate", "text": ln})
                else:
                    keep.append(ln)
            texts[i] = "\n".join(keep)
            removed[i] = sorted((removed[i] or []) + extra, key=lambda r: r["line"])
        if not changed:
            return table
        table = set_column(table, "text", texts, pa.string())
        return set_column(table, "removed", removed, table.schema.field("removed").type)


def _body_positions(body: list[str], removed: list[dict] | None) -> list[tuple[int, int, int]]:
    """Line number and character offsets of each body line in the normalised input.

    Every input line is either a body line or a removed one, in order, so the
    body lines fill the gaps between the removed lines' offsets.
    """
    gone = {r["line"]: r for r in removed or []}
    out, pos, idx = [], 0, 0
    for ln in body:
        while idx in gone:
            pos = gone[idx]["end"] + 1
            idx += 1
        out.append((idx, pos, pos + len(ln)))
        pos += len(ln) + 1
        idx += 1
    return out
