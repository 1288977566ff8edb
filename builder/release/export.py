"""``builder export PATH --format conll|jsonl|spacy``: a release in other tools' formats.

* ``conll``: the ``ner`` config as ``token tag`` lines, a blank line between
  sentences and ``-DOCSTART- -X- -X- O`` between articles (one file per split);
* ``jsonl``: every config, one JSON object per row, label ids as names;
* ``spacy``: the ``ner`` config as spaCy ``DocBin`` files for ``spacy train``.

The release itself is never written to (it is immutable); exports go to
``--out`` (default ``export/<name>/<version>`` in the working folder).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from builder.errors import BuilderError
from builder.release.diff import SPLITS, _names, batches


def _tables(root: Path, config: str, split: str):
    """The split's rows in release order, a batch at a time (a split is never in memory whole)."""
    for batch in batches(root, config, split):
        yield from batch.to_pylist()


def _write_text(path: Path, chunks) -> bool:
    """Write the strings ``chunks`` to ``path``, made (with its folder) at the first one: an empty split gets no
    file. Returns whether it was written."""
    fh = None
    try:
        for c in chunks:
            if fh is None:
                path.parent.mkdir(parents=True, exist_ok=True)
                fh = path.open("w", encoding="utf-8")
            fh.write(c)
    finally:
        if fh is not None:
            fh.close()
    return fh is not None


def export_jsonl(root: Path, out: Path) -> list[Path]:
    written = []
    for conf_dir in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in ("arrow", "audit")):
        names = _names(root, conf_dir.name)
        def lines(rows):
            for r in rows:
                for col, ns in names.items():
                    v = r.get(col)
                    r[col] = [ns[x] for x in v] if isinstance(v, list) else ns[v]
                yield json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"

        for split in SPLITS:
            path = out / conf_dir.name / f"{split}.jsonl"
            if _write_text(path, lines(_tables(root, conf_dir.name, split))):
                written.append(path)
    return written


def export_conll(root: Path, out: Path) -> list[Path]:
    names = _names(root, "ner").get("ner_tags")
    if not names:
        raise BuilderError(f"{root} has no ner config to export as CoNLL (was it built with ner=none?)")
    written = []
    def lines(rows):
        """CoNLL text in release order: articles in input order, each one's sentences together and in order."""
        last = None
        for r in rows:
            if r["article_id"] != last:
                yield "-DOCSTART- -X- -X- O\n\n"
                last = r["article_id"]
            yield "".join(f"{tok.replace(' ', '_')} {names[tag]}\n" for tok, tag in zip(r["tokens"], r["ner_tags"])) + "\n"

    for split in SPLITS:
        path = out / "ner" / f"{split}.conll"
        if _write_text(path, lines(_tables(root, "ner", split))):
            written.append(path)
    return written


def export_spacy(root: Path, out: Path) -> list[Path]:
    import spacy
    from spacy.tokens import Doc, DocBin

    if not _names(root, "ner").get("ner_tags"):
        raise BuilderError(f"{root} has no ner config to export for spaCy (was it built with ner=none?)")
    vocab = spacy.blank("xx").vocab
    written = []
    for split in SPLITS:
        rows = list(_tables(root, "ner", split))
        if not rows:
            continue
        db = DocBin(store_user_data=False)
        for r in rows:
            words, spaces, pos = r["tokens"], [], 0
            text = r["text"]
            for i, w in enumerate(words):
                j = text.find(w, pos)
                pos = (j if j >= 0 else pos) + len(w)
                spaces.append(i + 1 < len(words) and pos < len(text) and text[pos].isspace())
            doc = Doc(vocab, words=words, spaces=spaces)
            ents = []
            for e in r["entities"]:
                span = doc.char_span(e["start"], e["end"], label=e["label"], alignment_mode="expand")
                if span is not None and all(span.start >= x.end or span.end <= x.start for x in ents):
                    ents.append(span)
            doc.ents = ents
            db.add(doc)
        path = out / "ner" / f"{split}.spacy"
        path.parent.mkdir(parents=True, exist_ok=True)
        db.to_disk(path)
        written.append(path)
    return written


EXPORTERS = {"conll": export_conll, "jsonl": export_jsonl, "spacy": export_spacy}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="builder export", description="Export a release for other tools.")
    p.add_argument("path", help="release folder, e.g. dist/news-articles/0.1.0")
    p.add_argument("--format", required=True, choices=sorted(EXPORTERS))
    p.add_argument("--out", help="output folder (default: export/<name>/<version>)")
    a = p.parse_args(argv)
    root = Path(a.path)
    if not (root / "manifest.json").is_file():
        raise BuilderError(f"{root} is not a release folder (no manifest.json)")
    from builder.release.manifest import read_manifest

    m = read_manifest(root, skip=("inputs", "files"))
    out = Path(a.out) if a.out else Path("export") / m["name"] / m["version"]
    if out.resolve() == root.resolve() or root.resolve() in out.resolve().parents:
        raise BuilderError("--out must be outside the release folder: releases are immutable")
    files = EXPORTERS[a.format](root, out)
    for f in files:
        print(f)
    if not files:
        print(f"nothing to export from {root}")
    return 0
