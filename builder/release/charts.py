"""Label distribution charts for the card, as PNG files in the release (``images/``).

Rendered with matplotlib's Agg backend with fixed size, DPI and no
timestamp metadata, so the same statistics give the same bytes.
"""

from __future__ import annotations

from pathlib import Path


def _bar(path: Path, title: str, labels: list[str], values: list[int], color: str) -> None:
    # the object API without pyplot: no backend selection, no global state, half the import time
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 0.45 * max(len(labels), 3) + 1.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y = range(len(labels))
    ax.barh(list(y), values, color=color)
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.set_title(title)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v}", va="center", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max(values + [1]) * 1.15)
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})


def render_charts(root: Path, stats: dict) -> dict[str, str]:
    """Write the charts for ``stats``; returns ``{chart name: relative path}``."""
    out = root / "images"
    out.mkdir(parents=True, exist_ok=True)
    charts = {}
    sizes = stats.get("split_sizes", {})
    if sizes:
        labels, values = [], []
        for conf, splits in sizes.items():
            for split, n in splits.items():
                labels.append(f"{conf} / {split}")
                values.append(int(n))
        _bar(out / "split_sizes.png", "Rows per config and split", labels, values, "#4c72b0")
        charts["Rows per config and split"] = "images/split_sizes.png"
    ents = stats.get("entities_by_type")
    if ents:
        _bar(out / "ner_entities.png", "Entities by type (silver NER)", list(ents), list(ents.values()), "#55a868")
        charts["Entities by type"] = "images/ner_entities.png"
    st = stats.get("stance_labels")
    if st:
        _bar(out / "stance_labels.png", "Stance labels (FNC-1)", list(st), list(st.values()), "#c44e52")
        charts["Stance labels"] = "images/stance_labels.png"
    tk = stats.get("teasers_per_article_hist")
    if tk:
        _bar(out / "teasers_per_article.png", "Articles by number of teasers", [str(k) for k in tk], list(tk.values()), "#8172b2")
        charts["Articles by number of teasers"] = "images/teasers_per_article.png"
    return charts
