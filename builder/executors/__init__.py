"""Executors: where the per-shard work runs (``executor=local``)."""

from builder.executors.base import Executor
from builder.executors.local import LocalExecutor

__all__ = ["Executor", "LocalExecutor"]
