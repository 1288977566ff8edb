"""``manifest.json``: written as it is made, read without what the reader does not need.

The layout is the builder's own: the manifest's head (name, version,
fingerprint, ...) first, one key a line, and each long list (``inputs``,
``files``) one compact record a line between ``  "key": [`` and ``  ]``. A
million inputs make a manifest of ~124 MB; its writer never holds it, and its
readers pass over the lines they do not need. A manifest in another layout
(edited by hand, re-dumped) is still read, whole.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from itertools import islice
from pathlib import Path


class Rendered:
    """A list of the manifest already written out by :func:`render_list` into the file ``path`` (a build
    writes its inputs' list while it writes the data files): :func:`write_manifest` copies it."""

    def __init__(self, path: Path):
        self.path = path


def render_list(records, fh) -> None:
    """Write ``records`` (any iterable of dicts) to ``fh`` as a list of the manifest: one compact record a
    line, from ``[`` to ``]``."""
    records, n = iter(records), 0
    while rows := [json.dumps(r, ensure_ascii=False, default=str) for r in islice(records, 1000)]:
        fh.write(("[\n    " if not n else ",\n    ") + ",\n    ".join(rows))
        n += len(rows)
    fh.write("\n  ]" if n else "[]")


def write_manifest(path: Path, manifest: dict) -> None:
    """The manifest, indented, with one compact line per input and per file.

    ``inputs`` and ``files`` may be any iterables of records: they are written
    as they come, so the manifest of a corpus of millions of inputs is never
    in memory whole. ``json.dumps(indent=2)`` of such lists would also run the
    pure-Python encoder (seconds at 100k inputs), and a line per record reads
    (and diffs) better. Either may also be :class:`Rendered` already.
    """
    nonce = os.urandom(8).hex()  # a marker no value of the manifest can hold
    marks = {k: f"@@{k}-{nonce}@@" for k in ("inputs", "files") if k in manifest}
    text = json.dumps({**manifest, **marks}, indent=2, ensure_ascii=False, default=str)
    places = sorted((text.index(json.dumps(m)), k) for k, m in marks.items())
    with open(path, "w", encoding="utf-8") as fh:
        pos = 0
        for at, k in places:
            fh.write(text[pos:at])
            if isinstance(manifest[k], Rendered):
                with open(manifest[k].path, encoding="utf-8") as part:
                    shutil.copyfileobj(part, fh, 1 << 20)
            else:
                render_list(manifest[k], fh)
            pos = at + len(json.dumps(marks[k]))
        fh.write(text[pos:] + "\n")


def read_manifest(root: Path, skip: tuple[str, ...] = ("inputs",)) -> dict:
    """``manifest.json`` with the lists named in ``skip`` left empty.

    The builder writes such a list one record a line, between ``  "inputs": [``
    and ``  ]`` (``write_manifest``): those lines are passed over unparsed, so
    the manifest of a million inputs (124 MB) is not held as Python objects
    (``json.loads`` of it peaked at 1 GB, this at 75 MB). A manifest in another
    layout is parsed whole. Raises ``json.JSONDecodeError`` for one that is not JSON.
    """
    path = root / "manifest.json"
    kept, skipping = [], None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if skipping is not None:
                if line.startswith("  ]"):  # the list's end (its records are indented further)
                    kept.append(f'  "{skipping}": []{line.strip()[1:]}\n')
                    skipping = None
                continue
            m = re.fullmatch(r'  "(\w+)": \[\n', line)
            if m and m.group(1) in skip:
                skipping = m.group(1)
                continue
            kept.append(line)
    try:
        manifest = json.loads("".join(kept)) if skipping is None else None
    except json.JSONDecodeError:
        manifest = None
    if manifest is None:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    return {k: ([] if k in skip and isinstance(v, list) else v) for k, v in manifest.items()}


def manifest_version(root: Path) -> str | None:
    """The manifest's ``version``, read from its first lines: the manifest lists every input and can be
    100 MB; its head (name, version, fingerprint) comes first, one key a line."""
    with open(root / "manifest.json", encoding="utf-8") as fh:
        for _, line in zip(range(50), fh):
            m = re.match(r'\s{2}"version": (".*"),?$', line)
            if m:
                return json.loads(m.group(1))
    return json.loads((root / "manifest.json").read_text(encoding="utf-8")).get("version")  # another layout
