"""Executors: where the per-shard work runs (``executor=local`` or ``executor=ray``)."""

from builder.executors.base import Executor
from builder.executors.local import LocalExecutor
from builder.executors.ray import RayExecutor  # imports ray only when started

__all__ = ["Executor", "LocalExecutor", "RayExecutor"]
