"""Exact and near-duplicate detection with MinHash LSH (datasketch).

Per document (a stage, in parallel): a MinHash of the body's word 5-gram
shingles, cut into LSH bands, each band hashed to 8 bytes. That is all the
barrier sees: ``bands`` small integers per document, never the text.

At the barrier (``builder/barrier.py``): documents sharing any band (or the
exact same body) are joined with union-find; a cluster's id is its smallest
member id, so it does not depend on reading order. Broder, "On the resemblance and containment of
documents" (1997); Leskovec et al., "Mining of Massive Datasets", ch. 3.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa

from builder.stages.base import Stage, set_column

_WORD_RE = re.compile(r"\w+", re.UNICODE)


@dataclass
class MinHashDeduplicator(Stage):
    """Signatures per document, clusters at the barrier.

    Args:
        num_perm: MinHash permutations.
        bands: LSH bands (``num_perm`` must divide evenly); with 128/16, pairs
            above about 0.7 Jaccard similarity are found with high probability.
        shingle: words per shingle.
        keep: ``true`` keeps every member of a cluster (they share
            ``cluster_id`` and split); ``false`` keeps only the cluster's
            representative and rejects the others as ``near_duplicate``.
        seed: MinHash seed.
    """

    name: ClassVar[str] = "dedup"
    version: ClassVar[str] = "dedup.minhash.v1"
    requires: ClassVar[tuple[str, ...]] = ("text",)
    assigns: ClassVar[tuple[str, ...]] = ("exact_hash", "bands")

    num_perm: int = 128
    bands: int = 16
    shingle: int = 5
    keep: bool = True
    seed: int = 1

    def __post_init__(self):
        from builder.errors import BuilderError

        if self.num_perm % self.bands:
            raise BuilderError(f"dedup.num_perm ({self.num_perm}) must be a multiple of dedup.bands ({self.bands})")

    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        exact, bands = [], []
        for text in table.column("text").to_pylist():
            e, b = self.signature(text or "")
            exact.append(e)
            bands.append(b)
        table = set_column(table, "exact_hash", exact, pa.string())
        return set_column(table, "bands", bands, pa.list_(pa.uint64()))

    def signature(self, text: str) -> tuple[str, list[int]]:
        from datasketch import MinHash

        words = [w.lower() for w in _WORD_RE.findall(text)]
        exact = hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()[:16]
        k = self.shingle
        shingles = {" ".join(words[i : i + k]).encode("utf-8") for i in range(max(len(words) - k + 1, 1))}
        m = MinHash(num_perm=self.num_perm, seed=self.seed)
        m.update_batch(list(shingles))
        rows = self.num_perm // self.bands
        hv = m.hashvalues
        out = []
        for b in range(self.bands):
            h = hashlib.blake2b(hv[b * rows : (b + 1) * rows].tobytes(), digest_size=8, person=b"band%04d" % b)
            out.append(int.from_bytes(h.digest(), "big"))
        return exact, out
