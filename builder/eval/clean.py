"""``builder eval clean``: score the cleaning stages (extract → normalize → segment) against gold bodies and teasers.

Usage::

    builder eval clean --gold GOLD.json --input DIR [--format text|html]
                       [--predictions OUT.json] [--pages] [--config-dir DIR] [key=value ...]

``GOLD.json`` is ``{id: {"articleBody": str, "url": str, "teasers": [headline, ...]}}``
(``teasers`` optional: pages without the key are not scored for teasers; an
empty list means the page has none, so any teaser found there is an error).
``DIR`` holds ``<id>.txt`` and/or ``<id>.html``, or ``txt/`` and ``html/``
subfolders; ``--format`` picks which. The ``key=value`` overrides are the
build's (``segment.min_prose_words=5``, ``segment=my_site``), so the scores
are those of the cleaning a build with the same overrides would do.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from builder.errors import BuilderError
from builder.eval.metrics import BodyScore, TeaserScore, body_scores, teaser_scores

CLEAN_STAGES = ("extract", "normalize", "segment")
SUFFIX = {"text": ".txt", "html": ".html"}
SUBDIR = {"text": "txt", "html": "html"}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="builder eval clean", description=__doc__.split("\n")[0])
    p.add_argument("--gold", required=True, help="gold JSON: {id: {articleBody, url, teasers?}}")
    p.add_argument("--input", required=True, help="folder with <id>.txt / <id>.html (or txt/ and html/ subfolders)")
    p.add_argument("--format", choices=("text", "html"), default="text", help="which inputs to clean (default: text)")
    p.add_argument("--predictions", help="write per-page predictions and scores to this JSON file")
    p.add_argument("--pages", action="store_true", help="print every page's scores (default: the 10 worst)")
    p.add_argument("--config-dir", help="an extra config folder (like a build's --config-dir), e.g. for segment=my_site")
    p.add_argument("overrides", nargs="*", help="Hydra overrides, as for a build (key=value)")
    return p.parse_args(argv)


def load_gold(path: str | Path) -> dict[str, dict]:
    p = Path(path)
    if not p.is_file():
        raise BuilderError(f"gold file not found: {path}")
    try:
        gold = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise BuilderError(f"gold file {path} is not valid JSON: {e}") from e
    if not isinstance(gold, dict) or not all(isinstance(v, dict) and "articleBody" in v for v in gold.values()):
        raise BuilderError(f"gold file {path} must map each id to an object with an 'articleBody'")
    return gold


def find_inputs(folder: str | Path, ids, fmt: str) -> dict[str, Path]:
    """Input file of each id in ``folder`` (or its ``txt/`` / ``html/`` subfolder) for the format."""
    root = Path(folder)
    if not root.is_dir():
        raise BuilderError(f"input folder not found: {folder}")
    if (root / SUBDIR[fmt]).is_dir():
        root = root / SUBDIR[fmt]
    found = {}
    for key in ids:
        f = root / f"{key}{SUFFIX[fmt]}"
        if f.is_file():
            found[key] = f
    if not found:
        raise BuilderError(f"no {fmt} inputs for the gold ids in {folder} (expected <id>{SUFFIX[fmt]} files)")
    return found


def clean_stages(overrides: list[str], config_dir: str | None = None) -> list:
    """The configured extract, normalize and segment stages (None entries for disabled ones dropped)."""
    from omegaconf import OmegaConf

    from builder.cli import compose_config
    from builder.pipeline import instantiate_stage

    cfg = compose_config(overrides, config_dir=config_dir)
    plain = OmegaConf.to_container(cfg, resolve=True)
    stages = []
    for name in CLEAN_STAGES:
        st = instantiate_stage(plain.get(name))
        if st is not None:
            stages.append(st)
    return stages


def run_cleaning(stages: list, inputs: dict[str, Path], fmt: str) -> dict[str, dict]:
    """Read and clean each input the way a build does; returns id → {articleBody, title, teasers, removed}."""
    import pyarrow as pa

    from builder.sources.base import DOCUMENT_SCHEMA
    from builder.sources.files import decode

    rows = []
    for key, path in inputs.items():
        text, enc, problem = decode(path.read_bytes())
        rows.append({"id": key, "source": path.name, "raw": text or "", "format": fmt, "encoding": enc or None,
                     "title": None, "url": None, "date": None})
    t = pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA)
    t = t.append_column("text_raw", t.column("raw"))
    for st in stages:
        t = st(t)
    if "text" not in t.column_names:  # segment disabled: the normalised (or raw) text is the body
        t = t.append_column("text", t.column("norm" if "norm" in t.column_names else "text_raw"))
    cols = {c: t.column(c).to_pylist() if c in t.column_names else [None] * t.num_rows
            for c in ("id", "text", "title", "teasers", "removed")}
    out = {}
    for i, key in enumerate(cols["id"]):
        teasers = cols["teasers"][i] or []
        out[key] = {"articleBody": cols["text"][i] or "", "title": cols["title"][i],
                    "teasers": [x["headline"] for x in teasers], "teaser_records": teasers,
                    "removed": cols["removed"][i] or []}
    return out


def evaluate(gold: dict[str, dict], pred: dict[str, dict]) -> tuple[BodyScore, TeaserScore | None]:
    """Body scores over every gold page; teaser scores over the gold pages that list teasers."""
    body = body_scores({k: v.get("articleBody") or "" for k, v in gold.items()},
                       {k: v.get("articleBody") or "" for k, v in pred.items()})
    with_teasers = {k: list(v["teasers"]) for k, v in gold.items() if isinstance(v.get("teasers"), list)}
    teasers = None
    if with_teasers:
        teasers = teaser_scores(with_teasers, {k: pred.get(k, {}).get("teasers", []) for k in with_teasers})
    return body, teasers


def print_report(body: BodyScore, teasers: TeaserScore | None, gold: dict, pred: dict, all_pages: bool,
                 title: str, seconds: float, n_bytes: int) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console(width=max(Console().width, 110))
    summary = Table(title=title)
    for col in ("score", "pages", "F1", "precision", "recall", "notes"):
        summary.add_column(col, justify="right" if col not in ("score", "notes") else "left")
    summary.add_row("body (4-shingles)", str(body.n_pages), f"{body.f1:.3f}", f"{body.precision:.3f}",
                    f"{body.recall:.3f}", f"{len(pred)} cleaned, {n_bytes / 1e6:.2f} MB in {seconds:.1f} s")
    if teasers is not None:
        summary.add_row("teaser headlines", str(teasers.n_pages), f"{teasers.f1:.3f}", f"{teasers.precision:.3f}",
                        f"{teasers.recall:.3f}",
                        f"tp {teasers.tp} fp {teasers.fp} fn {teasers.fn}; {teasers.false_on_pages_without_teasers} "
                        f"false on {teasers.n_pages_without_teasers} pages without teasers")
    con.print(summary)
    pages = sorted(body.pages.items(), key=lambda kv: kv[1]["f1"])
    if not all_pages:
        pages = pages[:10]
    per = Table(title="pages" if all_pages else "worst pages (--pages for all)")
    for col in ("id", "F1", "P", "R", "teasers tp/fp/fn", "missing / extra teasers"):
        per.add_column(col, justify="right" if col in ("F1", "P", "R") else "left", overflow="fold")
    for key, s in pages:
        tz = teasers.pages.get(key) if teasers is not None else None
        tcol = f"{tz['tp']}/{tz['fp']}/{tz['fn']}" if tz else "-"
        diff = "; ".join([*(f"-{h}" for h in tz["missing"]), *(f"+{h}" for h in tz["extra"])])[:160] if tz else ""
        per.add_row(key[:20], f"{s['f1']:.3f}", f"{s['precision']:.3f}", f"{s['recall']:.3f}", tcol, diff)
    con.print(per)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    gold = load_gold(args.gold)
    inputs = find_inputs(args.input, gold, args.format)
    missing = [k for k in gold if k not in inputs]
    if missing:
        print(f"warning: {len(missing)} gold page(s) have no {args.format} input and score as empty: "
              f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}", file=sys.stderr)
    stages = clean_stages(args.overrides, args.config_dir)
    n_bytes = sum(p.stat().st_size for p in inputs.values())
    t0 = time.perf_counter()
    pred = run_cleaning(stages, inputs, args.format)
    seconds = time.perf_counter() - t0
    body, teasers = evaluate(gold, pred)
    desc = " → ".join(f"{s.name} ({s.version})" for s in stages) or "no cleaning stages"
    print_report(body, teasers, gold, pred, args.pages, f"builder eval clean: {args.format} inputs, {desc}",
                 seconds, n_bytes)
    if args.predictions:
        out = {}
        for key, v in pred.items():
            rec = {"articleBody": v["articleBody"], "title": v["title"], "teasers": v["teasers"],
                   "teaser_records": v["teaser_records"], "body": body.pages.get(key)}
            if teasers is not None and key in teasers.pages:
                rec["teaser_score"] = teasers.pages[key]
            out[key] = rec
        out_path = Path(args.predictions)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"predictions: {out_path}")
    return 0
