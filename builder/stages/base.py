"""What every stage is: a callable from a document table to a document table.

A stage adds or rewrites columns of a batch of documents (a ``pyarrow.Table``)
and never depends on batch boundaries, global state or I/O. Stateful stages
(a model) load it in ``__init__``, once per worker. Each stage declares the
columns it ``requires`` and ``assigns`` and a versioned ``version`` name that
goes into the manifest (``segment.rules.v1``): a change of behaviour ships
under a new version.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import pyarrow as pa

from builder.errors import BuilderError


class Stage:
    """Base class. Subclasses are dataclasses whose fields are their config."""

    name: ClassVar[str] = "stage"
    version: ClassVar[str] = "stage.v1"
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()

    def __call__(self, table: pa.Table) -> pa.Table:  # pragma: no cover - abstract
        raise NotImplementedError

    def check(self, table: pa.Table) -> None:
        missing = [c for c in self.requires if c not in table.column_names]
        if missing:
            raise BuilderError(
                f"stage '{self.name}' needs column(s) {missing} that no earlier stage produced; "
                "check the order of stages in the config"
            )

    def config(self) -> dict[str, Any]:
        if dataclasses.is_dataclass(self):
            return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self) if f.repr}
        return {}

    def describe(self) -> dict[str, Any]:
        """Name, versioned rule name and config, for the manifest and the card."""
        return {"name": self.name, "version": self.version, "config": self.config()}


def set_column(table: pa.Table, name: str, values, type: pa.DataType) -> pa.Table:
    """Add or replace column ``name`` with an explicitly typed array."""
    arr = pa.array(values, type=type)
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), pa.field(name, type), arr)
    return table.append_column(pa.field(name, type), arr)


def keep_out_of_collector() -> None:
    """Move every object alive now (a model just loaded) out of the cyclic collector's reach.

    A loaded spaCy pipeline is some 100,000 long-lived objects; left in the
    collector's oldest generation, every full pass walks them again while a
    stage allocates its per-document results (some 4% of the NER stage).
    Called once per worker after a model loads; garbage is collected first
    so none of it is kept.
    """
    import gc

    gc.collect()
    gc.freeze()


def _plain(v):
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return dataclasses.asdict(v)
    return v
