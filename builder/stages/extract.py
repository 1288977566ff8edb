"""HTML to text: the article body with trafilatura, the page's metadata and its teasers.

Plain-text documents pass through unchanged (``text_raw`` = ``raw``, no
``page_teasers``). For HTML documents:

1. **Teaser blocks are found in the page** before anything is thrown away:
   the related-headline lists and headline + blurb cards that news pages put
   around (and inside) the article. They become the ``page_teasers`` column
   and are cut out of the page, so they do not end up in the body either.
2. **trafilatura** extracts the main text from what is left, one paragraph
   per line, and the page's title, date and URL (``<title>``/``og:title``,
   htmldate, ``canonical``/``og:url``) fill the document's columns when the
   source did not give them.
3. The article's own headline (and the standfirst right under it), when
   trafilatura kept them at the top of the body, are dropped: the headline is
   the ``title`` column, not body text.

How teaser blocks are found (general evidence, no site lists):

* a **headline link** is an ``<a>`` outside navigation, menus, breadcrumbs,
  share bars, comment threads and the page's own header and footer, whose text
  (or the text of the heading inside it, when the link wraps a whole card) is
  headline-like: 4 to 30 words, starting with a capital or a digit (title or
  sentence case; scripts without case pass), mostly words, no URL, not an
  interface phrase ("Read more", "Sign up", ...), not the page's own title,
  pointing to another page, not a button;
* its **card** is the largest element around the link that holds no other
  headline link and, besides the headline, at most a blurb (the longest
  paragraph of 6 to 80 words that is not a byline or a date), a section label
  (an element whose class says section/category/kicker/...) and a few other
  words (a date, "[VIDEO]"); a paragraph of prose with a link in it is no card;
* a **block** is the largest element around one or more cards whose text is
  nearly all card text (a heading such as "More stories" may remain); blocks
  that follow each other as siblings (one link per paragraph) are one list;
* a block is kept when
  - its heading (its own text outside the cards, or the short element right
    before it) says related / read more / see also / more from ... / don't
    miss / popular / you may also like / ...; or
  - a class or id from its cards up to it, or of a container at most two
    levels above that is mostly made of its cards, says so (``related-posts``,
    ``more-stories``, ``mostPopular``, ...); or
  - it has two or more cards with blurbs (a card grid); or
  - it is a list of three or more headline links, two thirds of them to
    article-like URLs (a slug of three or more words, or a numeric id) on the
    page's own site or all on one other site (a sister site's promotions),
    so a list of sources cited on many sites stays in the body.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

import pyarrow as pa

from builder.stages.base import Stage, set_column
from builder.stages.words import WORD_RE

PAGE_TEASER_TYPE = pa.struct(
    [
        ("headline", pa.string()),
        ("blurb", pa.string()),
        ("section", pa.string()),
        ("kind", pa.string()),
    ]
)

_SPACE_RE = re.compile(r"\s+")
_LETTER_RE = re.compile(r"[^\W\d_]", re.UNICODE)

#: Headings and markers of related-headline blocks ("More from Politics", "DON'T MISS", "Related:").
RELATED_TEXT_RE = re.compile(
    r"\b(?:related|read (?:more|also|next|this)|also read|see (?:also|more)|"
    r"more (?:from|on|in|about|stories|news|headlines|coverage|articles|reading|like this|to (?:read|explore))|"
    r"recommended|recommendations?|you (?:may|might|could|will) (?:also )?(?:like|enjoy|love|be interested)|"
    r"also (?:interested|like|on|in)|interested in|don['’]?t miss|must reads?|top (?:stories|news|headlines)|"
    r"latest (?:news|stories|headlines|articles|posts)|trending|most (?:read|popular|viewed|shared|commented|emailed)|"
    r"popular|(?:what|more) to read|up next|read next|further reading|other stories|in other news|"
    r"editor['’]?s? (?:picks?|choice)|more stories|keep reading|suggested|similar (?:stories|articles|posts))\b",
    re.IGNORECASE,
)
#: Substrings of a class or id (lower-cased, letters only) that name a related block.
RELATED_CLASS_WORDS = (
    "related", "recommend", "readmore", "readnext", "upnext", "alsoread", "seealso", "youmay", "youmight",
    "dontmiss", "morefrom", "morestories", "morenews", "morearticles", "moreon", "mostread", "mostpopular",
    "popular", "trending", "teaser", "suggest", "similar", "latestnews", "topstories",
)
#: Whole class/id tokens that name a related block.
RELATED_CLASS_TOKENS = frozenset({"more", "also", "latest", "next", "other", "others"})
#: Class/id tokens of regions that hold no teasers (menus, share bars, comments, ...).
EXCLUDED_CLASS_TOKENS = frozenset({
    "nav", "navbar", "navigation", "menu", "submenu", "megamenu", "menubar", "breadcrumb", "breadcrumbs",
    "footer", "sitemap", "masthead", "pagination", "pager", "comment", "comments", "share", "sharing",
    "social", "skip", "cookie", "cookies", "consent", "newsletter", "subscribe", "signup", "login", "account",
})
EXCLUDED_ROLES = frozenset({"navigation", "menu", "menubar", "banner", "contentinfo", "search"})
#: Link texts that are interface, not headlines.
UI_TEXT_RE = re.compile(
    r"^\W*(?:read|continue|view|see|show|load|click|tap|sign|log|subscribe|share|follow|download|join|"
    r"get (?:the|our)|back to|go to|skip)\b|"
    r"\b(?:privacy|cookies?|terms (?:of|and)|all rights reserved|contact us|about us|newsletter|sign up|log in)\b",
    re.IGNORECASE,
)
#: Class/id tokens of a card's section label.
SECTION_CLASS_TOKENS = frozenset({
    "section", "category", "categories", "cat", "kicker", "eyebrow", "label", "topic", "tag", "rubric",
    "overline", "channel", "vertical", "flag",
})
_SHARE_HREF_RE = re.compile(r"(?:share|sharer|intent/tweet|pin/create|/submit\?)", re.IGNORECASE)
_URL_TEXT_RE = re.compile(r"https?://|www\.\w|\.(?:com|org|net)\b", re.IGNORECASE)
_BYLINE_RE = re.compile(r"^\s*(?:by|von|par|por|di|door)\s", re.IGNORECASE)
_DATEISH_RE = re.compile(
    r"\b(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}|\d+\s+(?:min|mins|minutes?|hours?|days?)\b|ago\b|\d{1,2}:\d{2}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"\d{1,2}\.?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b)",
    re.IGNORECASE,
)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCK_TAGS = frozenset({"p", "div", "li", "ul", "ol", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6",
                         "header", "footer", "aside", "figure", "figcaption", "table", "dl", "dd", "dt", "blockquote"})
_STOP_TAGS = frozenset({"body", "html", "main"})


@dataclass
class HtmlExtractor(Stage):
    """Extract the article body, metadata and teasers from HTML rows (``format == "html"``).

    Text rows pass through (``text_raw = raw``) with an empty ``page_teasers``.

    Args:
        favor_precision: trafilatura's precision mode (less boilerplate, may cut text).
        include_tables: keep text of tables in the body.
        include_comments: keep readers' comments in the body (trafilatura's comment extraction).
        drop_headline: drop the article's headline (and the standfirst headings right
            under it) from the top of the body; the headline is the ``title`` column.
        find_teasers: take related-headline lists and headline + blurb cards out of the
            page into ``page_teasers`` (and so out of the body). ``false`` leaves the
            page to trafilatura as it is and gives empty ``page_teasers``.
        min_headline_words: a teaser headline has at least this many words (shorter
            link texts are menu items and site sections).
        max_headline_words: and at most this many.
        max_teasers: most teasers kept per page (in page order).
    """

    name: ClassVar[str] = "extract"
    version: ClassVar[str] = "extract.trafilatura.v2"
    requires: ClassVar[tuple[str, ...]] = ("raw", "format", "title", "url", "date")
    assigns: ClassVar[tuple[str, ...]] = ("text_raw", "title", "url", "date", "page_teasers")

    favor_precision: bool = False
    include_tables: bool = True
    include_comments: bool = False
    drop_headline: bool = True
    find_teasers: bool = True
    min_headline_words: int = 4
    max_headline_words: int = 30
    max_teasers: int = 100

    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        cols = {c: table.column(c).to_pylist() for c in ("raw", "format", "title", "url", "date")}
        text_raw, titles, urls, dates, teasers = [], [], [], [], []
        for raw, fmt, title, url, date in zip(cols["raw"], cols["format"], cols["title"], cols["url"], cols["date"]):
            if fmt != "html":
                text_raw.append(raw)
                titles.append(title)
                urls.append(url)
                dates.append(date)
                teasers.append([])
                continue
            r = self.extract_page(raw or "", url=url, title=title)
            text_raw.append(r["text"])
            titles.append(title or r["title"])
            urls.append(url or r["url"])
            dates.append(date or r["date"])
            teasers.append(r["teasers"])
        table = set_column(table, "text_raw", text_raw, pa.string())
        table = set_column(table, "title", titles, pa.string())
        table = set_column(table, "url", urls, pa.string())
        table = set_column(table, "date", dates, pa.string())
        return set_column(table, "page_teasers", teasers, pa.list_(PAGE_TEASER_TYPE))

    def extract(self, html: str) -> tuple[str, dict]:
        """Body text and ``{title, url, date}`` of one page (teasers: see :meth:`extract_page`)."""
        r = self.extract_page(html)
        return r["text"], {k: r[k] for k in ("title", "url", "date")}

    def extract_page(self, html: str, url: str | None = None, title: str | None = None) -> dict:
        """Extract one page. Returns ``text``, ``title``, ``url``, ``date`` and ``teasers``."""
        import trafilatura
        from lxml import etree
        from trafilatura.utils import load_html
        from trafilatura.xml import xmltotxt

        empty = {"text": "", "title": None, "url": None, "date": None, "teasers": []}
        try:
            tree = load_html(html) if html.strip() else None
        except Exception:  # lxml refuses some inputs outright
            tree = None
        if tree is None:
            return empty
        etree.strip_elements(tree, etree.Comment, "script", "style", "template", with_tail=False)
        page_url = url or _page_url(tree)
        page_title = title or _page_title(tree)
        teasers: list[dict] = []
        if self.find_teasers:
            teasers, blocks = TeaserFinder(self.min_headline_words, self.max_headline_words).find(
                tree, page_title, page_url)
            teasers = teasers[: self.max_teasers]
            for el in blocks:
                _remove_keep_tail(el)
        try:
            doc = trafilatura.bare_extraction(
                tree,
                url=url,
                with_metadata=True,
                include_comments=self.include_comments,
                include_tables=self.include_tables,
                favor_precision=self.favor_precision,
            )
        except Exception:  # trafilatura raises on some broken trees; treat as "no body"
            doc = None
        if doc is None:
            return {**empty, "title": page_title, "url": page_url, "teasers": teasers}
        meta_title = getattr(doc, "title", None) or page_title
        body = getattr(doc, "body", None)
        if body is not None:
            if self.drop_headline:
                _drop_leading_headline(body, [t for t in (title, meta_title, page_title) if t])
            text = xmltotxt(body, False)
        else:
            text = getattr(doc, "text", None) or ""
        text = "\n".join(ln.strip() for ln in text.split("\n") if ln.strip())
        return {"text": text, "title": meta_title, "url": getattr(doc, "url", None) or page_url,
                "date": getattr(doc, "date", None), "teasers": teasers}


# ---------------------------------------------------------------- metadata
def _text(el) -> str:
    return _SPACE_RE.sub(" ", "".join(el.itertext())).strip()


def _n_words(s: str | None) -> int:
    return len(WORD_RE.findall(s)) if s else 0


def _page_url(tree) -> str | None:
    """``<link rel="canonical">``, else ``og:url``."""
    for el in tree.iter("link"):
        if "canonical" in (el.get("rel") or "").lower().split() and (el.get("href") or "").strip():
            return el.get("href").strip()
    for el in tree.iter("meta"):
        if (el.get("property") or el.get("name") or "").lower() == "og:url" and (el.get("content") or "").strip():
            return el.get("content").strip()
    return None


def _page_title(tree) -> str | None:
    for el in tree.iter("meta"):
        if (el.get("property") or el.get("name") or "").lower() == "og:title" and (el.get("content") or "").strip():
            return _SPACE_RE.sub(" ", el.get("content")).strip()
    for el in tree.iter("h1"):
        t = _text(el)
        if t:
            return t
    return None


def _key(s: str) -> str:
    t = s.casefold().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(WORD_RE.findall(t))


def _same_title(text: str, titles: list[str]) -> bool:
    """``text`` is the page title, give or take a site name (``Headline | Site``) or a word or two."""
    k = _key(text).split()
    if not k:
        return False
    for t in titles:
        tk = _key(t).split()
        if not tk:
            continue
        if k == tk:
            return True
        if min(len(k), len(tk)) >= 3:
            common = sum((Counter(k) & Counter(tk)).values())
            if common >= 0.8 * max(len(k), len(tk)) or (common == len(k) and len(k) >= 0.5 * len(tk)):
                return True
    return False


def _drop_leading_headline(body, titles: list[str]) -> None:
    """Drop the headline (and standfirst headings under it) that trafilatura kept atop the body."""
    children = [c for c in body if isinstance(c.tag, str)]
    if not children:
        return
    first = children[0]
    first_text = " ".join("".join(first.itertext()).split())
    if not _same_title(first_text, titles):
        return
    drop = [first]
    for c in children[1:]:
        if c.tag != "head":
            break
        drop.append(c)
    if len(drop) == len(children):  # never leave an empty body
        drop = drop[:1] if len(children) > 1 else []
    for c in drop:
        _remove_keep_tail(c)


def _remove_keep_tail(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


# ----------------------------------------------------------------- teasers
def _class_tokens(el) -> list[str]:
    s = f"{el.get('class') or ''} {el.get('id') or ''}"
    s = re.sub(r"([a-z])([A-Z])", r"\1 \2", s)
    return [t for t in re.split(r"[^a-zA-Z0-9]+", s.lower()) if t]


def _related_class(el) -> bool:
    toks = _class_tokens(el)
    if not toks:
        return False
    if any(t in RELATED_CLASS_TOKENS for t in toks):
        return True
    flat = "".join(toks)
    return any(w in flat for w in RELATED_CLASS_WORDS)


def _excluded_class(el) -> bool:
    """Class or id of a menu, navigation, footer, share bar, comment thread, ... (``mainNav``, ``site-footer``)."""
    for t in _class_tokens(el):
        if t in EXCLUDED_CLASS_TOKENS or t.startswith("nav") or t.endswith("nav") or any(
                w in t for w in ("menu", "breadcrumb", "footer", "navigation")):
            return True
    return False


def _article_href(href: str) -> bool:
    """A link that looks like an article: a slug of three or more words, or a numeric id."""
    p = urlsplit(href)
    path = p.path.rstrip("/")
    seg = path.rsplit("/", 1)[-1]
    seg = re.sub(r"\.\w{2,5}$", "", seg)
    if len([w for w in re.split(r"[-_+]+", seg) if _LETTER_RE.search(w)]) >= 3:
        return True
    return bool(re.search(r"\d{4,}", path) or re.search(r"(?:^|&)(?:p|id|story|article)=\d+", p.query))


class TeaserFinder:
    """Find related-headline lists and teaser cards in a page (see the module docstring).

    Args:
        min_headline_words: fewest words in a teaser headline.
        max_headline_words: most words in a teaser headline.
    """

    def __init__(self, min_headline_words: int = 4, max_headline_words: int = 30):
        self.min_words = min_headline_words
        self.max_words = max_headline_words

    def find(self, tree, title: str | None, page_url: str | None) -> tuple[list[dict], list]:
        """Teasers (in page order, one per headline) and the block elements they came from."""
        self.words = self._word_counts(tree)
        self.trace: list[dict] = []
        body = tree.find(".//body")
        total = self.words.get(body if body is not None else tree, 1) or 1
        excluded = self._excluded(tree, total)
        titles = [title] if title else []
        page = _norm_href(page_url or "", "")
        site = _site(page)

        # 1. headline links
        cands = []
        for a in tree.iter("a"):
            if a in excluded:
                continue
            href = _norm_href(a.get("href") or "", page_url or "")
            if not href or href == page or _SHARE_HREF_RE.search(href) or _is_button(a):
                continue
            head_el = self._headline_element(a)
            head = _text(head_el)
            if not self.headline_like(head) or (titles and _same_title(head, titles)):
                continue
            cands.append((a, href, head_el, head))
        if not cands:
            return [], []
        hrefs_under: dict = {}
        for a, href, _, _ in cands:
            hrefs_under.setdefault(a, set()).add(href)
            for anc in a.iterancestors():
                hrefs_under.setdefault(anc, set()).add(href)

        # 2. cards
        cards, card_of = [], {}
        for a, href, head_el, head in cands:
            hw = _n_words(head)
            chain = [a]
            for anc in a.iterancestors():
                if anc.tag in _STOP_TAGS or len(hrefs_under[anc]) > 1 or self.words[anc] > hw + 80:
                    break
                chain.append(anc)
            # the largest element around the link that is a card: headline, blurb, section and
            # at most a few other words (a date, "[VIDEO]"); a paragraph of prose with a link is not
            for card in reversed(chain):
                blurb, section = self._blurb(card, head_el, head), self._section(card, head)
                if self.words[card] - hw - _n_words(blurb) - _n_words(section) <= 15:
                    break
            else:
                continue
            if card in card_of:
                continue
            item = {"card": card, "a": a, "head_el": head_el, "href": href, "headline": head, "blurb": blurb,
                    "section": section}
            card_of[card] = item
            cards.append(item)
        card_words: dict = {}
        for it in cards:
            w = self.words[it["card"]]
            for anc in it["card"].iterancestors():
                card_words[anc] = card_words.get(anc, 0) + w

        # 3. blocks: the largest element around cards whose text is nearly all card text
        blocks: dict = {}
        order = []
        for it in cards:
            block = it["card"]
            for anc in it["card"].iterancestors():
                if anc.tag in _STOP_TAGS:
                    break
                other = self.words[anc] - card_words.get(anc, 0)
                if other > max(12, 0.15 * self.words[anc]):
                    break
                block = anc
            if block not in blocks:
                blocks[block] = []
                order.append(block)
            blocks[block].append(it)

        # 4. runs of sibling blocks (one link per paragraph) are one list
        groups: list[list] = []
        for block in order:
            prev = _previous_sibling(block)
            if groups and prev is not None and prev is groups[-1][-1]:
                groups[-1].append(block)
            else:
                groups.append([block])

        # 5. evidence
        found: dict[str, dict] = {}
        keys: list[str] = []
        drop = []
        for group in groups:
            items = [it for b in group for it in blocks[b]]
            inside, before, before_el = self._headings(group[0], blocks[group[0]])
            kw_before = bool(before) and bool(RELATED_TEXT_RE.search(before))
            kw_text = kw_before or (_n_words(inside) <= 12 and bool(RELATED_TEXT_RE.search(inside)))
            own_class = any(_related_class(b) for b in group) or any(
                _related_class(x) for x in _between(items, group))
            # a "related" container up to two levels above, made mostly of these cards
            kw_class = own_class or any(
                _related_class(anc) and card_words.get(anc, 0) >= 0.5 * self.words[anc]
                for anc in list(group[0].iterancestors())[:2] if anc.tag not in _STOP_TAGS)
            n = len(items)
            n_blurbs = sum(1 for it in items if it["blurb"])
            n_article = sum(1 for it in items if _article_href(it["href"]))
            sites = {_site(it["href"]) for it in items}
            # links to this site, or all to one other site (a sister site's promotions)
            internal = (sum(1 for it in items if not site or _site(it["href"]) == site) * 3 >= 2 * n
                        or len(sites) == 1)
            keep = (
                (kw_text and n >= 1)
                or (kw_class and (n >= 2 or own_class))
                or n_blurbs >= 2
                or (n >= 3 and n_article * 3 >= 2 * n and internal)
            )
            self.trace.append({"block": group[0], "n": n, "kw_text": kw_text, "kw_class": kw_class, "blurbs": n_blurbs,
                               "article": n_article, "internal": internal, "keep": keep,
                               "headlines": [it["headline"] for it in items]})
            if not keep:
                continue
            drop.extend(group)
            if kw_before:
                drop.append(before_el)
            for it in items:
                k = _key(it["headline"])
                if k not in found:
                    found[k] = {"headline": it["headline"], "blurb": it["blurb"], "section": it["section"]}
                    keys.append(k)
                else:
                    found[k]["blurb"] = found[k]["blurb"] or it["blurb"]
                    found[k]["section"] = found[k]["section"] or it["section"]
        teasers = [{**found[k], "kind": "teaser" if found[k]["blurb"] else "related"} for k in keys]
        return teasers, drop

    # ------------------------------------------------------------ helpers
    def headline_like(self, t: str) -> bool:
        words = t.split()
        if not self.min_words <= len(words) <= self.max_words or len(t) > 300:
            return False
        first = t.lstrip("\"'“‘«„([¿¡")[:1]
        # a capital or a digit first (title or sentence case); scripts without case pass
        if not (first.isupper() or first.isdigit() or (first.isalpha() and first.lower() == first.upper())):
            return False
        if sum(1 for w in words if _LETTER_RE.search(w)) < 0.6 * len(words):
            return False
        return not UI_TEXT_RE.search(t) and not _URL_TEXT_RE.search(t)

    @staticmethod
    def _word_counts(tree) -> dict:
        words: dict = {}
        for el in reversed(list(tree.iter())):
            n = _n_words(el.text) if isinstance(el.tag, str) else 0
            for c in el:
                n += words.get(c, 0) + _n_words(c.tail)
            words[el] = n
        return words

    def _excluded(self, tree, total: int) -> set:
        """Elements inside navigation, menus, page headers/footers, share bars, comments."""
        out = set()
        for el in tree.iter():
            if not isinstance(el.tag, str):
                continue
            parent = el.getparent()
            if parent is not None and parent in out:
                out.add(el)
                continue
            tag = el.tag
            if tag in ("nav", "menu") or (el.get("role") or "").lower() in EXCLUDED_ROLES:
                out.add(el)
            elif tag in ("header", "footer") and not any(a.tag in ("article", "main") for a in el.iterancestors()):
                out.add(el)
            elif tag not in _STOP_TAGS and tag != "article" and self.words.get(el, 0) < 0.3 * total and \
                    _excluded_class(el):
                out.add(el)
        return out

    @staticmethod
    def _headline_element(a):
        """The heading inside a link that wraps a whole card (image, headline, blurb), else the link."""
        for el in a.iter(*_HEADING_TAGS):
            return el
        for el in a.iter():
            if el is not a and any(t in ("title", "headline", "heading") for t in _class_tokens(el)):
                return el
        return a

    def _blurb(self, card, head_el, head: str) -> str | None:
        best = None
        hk = _key(head)
        around = {id(x) for x in head_el.iterancestors()} | {id(x) for x in head_el.iter()}
        for el in card.iter():
            if not isinstance(el.tag, str) or id(el) in around:
                continue  # the headline, an element inside it or around it
            if self.words.get(el, 0) < 6 or any(c.tag in _BLOCK_TAGS for c in el):
                continue  # only leaf blocks: their text is one piece
            t = _text(el)
            n = _n_words(t)
            if n < 6 or n > 80 or _key(t) == hk or hk in _key(t):
                continue
            if _BYLINE_RE.match(t) or (n <= 12 and _DATEISH_RE.search(t)):
                continue
            if best is None or n > _n_words(best):
                best = t
        return best

    @staticmethod
    def _section(card, head: str) -> str | None:
        hk = _key(head)
        for el in card.iter():
            if not isinstance(el.tag, str) or not SECTION_CLASS_TOKENS.intersection(_class_tokens(el)):
                continue
            t = _text(el)
            if 1 <= _n_words(t) <= 4 and _key(t) != hk and not _DATEISH_RE.search(t):
                return t
        return None

    def _headings(self, block, items) -> tuple[str, str, object]:
        """The block's own text outside its cards (or, for a one-card block, outside its
        headline), and the text and element of a short element right before the block."""
        skip = {id(it["card"]) for it in items} if block is not items[0]["card"] else {id(items[0]["head_el"]),
                                                                                         id(items[0]["a"])}
        parts: list[str] = []

        def walk(el):
            if id(el) in skip:
                return
            if isinstance(el.tag, str) and el.text:
                parts.append(el.text)
            for c in el:
                walk(c)
                if c.tail:
                    parts.append(c.tail)

        walk(block)
        inside = " ".join(" ".join(parts).split())
        prev = _previous_sibling(block)
        if prev is None:
            return inside, "", None
        t = _text(prev)
        if 1 <= _n_words(t) <= 8 and not any(_n_words(_text(x)) >= self.min_words for x in prev.iter("a")):
            return inside, t, prev
        return inside, "", None


def _previous_sibling(el):
    """The element right before ``el`` with only blank text and empty elements between, else None."""
    prev = el.getprevious()
    while prev is not None:
        if (prev.tail or "").strip():
            return None
        if isinstance(prev.tag, str) and (_text(prev) or prev.tag in ("img", "picture", "figure")):
            return prev
        prev = prev.getprevious()
    return None


def _between(items, group) -> set:
    """Elements from the cards (included) up to their blocks (excluded)."""
    tops = {id(b) for b in group}
    out, seen = [], set()
    for it in items:
        el = it["card"]
        while el is not None and id(el) not in tops and id(el) not in seen:
            seen.add(id(el))
            out.append(el)
            el = el.getparent()
    return out


def _is_button(a) -> bool:
    return (a.get("role") or "").lower() == "button" or bool({"button", "btn"}.intersection(_class_tokens(a)))


def _site(url: str) -> str:
    """The registrable part of a URL's host, roughly: ``www.bbc.co.uk`` → ``bbc.co.uk``."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    parts = host.split(".")
    n = 3 if len(parts) >= 3 and len(parts[-1]) == 2 and len(parts[-2]) <= 3 else 2
    return ".".join(parts[-n:])


def _norm_href(href: str, base: str) -> str:
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return ""
    if base:
        try:
            href = urljoin(base, href)
        except ValueError:
            return ""
    return href.split("#", 1)[0].rstrip("/")
