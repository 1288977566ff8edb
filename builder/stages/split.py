"""Train/validation/test assignment by a stable hash of the article's group.

The key is the near-duplicate cluster, so duplicates and every row derived
from an article (teasers, NER sentences, stance pairs) share its split, and
the same input always lands in the same split, whatever else is in the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pyarrow as pa

from builder.errors import BuilderError
from builder.ids import unit_interval
from builder.stages.base import Stage, set_column

SPLITS = ("train", "validation", "test")


@dataclass
class HashSplitter(Stage):
    """Assign ``split`` from ``hash(salt, key column)``.

    Args:
        ratios: share of each split; they must sum to 1.
        key: column to hash (``cluster_id`` keeps near-duplicates together).
        salt: change to draw a different (still stable) assignment.
    """

    name: ClassVar[str] = "split"
    version: ClassVar[str] = "split.hash.v1"
    requires: ClassVar[tuple[str, ...]] = ("cluster_id",)
    assigns: ClassVar[tuple[str, ...]] = ("split",)

    ratios: dict = field(default_factory=lambda: {"train": 0.8, "validation": 0.1, "test": 0.1})
    key: str = "cluster_id"
    salt: str = ""

    def __post_init__(self):
        self.ratios = {k: float(v) for k, v in dict(self.ratios).items()}
        unknown = set(self.ratios) - set(SPLITS)
        if unknown:
            raise BuilderError(f"split.ratios has unknown split(s) {sorted(unknown)}; use {list(SPLITS)}")
        if any(v < 0 for v in self.ratios.values()) or abs(sum(self.ratios.values()) - 1.0) > 1e-6:
            raise BuilderError(f"split.ratios must be non-negative and sum to 1, got {self.ratios}")
        self.requires = (self.key,)

    def assign(self, key: str) -> str:
        u = unit_interval(key, self.salt)
        acc = 0.0
        for name in SPLITS:
            acc += self.ratios.get(name, 0.0)
            if u < acc:
                return name
        return [s for s in SPLITS if self.ratios.get(s, 0.0) > 0][-1]

    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        return set_column(table, "split", [self.assign(k) for k in table.column(self.key).to_pylist()], pa.string())
