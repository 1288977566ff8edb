"""Stable identifiers and hashes.

Every id in a release is derived from content with SHA-256, never from the
order in which documents were read, so the same input gets the same id on
every machine and with every executor.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

SEP = b"\x1f"


def digest(*parts: str | bytes, n: int = 16) -> str:
    """Hex SHA-256 of ``parts`` joined by an unambiguous separator, cut to ``n`` chars."""
    h = hashlib.sha256()
    for i, p in enumerate(parts):
        if i:
            h.update(SEP)
        h.update(p.encode("utf-8") if isinstance(p, str) else p)
    return h.hexdigest()[:n]


def json_digest(obj: Any, n: int = 64) -> str:
    """Digest of a JSON-serialisable object with sorted keys."""
    data = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return digest(data, n=n)


def unit_interval(key: str, salt: str = "") -> float:
    """Map ``key`` to a float in [0, 1), uniformly and stably."""
    h = hashlib.sha256(f"{salt}\x1f{key}".encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def file_sha256(path: str | os.PathLike) -> str:
    with open(path, "rb", buffering=0) as f:
        head = f.read(1 << 20)
        if len(head) < 1 << 20:  # most inputs: one read, no streaming machinery
            return hashlib.sha256(head).hexdigest()
        h = hashlib.sha256(head)
        while chunk := f.read(1 << 20):
            h.update(chunk)
        return h.hexdigest()


def package_version(name: str, default: str | None = "unknown") -> str | None:
    """The installed version of distribution ``name`` (``default`` when it is not installed).

    Model identities in the manifest and the fingerprint use it: a new model
    package changes the fingerprint.
    """
    import importlib.metadata as md

    try:
        return md.version(name)
    except (md.PackageNotFoundError, ValueError):
        return default
