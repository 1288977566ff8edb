"""``builder verify PATH``: is this release what its manifest and card say?

Checks, each reported as one line when it fails:

* every file in ``manifest.json`` exists with its size and SHA-256, and no
  data file is there that the manifest does not list;
* Parquet row counts match the manifest, and split sizes match the card's
  ``dataset_info`` and the manifest's ``splits``;
* every config in the card loads with ``datasets.load_dataset`` (fresh cache)
  and every ``ClassLabel`` id is in range;
* the card's YAML parses and its data_files patterns match files.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from builder.errors import BuilderError
from builder.ids import file_sha256
from builder.release.manifest import read_manifest


def read_card(root: Path) -> dict:
    text = (root / "README.md").read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError("README.md has no YAML front matter")
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end]) or {}


def verify(root: Path, load: bool = True) -> list[str]:
    """All problems found in the release at ``root`` (empty list: it is sound)."""
    problems: list[str] = []
    mpath = root / "manifest.json"
    if not mpath.is_file():
        return [f"{mpath}: missing (not a release folder?)"]
    try:
        manifest = read_manifest(root)  # (its inputs are not checked here)
    except json.JSONDecodeError as e:
        return [f"manifest.json: not valid JSON ({e})"]
    listed = {}
    for rec in manifest.get("files", []):
        p = root / rec["path"]
        listed[rec["path"]] = rec
        if not p.is_file():
            problems.append(f"{rec['path']}: missing")
            continue
        size = p.stat().st_size
        if size != rec["bytes"]:
            problems.append(f"{rec['path']}: {size} bytes, manifest says {rec['bytes']}")
        if file_sha256(p) != rec["sha256"]:  # (streamed: a data file can be large)
            problems.append(f"{rec['path']}: content changed (sha256 differs from manifest)")
        elif p.suffix == ".parquet" and "rows" in rec:
            try:
                n = pq.ParquetFile(p).metadata.num_rows
                if n != rec["rows"]:
                    problems.append(f"{rec['path']}: {n} rows, manifest says {rec['rows']}")
            except Exception as e:  # noqa: BLE001 - report, do not crash
                problems.append(f"{rec['path']}: unreadable Parquet ({e})")
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and rel != "manifest.json" and rel not in listed:
            problems.append(f"{rel}: not listed in manifest.json")

    try:
        card = read_card(root)
    except (OSError, ValueError, yaml.YAMLError) as e:
        problems.append(f"README.md: card YAML unreadable ({e})")
        return problems
    infos = {i.get("config_name"): i for i in card.get("dataset_info") or []}
    msplits = manifest.get("splits", {})
    for conf in card.get("configs") or []:
        name = conf.get("config_name")
        info = infos.get(name)
        if info is None:
            problems.append(f"README.md: config '{name}' has no dataset_info")
            continue
        for df in conf.get("data_files") or []:
            files = sorted(root.glob(df["path"]))
            if not files:
                problems.append(f"README.md: config '{name}' split '{df['split']}' matches no file ({df['path']})")
                continue
            rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files if f.is_file())
            card_n = {s["name"]: s["num_examples"] for s in info.get("splits") or []}.get(df["split"])
            if card_n != rows:
                problems.append(f"README.md: {name}/{df['split']} has {rows} rows, the card says {card_n}")
            man_n = msplits.get(name, {}).get(df["split"])
            if man_n is not None and man_n != rows:
                problems.append(f"manifest.json: {name}/{df['split']} has {rows} rows, the manifest says {man_n}")
    if load and not any("content changed" in p or "missing" in p for p in problems):
        problems += _load_all(root, card)
    return problems


def _load_all(root: Path, card: dict) -> list[str]:
    import datasets
    from datasets import ClassLabel, List

    datasets.disable_progress_bars()
    problems = []
    for conf in card.get("configs") or []:
        name = conf["config_name"]
        with tempfile.TemporaryDirectory() as cache:
            try:
                dd = datasets.load_dataset(str(root), name, cache_dir=cache)
            except Exception as e:  # noqa: BLE001
                problems.append(f"{name}: datasets.load_dataset fails: {e.__class__.__name__}: {str(e).splitlines()[0][:200]}")
                continue
            for split, ds in dd.items():
                for col, feat in ds.features.items():
                    label = feat if isinstance(feat, ClassLabel) else (
                        feat.feature if isinstance(feat, List) and isinstance(feat.feature, ClassLabel) else None)
                    if label is None:
                        continue
                    values = ds.data.column(col).to_pylist()
                    flat = [v for vs in values for v in vs] if label is not feat else values
                    bad = [v for v in flat if v is None or not 0 <= v < label.num_classes]
                    if bad:
                        problems.append(f"{name}/{split}: column '{col}' has {len(bad)} label id(s) out of range "
                                        f"0..{label.num_classes - 1} (e.g. {bad[0]})")
    return problems


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="builder verify", description="Check a release against its manifest and card.")
    p.add_argument("path", help="release folder, e.g. dist/news-articles/0.1.0")
    p.add_argument("--no-load", action="store_true", help="skip loading every config with datasets")
    a = p.parse_args(argv)
    root = Path(a.path)
    if not root.is_dir():
        raise BuilderError(f"{root} is not a folder: give a release folder such as dist/<name>/<version>")
    problems = verify(root, load=not a.no_load)
    if problems:
        print(f"{root}: {len(problems)} problem(s)")
        for pr in problems:
            print(f"  - {pr}")
        return 1
    m = read_manifest(root)
    print(f"{root}: OK ({len(m['files'])} files, fingerprint {m['fingerprint'][:12]}, "
          + ", ".join(f"{c} {sum(v.values())} rows" for c, v in m.get("splits", {}).items()) + ")")
    return 0
