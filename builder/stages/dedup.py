"""Exact and near-duplicate detection with MinHash LSH (datasketch).

Per document (a stage, in parallel): a MinHash of the body's word 5-gram
shingles, cut into LSH bands, each band hashed to 8 bytes. That is all the
barrier sees: ``bands`` small integers per document, never the text.

At the barrier (``builder/barrier.py``): documents sharing any band (or the
exact same body) are joined (connected components); a cluster's id is its smallest
member id, so it does not depend on reading order. Broder, "On the resemblance and containment of
documents" (1997); Leskovec et al., "Mining of Massive Datasets", ch. 3.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pyarrow as pa

from builder.stages.base import Stage, set_column
from builder.stages.words import utf8_words



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
        min_similarity: documents that share a band are joined only if their
            estimated Jaccard similarity (on ``sketch`` MinHash values) is at
            least this: with 16 bands of 8 rows, two unrelated articles of one
            template (similarity ~0.4) share a band ~1.6% of the time, and
            such pairs would chain into false clusters. ``0``
            trusts every band match.
        sketch: MinHash values kept per document for that check (4 bytes each;
            the barrier reads them only for documents that share a band
            value with another); at most ``num_perm``.
    """

    name: ClassVar[str] = "dedup"
    version: ClassVar[str] = "dedup.minhash.v2"
    requires: ClassVar[tuple[str, ...]] = ("text",)
    assigns: ClassVar[tuple[str, ...]] = ("exact_hash", "bands", "sketch")

    num_perm: int = 128
    bands: int = 16
    shingle: int = 5
    keep: bool = True
    seed: int = 1
    min_similarity: float = 0.5
    sketch: int = 64

    def __post_init__(self):
        from builder.errors import BuilderError

        if self.num_perm % self.bands:
            raise BuilderError(f"dedup.num_perm ({self.num_perm}) must be a multiple of dedup.bands ({self.bands})")
        if not 0.0 <= self.min_similarity <= 1.0:
            raise BuilderError(f"dedup.min_similarity must be between 0 and 1, got {self.min_similarity}")
        if not 1 <= self.sketch <= self.num_perm:
            raise BuilderError(f"dedup.sketch must be between 1 and dedup.num_perm ({self.num_perm}), got {self.sketch}")
        self._perms = None

    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        exact, bands, sketches = [], [], []
        for text in table.column("text").to_pylist():
            e, b, sk = self.signature(text or "")
            exact.append(e)
            bands.append(b)
            sketches.append(sk)
        table = set_column(table, "exact_hash", exact, pa.string())
        table = set_column(table, "bands", bands, pa.list_(pa.uint64()))
        flat = pa.array(np.concatenate(sketches) if sketches else np.array([], np.uint32), pa.uint32())
        col = pa.FixedSizeListArray.from_arrays(flat, self.sketch)
        if "sketch" in table.column_names:
            table = table.drop_columns(["sketch"])
        return table.append_column(pa.field("sketch", col.type), col)

    def signature(self, text: str) -> tuple[str, list[int], np.ndarray]:
        """The exact-body hash, the ``bands`` LSH band hashes and the verification sketch of ``text``."""
        words = utf8_words(text.lower())
        exact = hashlib.sha256(b" ".join(words)).hexdigest()[:16]
        hv = self.minhash(shingle_hashes(words, self.shingle))
        step = 4 * (self.num_perm // self.bands)  # bytes per band
        raw = hv.tobytes()
        out = []
        for b in range(self.bands):
            h = hashlib.blake2b(raw[b * step : (b + 1) * step], digest_size=8, person=b"band%04d" % b)
            out.append(int.from_bytes(h.digest(), "big"))
        return exact, out, hv[: self.sketch]

    def minhash(self, hashes: np.ndarray) -> np.ndarray:
        """The MinHash values (uint32, ``num_perm``) of 32-bit shingle hashes.

        datasketch's ``MinHash(scheme="affine32")`` computed in one numpy
        expression: its permutations (drawn once per worker from ``seed``),
        its MurmurHash3 pre-mix, ``a * h + b`` wrapping at 2^32, the minimum
        per permutation. ``update_batch`` gives the same values but calls a
        hash function per shingle in Python; a test holds the two equal (and
        the permutations equal to datasketch's), so workers need not import
        datasketch, whose package import pulls in scipy (0.7 s per process).
        """
        if self._perms is None:
            a, b = affine32_permutations(self.num_perm, self.seed)
            self._perms = (a[None, :], b[None, :])
        a, b = self._perms
        h = hashes.astype(np.uint32)
        h = h ^ (h >> _S16)
        h = h * _FM1
        h = h ^ (h >> _S13)
        h = h * _FM2
        h = (h ^ (h >> _S16))[:, None]
        return (h * a + b).min(axis=0)

    def __getstate__(self):
        return {**self.__dict__, "_perms": None}


def affine32_permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``MinHash(num_perm, seed, scheme="affine32").permutations`` of datasketch 2.x, as uint32:
    odd multipliers ``a`` and offsets ``b`` drawn from ``RandomState(seed)``."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


# MurmurHash3's 32-bit finalizer (datasketch's pre-mix for the affine32 scheme)
_S16, _S13 = np.uint32(16), np.uint32(13)
_FM1, _FM2 = np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35)


_MIX1, _MIX2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_BASE = np.uint64(0x100000001B3)
_S33 = np.uint64(33)


def shingle_hashes(words: list[bytes], k: int) -> np.ndarray:
    """32-bit hashes of the ``k``-word shingles of ``words`` (UTF-8 encoded), computed with numpy.

    Each word is hashed once (CRC-32, stable across processes and machines);
    a shingle's hash is a polynomial over its words' hashes (wrapping uint64)
    finished with MurmurHash3's 64-bit mixer. A text shorter than ``k`` words
    is one shingle. Hashing per shingle string in Python was most of the
    stage's cost. A shingle that repeats has its hash repeated: MinHash
    takes a minimum, which repeats do not change, so they are not removed.
    """
    if not words:
        words = [b""]
    wh = np.fromiter(map(zlib.crc32, words), dtype=np.uint64, count=len(words))
    n = max(len(words) - k + 1, 1)
    acc = wh[:n].copy()  # uint64 array arithmetic wraps without a warning; in place, no temporaries
    for j in range(1, min(k, len(words))):
        acc *= _BASE
        acc += wh[j : j + n]
    acc ^= acc >> _S33
    acc *= _MIX1
    acc ^= acc >> _S33
    acc *= _MIX2
    acc ^= acc >> _S33
    return acc & np.uint64(0xFFFFFFFF)
