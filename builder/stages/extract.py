"""HTML to text: the article body with trafilatura, and the page's metadata.

Plain-text documents pass through unchanged (``text_raw`` = ``raw``). For
HTML documents, trafilatura extracts the main text (paragraphs on their own
lines), and the page's title, date and URL fill the document's columns when
the source did not give them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa

from builder.stages.base import Stage, set_column


@dataclass
class HtmlExtractor(Stage):
    """Extract article text from HTML rows (``format == "html"``).

    Args:
        favor_precision: trafilatura's precision mode (less boilerplate, may cut text).
        include_tables: keep text of tables in the body.
    """

    name: ClassVar[str] = "extract"
    version: ClassVar[str] = "extract.trafilatura.v1"
    requires: ClassVar[tuple[str, ...]] = ("raw", "format", "title", "url", "date")
    assigns: ClassVar[tuple[str, ...]] = ("text_raw", "title", "url", "date")

    favor_precision: bool = False
    include_tables: bool = True

    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        cols = {c: table.column(c).to_pylist() for c in ("raw", "format", "title", "url", "date")}
        text_raw, titles, urls, dates = [], [], [], []
        for raw, fmt, title, url, date in zip(cols["raw"], cols["format"], cols["title"], cols["url"], cols["date"]):
            if fmt != "html":
                text_raw.append(raw)
                titles.append(title)
                urls.append(url)
                dates.append(date)
                continue
            body, meta = self.extract(raw)
            text_raw.append(body)
            titles.append(title or meta.get("title"))
            urls.append(url or meta.get("url"))
            dates.append(date or meta.get("date"))
        table = set_column(table, "text_raw", text_raw, pa.string())
        table = set_column(table, "title", titles, pa.string())
        table = set_column(table, "url", urls, pa.string())
        return set_column(table, "date", dates, pa.string())

    def extract(self, html: str) -> tuple[str, dict]:
        import trafilatura

        doc = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=self.include_tables,
            favor_precision=self.favor_precision,
        )
        if doc is None:
            return "", {}
        d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
        meta = {k: d.get(k) for k in ("title", "url", "date")}
        return d.get("text") or "", meta
