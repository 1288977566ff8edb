"""``builder diff OLD NEW``: what changed between two releases.

Per config and split: rows added, removed and changed (matched by ``id``);
label changes (NER entity labels on the same span, stance labels, teaser
kinds: which label moved to which, how many); card changes (YAML fields and
prose lines). Printed as a table, and as Markdown that the next version's
changelog reuses.
"""

from __future__ import annotations

import argparse
import difflib
import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from builder.errors import BuilderError
from builder.release.verify import read_card

SPLITS = ("train", "validation", "test")
LABEL_COLUMNS = {"stance": "label", "teasers": "kind"}


def _names(root: Path, config: str) -> dict:
    """ClassLabel names per column, from the features embedded in the Parquet files."""
    for f in sorted((root / config).glob("*.parquet")):
        meta = pq.read_schema(f).metadata or {}
        if b"huggingface" in meta:
            feats = json.loads(meta[b"huggingface"])["info"]["features"]
            out = {}
            for col, ft in feats.items():
                if ft.get("_type") == "ClassLabel":
                    out[col] = ft["names"]
                elif ft.get("_type") in ("List", "Sequence") and isinstance(ft.get("feature"), dict) \
                        and ft["feature"].get("_type") == "ClassLabel":
                    out[col] = ft["feature"]["names"]
            return out
    return {}


def _rows(root: Path, config: str, split: str) -> dict[str, dict]:
    out = {}
    for f in sorted((root / config).glob(f"{split}-*.parquet")):
        for r in pq.read_table(f).to_pylist():
            out[r["id"]] = r
    return out


def diff_releases(old: Path, new: Path, new_version: str | None = None) -> dict:
    """Differences between two release folders (``new`` may be a staging folder
    without its manifest yet: then ``new_version`` names it)."""
    for p in (old, new):
        if not (p / "manifest.json").is_file() and not (p is new and new_version and p.is_dir()):
            raise BuilderError(f"{p} is not a release folder (no manifest.json)")
    res = {"old": str(old), "new": str(new), "configs": {}, "card": {}}
    configs = sorted({p.name for r in (old, new) for p in r.iterdir()
                      if p.is_dir() and p.name not in ("arrow", "audit") and any(p.glob("*.parquet"))})
    for conf in configs:
        names_old, names_new = _names(old, conf), _names(new, conf)
        cres = {}
        for split in SPLITS:
            a, b = _rows(old, conf, split), _rows(new, conf, split)
            added = sorted(set(b) - set(a))
            removed = sorted(set(a) - set(b))
            common = set(a) & set(b)
            changed = sorted(i for i in common if a[i] != b[i])
            moves: Counter = Counter()
            if conf == "ner":
                for i in changed:
                    ea = {(e["start"], e["end"]): e["label"] for e in a[i]["entities"]}
                    eb = {(e["start"], e["end"]): e["label"] for e in b[i]["entities"]}
                    for span in set(ea) | set(eb):
                        la, lb = ea.get(span, "(none)"), eb.get(span, "(none)")
                        if la != lb:
                            moves[(la, lb)] += 1
            elif conf in LABEL_COLUMNS:
                col = LABEL_COLUMNS[conf]
                na, nb = names_old.get(col, []), names_new.get(col, [])
                for i in changed:
                    la, lb = _lab(a[i][col], na), _lab(b[i][col], nb)
                    if la != lb:
                        moves[(la, lb)] += 1
            cres[split] = {"old": len(a), "new": len(b), "added": len(added), "removed": len(removed),
                           "changed": len(changed), "label_changes": [[x, y, n] for (x, y), n in moves.most_common()],
                           "examples": {"added": added[:5], "removed": removed[:5], "changed": changed[:5]}}
        res["configs"][conf] = cres
    if (new / "README.md").is_file():  # a staging folder gets its card after the diff
        _card_changes(old, new, res)
    ma = json.loads((old / "manifest.json").read_text())
    vb = new_version or json.loads((new / "manifest.json").read_text()).get("version")
    res["versions"] = [ma.get("version"), vb]
    res["config_changes"] = _config_changes(old, new)
    return res


def _card_changes(old: Path, new: Path, res: dict) -> None:
    try:
        ca, cb = read_card(old), read_card(new)
        for k in sorted(set(ca) | set(cb)):
            if k in ("dataset_info", "configs"):
                continue
            if ca.get(k) != cb.get(k):
                res["card"][k] = [ca.get(k), cb.get(k)]
        ta = (old / "README.md").read_text(encoding="utf-8").split("\n---\n", 1)[-1].splitlines()
        tb = (new / "README.md").read_text(encoding="utf-8").split("\n---\n", 1)[-1].splitlines()
        d = [ln for ln in difflib.unified_diff(ta, tb, lineterm="", n=0) if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
        res["card_lines"] = {"added": sum(ln.startswith("+") for ln in d), "removed": sum(ln.startswith("-") for ln in d)}
    except (OSError, ValueError) as e:
        res["card"]["unreadable"] = str(e)


def _lab(v, names):
    return names[v] if isinstance(v, int) and 0 <= v < len(names) else str(v)


def _config_changes(old: Path, new: Path) -> list[str]:
    import yaml

    def flat(d, prefix=""):
        out = {}
        for k, v in (d or {}).items():
            key = f"{prefix}{k}"
            if isinstance(v, dict):
                out.update(flat(v, key + "."))
            else:
                out[key] = v
        return out

    try:
        a = flat(yaml.safe_load((old / "config.yaml").read_text()))
        b = flat(yaml.safe_load((new / "config.yaml").read_text()))
    except (OSError, yaml.YAMLError):
        return []
    skip = ("dataset.version", "dataset.bump", "paths.", "source.path", "source.shard_size", "executor.")
    return [f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b))
            if a.get(k) != b.get(k) and not k.startswith(skip)]


def to_markdown(res: dict) -> str:
    va, vb = res.get("versions", ["?", "?"])
    lines = [f"### Changes from {va} to {vb}", ""]
    if res.get("config_changes"):
        lines += ["Config changes:", ""] + [f"- `{c}`" for c in res["config_changes"]] + [""]
    lines += ["| config | split | old rows | new rows | added | removed | changed |", "|---|---|---|---|---|---|---|"]
    for conf, splits in res["configs"].items():
        for split, s in splits.items():
            if not (s["old"] or s["new"]):
                continue
            lines.append(f"| {conf} | {split} | {s['old']} | {s['new']} | {s['added']} | {s['removed']} | {s['changed']} |")
    moves = [(conf, split, m) for conf, splits in res["configs"].items() for split, s in splits.items()
             for m in s["label_changes"]]
    if moves:
        lines += ["", "Label changes:", "", "| config | split | from | to | count |", "|---|---|---|---|---|"]
        lines += [f"| {c} | {s} | {a} | {b} | {n} |" for c, s, (a, b, n) in moves[:50]]
    if res.get("card"):
        lines += ["", "Card fields changed: " + ", ".join(f"`{k}`" for k in res["card"])]
    if res.get("card_lines"):
        lines += ["", f"Card text: {res['card_lines']['added']} line(s) added, {res['card_lines']['removed']} removed."]
    return "\n".join(lines) + "\n"


def print_table(res: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"{res['old']} → {res['new']}")
    for c in ("config", "split", "old", "new", "added", "removed", "changed", "label changes"):
        t.add_column(c, justify="right" if c not in ("config", "split", "label changes") else "left")
    for conf, splits in res["configs"].items():
        for split, s in splits.items():
            if not (s["old"] or s["new"]):
                continue
            moves = ", ".join(f"{a}→{b}: {n}" for a, b, n in s["label_changes"][:4])
            t.add_row(conf, split, str(s["old"]), str(s["new"]), str(s["added"]), str(s["removed"]), str(s["changed"]), moves)
    con.print(t)
    if res.get("config_changes"):
        con.print("Config changes: " + "; ".join(res["config_changes"]))
    if res.get("card"):
        con.print("Card fields changed: " + ", ".join(res["card"]))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="builder diff", description="Compare two releases.")
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--markdown", metavar="OUT", help="also write the differences as Markdown")
    p.add_argument("--json", metavar="OUT", help="also write them as JSON")
    a = p.parse_args(argv)
    res = diff_releases(Path(a.old), Path(a.new))
    print_table(res)
    if a.markdown:
        Path(a.markdown).write_text(to_markdown(res), encoding="utf-8")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2, default=str), encoding="utf-8")
    return 0
