"""The dataset card (README.md): YAML the Hub and ``datasets`` read, prose people read.

All text that comes from the data (titles, headlines, config values) goes
into YAML through ``yaml.safe_dump`` and into Markdown escaped, so hostile
input cannot break the front matter or inject markup.
"""

from __future__ import annotations

import re
from collections import Counter

import yaml

TASKS = {
    "articles": ("text-generation", "language-modeling"),
    "teasers": ("text-classification", "multi-class-classification"),
    "ner": ("token-classification", "named-entity-recognition"),
    "stance": ("text-classification", "fact-checking"),
}
DESCRIPTIONS = {
    "articles": "clean article bodies (boilerplate removed), one row per article",
    "teasers": "headline teasers found after the bodies (\"Read more\" lists, headline + blurb blocks), linked to their article",
    "ner": "body sentences with tokens, IOB2 entity tags and character-offset entity spans (silver labels)",
    "stance": "headline/body pairs in the FNC-1 scheme (agree, disagree, discuss, unrelated) with a confidence (silver labels)",
}


def md_escape(text: str | None, limit: int = 200) -> str:
    """Text from the data, safe inside a Markdown table cell or paragraph."""
    if text is None:
        return ""
    t = " ".join(str(text).split())[:limit]
    t = re.sub(r"([\\`*_{}\[\]()#+!|<>~])", r"\\\1", t)
    return t.replace("---", "\\-\\-\\-")


def size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < limit:
            return name
    return "10M<n<100M"


def front_matter(meta: dict, configs: dict) -> dict:
    """``configs``: {name: {"features": Features, "splits": {split: {num_examples, num_bytes, files}}}}."""
    n_articles = sum(s["num_examples"] for s in configs["articles"]["splits"].values())
    cats, ids = [], []
    for name in configs:
        c, t = TASKS[name]
        cats.append(c)
        ids.append(t)
    fm = {
        "pretty_name": str(meta["pretty_name"]),
        "license": str(meta["license"]),
        "language": [str(x) for x in meta["language"]],
        "task_categories": sorted(set(cats)),
        "task_ids": sorted(set(ids)),
        "size_categories": [size_category(n_articles)],
        "tags": ["news", "silver-labels"],
        "configs": [],
        "dataset_info": [],
    }
    for name, c in configs.items():
        splits = {k: s for k, s in c["splits"].items() if s["num_examples"] > 0}
        if not splits:  # nothing to load: datasets cannot load a config without rows
            continue
        fm["configs"].append({
            "config_name": name,
            "data_files": [{"split": split, "path": f"{name}/{split}-*.parquet"} for split in splits],
            **({"default": True} if not fm["configs"] else {}),
        })
        fm["dataset_info"].append({
            "config_name": name,
            "features": c["features"].to_yaml_list(),
            "splits": [{"name": split, "num_bytes": int(s["num_bytes"]), "num_examples": int(s["num_examples"])}
                       for split, s in splits.items()],
            "download_size": int(sum(f["bytes"] for s in splits.values() for f in s["file_records"])),
            "dataset_size": int(sum(s["num_bytes"] for s in splits.values())),
        })
    return fm


class Statistics:
    """Card statistics, accumulated chunk by chunk while the writer streams (bounded memory). The files of
    a release are written side by side, each into a ``Statistics`` of its own; :meth:`merge` adds them up
    in the release's order."""

    def __init__(self):
        self.words = 0
        self.teaser_kinds: Counter = Counter()
        # articles by number of teasers (articles with any): an article's teasers are contiguous in the release
        # order, so they are counted as runs of its id; the first and the last run seen may go on in the
        # chunks before and after, so they are kept apart with their ids (at most two), the rest counted here
        self.teasers_hist: Counter = Counter()
        self._edges: list[tuple[str, int]] = []
        self.entities: Counter = Counter()
        self.tokens = 0
        self.stance_labels: Counter = Counter()
        self.stance_pairs: Counter = Counter()

    def update(self, config: str, table) -> None:
        import numpy as np
        import pyarrow.compute as pc

        if not table.num_rows:
            return
        if config == "articles":
            self.words += int(pc.sum(table.column("n_words")).as_py() or 0)
        elif config == "teasers":
            self.teaser_kinds.update(table.column("kind").to_pylist())
            runs = pc.run_end_encode(table.column("article_id").combine_chunks())
            ends = runs.run_ends.to_numpy()
            counts = np.diff(ends, prepend=0).tolist()
            ids = runs.values
            edges = [(ids[0].as_py(), counts[0])] + ([(ids[-1].as_py(), counts[-1])] if len(counts) > 1 else [])
            self._add_runs(edges, Counter(counts[1:-1]))
        elif config == "ner":
            ents = pc.list_flatten(table.column("entities"))
            self.entities.update(pc.struct_field(ents, "label").to_pylist())
            self.tokens += int(pc.sum(pc.list_value_length(table.column("tokens"))).as_py() or 0)
        elif config == "stance":
            self.stance_labels.update(table.column("label").to_pylist())
            self.stance_pairs.update(table.column("pair").to_pylist())

    def _add_runs(self, edges: list[tuple[str, int]], inner: Counter) -> None:
        """Teaser runs that come after those counted so far: the first and last (``edges``) and the count of
        the others (``inner``). A run that goes on from the last one so far (the same id) joins it."""
        self.teasers_hist.update(inner)
        seq = list(self._edges)
        for aid, k in edges:
            if seq and seq[-1][0] == aid and len(seq) == len(self._edges):  # (only where the two meet)
                seq[-1] = (aid, seq[-1][1] + k)
            else:
                seq.append((aid, k))
        self.teasers_hist.update(k for _, k in seq[1:-1])
        self._edges = seq[:1] + seq[-1:] if len(seq) > 1 else seq

    def merge(self, other: "Statistics") -> None:
        """Add ``other``'s counts, ``other`` covering rows that come after this one's."""
        self.words += other.words
        self.teaser_kinds.update(other.teaser_kinds)
        self._add_runs(other._edges, other.teasers_hist)
        self.entities.update(other.entities)
        self.tokens += other.tokens
        self.stance_labels.update(other.stance_labels)
        self.stance_pairs.update(other.stance_pairs)

    def result(self, configs: dict) -> dict:
        from builder.stages.stance import LABELS

        st = {"split_sizes": {name: {split: s["num_examples"] for split, s in c["splits"].items()}
                              for name, c in configs.items()}}
        n_art = sum(s["num_examples"] for s in configs["articles"]["splits"].values())
        st["articles"] = n_art
        st["words"] = self.words
        if "teasers" in configs:
            n_t = sum(self.teaser_kinds.values())
            st["teasers"] = n_t
            st["teasers_per_article"] = round(n_t / n_art, 3) if n_art else 0.0
            st["teaser_kinds"] = {("related", "teaser")[k]: v for k, v in sorted(self.teaser_kinds.items())}
            hist = Counter(self.teasers_hist)
            hist.update(k for _, k in self._edges)
            with_teasers = sum(hist.values())
            if n_art - with_teasers:
                hist[0] = n_art - with_teasers
            st["teasers_per_article_hist"] = {k: hist[k] for k in sorted(hist)}
        if "ner" in configs:
            st["ner_sentences"] = sum(s["num_examples"] for s in configs["ner"]["splits"].values())
            st["tokens"] = self.tokens
            st["entities_by_type"] = dict(sorted(self.entities.items(), key=lambda kv: (-kv[1], kv[0])))
        if "stance" in configs:
            st["stance_labels"] = {k: self.stance_labels.get(i, 0) for i, k in enumerate(LABELS)}
            st["stance_pairs"] = dict(sorted(self.stance_pairs.items()))
        return st


def _table(rows: list[list], header: list[str], limit: int = 200) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(md_escape(str(c), limit) for c in r) + " |" for r in rows]
    return "\n".join(out)


#: Room for a stage's settings in the card: every setting is shown, each long value shortened (``settings``).
_SETTINGS_CELL = 4000
_LIST_ITEMS = 6
_VALUE_CHARS = 120


def settings(config: dict) -> str:
    """A stage's settings for the card, every one of them: ``key=value`` in key order, a list of more than
    ``_LIST_ITEMS`` items as its first ones and its length, any other value over ``_VALUE_CHARS`` characters cut
    with an ellipsis."""
    out = []
    for k, v in sorted(config.items()):
        if isinstance(v, (list, tuple)) and len(v) > _LIST_ITEMS:
            text = "[" + ", ".join(map(repr, v[:_LIST_ITEMS])) + f", … {len(v)} in all]"
        else:
            text = repr(v) if isinstance(v, str) else str(v)
        if len(text) > _VALUE_CHARS:
            text = text[:_VALUE_CHARS - 1] + "…"
        out.append(f"{k}={text}")
    return ", ".join(out)


def render(meta: dict, configs: dict, stats: dict, manifest: dict, charts: dict | None = None,
           changes: str | None = None, quality: dict | None = None) -> str:
    fm = front_matter(meta, configs)
    yml = yaml.safe_dump(fm, sort_keys=False, allow_unicode=True, width=1000)
    name, version = meta["name"], meta["version"]
    parts = [f"---\n{yml}---\n", f"# {md_escape(meta['pretty_name'])}\n",
             md_escape(meta.get("description") or "", limit=2000) + "\n",
             f"Release `{md_escape(version)}` of `{md_escape(name)}`, built by news-dataset-builder "
             f"{md_escape(manifest['builder_version'])}. Fingerprint `{manifest['fingerprint'][:16]}`.\n"]
    parts.append("## Configs\n")
    parts.append(_table([[c, DESCRIPTIONS[c], *[s["num_examples"] for s in configs[c]["splits"].values()]] for c in configs],
                        ["config", "what it holds", "train", "validation", "test"]) + "\n")
    empty = [f"`{c}/{s}`" for c in configs for s, v in configs[c]["splits"].items() if v["num_examples"] == 0]
    if empty:
        parts.append("Empty splits (" + ", ".join(empty) + ") have no Parquet file, because `datasets` cannot load "
                     "a split of zero rows; `load_dataset` returns the other splits, and `arrow/<config>` "
                     "(`datasets.load_from_disk`) has all three.\n")
    parts.append("## Loading\n\n```python\nfrom datasets import load_dataset\n\n" + "\n".join(
        f'{c} = load_dataset("path/to/{name}/{version}", "{c}")' for c in configs) + "\n```\n")
    if "ner" in configs:
        parts.append("NER tags are `ClassLabel` ids: `ds[\"train\"].features[\"ner_tags\"].feature.names` gives their names.\n")
    parts.append("## Statistics\n")
    rows = [["articles", stats["articles"]], ["words in bodies", stats["words"]]]
    for k in ("teasers", "teasers_per_article", "ner_sentences", "tokens"):
        if k in stats:
            rows.append([k.replace("_", " "), stats[k]])
    parts.append(_table(rows, ["what", "count"]) + "\n")
    if stats.get("entities_by_type"):
        parts.append("Entities by type:\n\n" + _table([[k, v] for k, v in stats["entities_by_type"].items()], ["type", "entities"]) + "\n")
    if stats.get("stance_labels"):
        parts.append("Stance labels:\n\n" + _table([[k, v] for k, v in stats["stance_labels"].items()], ["label", "pairs"]) + "\n")
        parts.append("Stance pairs by how they were made:\n\n" + _table([[k, v] for k, v in stats["stance_pairs"].items()], ["pair", "count"]) + "\n")
    for title, path in (charts or {}).items():
        parts.append(f"![{md_escape(title)}]({path})\n")
    parts.append("## How it was built\n")
    rows = []
    for st in manifest["stages"]:
        if st:
            rows.append([st["name"], st["version"], settings(st["config"])])
    parts.append(_table(rows, ["stage", "rule / model", "config"], limit=_SETTINGS_CELL) + "\n")
    parts.append("Long lists are shortened here; `config.yaml` beside this card holds every setting in full.\n")
    if manifest.get("labelers"):
        parts.append("Labelers: " + ", ".join(f"`{md_escape(v)}`" for v in manifest["labelers"].values()) + "\n")
    c = manifest["counts"]
    parts.append(f"Documents read: {c['read']}; written: {c['written']}; rejected: {c['rejected_total']}"
                 + ("" if not c["rejected"] else " (" + ", ".join(f"{md_escape(k)}: {v}" for k, v in sorted(c["rejected"].items())) + ")")
                 + ". Rejected inputs and every line removed from a body are listed in `audit/` with their reason.\n")
    if quality:
        rows = []
        for labeler, metrics in quality.items():
            if isinstance(metrics, dict):
                rows += [[labeler, k, v] for k, v in metrics.items()]
            else:
                rows.append([labeler, "", metrics])
        parts.append("Measured quality (from `builder eval`, recorded in `release.quality`):\n\n"
                     + _table(rows, ["labeler", "metric", "value"]) + "\n")
    else:
        parts.append("No evaluation was recorded for this release's labelers (`builder eval ner|stance|clean` "
                     "measures them; put the figures in `release.quality` to show them here).\n")
    parts.append("## Changelog\n")
    parts.append((changes or "First release of this dataset.") + "\n")
    parts.append("## Limitations\n\n"
                 "- NER and stance labels are *silver*: produced by models and rules, not by people. "
                 "Use them for pre-training, weak supervision and benchmarking pipelines, and check them before "
                 "treating them as gold.\n"
                 "- Boilerplate and teaser detection are heuristic; the removed lines are in `audit/removed_lines.parquet` for inspection.\n"
                 "- Splits are assigned by a hash of the near-duplicate cluster, so duplicates share a split; "
                 "small releases can have empty splits.\n"
                 "- The articles keep the licence of their publishers.\n")
    parts.append("## Citation\n\n```bibtex\n@misc{" + re.sub(r"[^A-Za-z0-9_]", "_", name) + "_" + version.replace(".", "_") +
                 ",\n  title = {" + md_escape(meta["pretty_name"]).replace("}", "") + "},\n  note = {version " + version +
                 ", built with news-dataset-builder}\n}\n```\n")
    return "\n".join(parts)
