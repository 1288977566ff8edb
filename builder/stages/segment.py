"""Split a scraped text into article body, boilerplate and headline teasers (``segment.rules.v6``).

Every line of the normalised text gets exactly one label:

* ``body``: kept, joined by ``"\\n"`` into the ``text`` column;
* a teaser part (``teaser_headline``, ``teaser_blurb``, ``teaser_section``,
  ``teaser_meta``, ``related_marker``): turned into rows of the ``teasers``
  column;
* a removal reason (``blank``, ``separator``, ``boilerplate``, ``caption``,
  ``byline``, ``dateline``, ``comments``, ``summary`` (a "Key Points" box),
  ``pull_quote`` (a sentence of the body set again on a line of its own),
  ``title``, ``outside_body``): recorded with its character offsets in
  ``removed``.

Teaser lines are recorded in ``removed`` too (with their teaser reason), so
``body lines + removed lines`` is every line of the input, which the audit and
the tests check.

How it works (general evidence only, no site's phrases; the vocabulary is in
:mod:`builder.stages.segment_patterns`):

1. **Language.** The document's stop-word list is the one (spaCy's lists, of
   ``language`` and ``detect_languages``) that covers most of its words, so a
   German or Indonesian page has prose too. In a highly inflected language
   (Latvian, Finnish), whose list covers less running text, prose needs a
   lower share of stop words: at most 0.4 of the upper quartile of the
   document's lines of six words or more. Chinese and Japanese are cut into
   characters (two to a word in the counts), Thai, Lao, Khmer and Myanmar
   into four-character pieces; a document that no list covers (under 4% of
   its words) tells prose by length and sentence punctuation alone, and the
   full stops of those scripts (``。``, ``।``, ``؟``, ...) end sentences.
2. **Line features.** Word count, final punctuation, stop-word density,
   bullets and numbering, title case; generic boilerplate phrases (follow us,
   subscribe to our newsletter, cookies, copyright, UI words, breadcrumbs;
   share, print and "read more" buttons and cookie notices also in German,
   French, Spanish, Italian, Portuguese and Dutch);
   photo captions and credits (a short credit line makes the line above it a
   caption); bylines; date/time-only lines; comment-section headers and
   end-of-article sections (sources, tag lists, about the author, in those
   languages too); table rows;
   "Read more / Related / Also read / More from ..." markers in many
   spellings and languages; blurbs truncated with an ellipsis; lines of raw
   HTML left in a dump.
3. **Teasers first.** A marker followed by a list of items: a headline with
   an optional blurb, section label (before or after it), date and byline
   lines; the list ends where the items stop fitting (a second paragraph: the
   article resumes after a box). Inline ``READ MORE: <headline>`` lines.
   Headline + truncated-blurb blocks and headline + date blocks that repeat.
   "Key Points" / "Highlights" boxes (the header, then its bullets or the one
   sentence under it) are summaries, not the body.
4. **Body search.** The contiguous run of lines with the highest sum of a
   per-line score (prose counts its words, menus, boilerplate and teasers
   cost, short lines among content cost little, a list after "...:" is
   content), the maximum subarray approach of Finn et al., "Fact or fiction:
   content classification for digital libraries" (2001, the "BTE"
   extractor), applied to lines. Comment headers and end sections are walls
   the run does not cross. A run after the first end section below some
   prose (a post's tags, its sources) loses to an article of three
   paragraphs or more before it, however long the sidebar after it; so does
   a run after the first comment header below some prose that reads like a
   thread (signature lines between its paragraphs). A "54 comments" link by
   the byline, above the article, is not that header. Runs of prose next to
   it, separated only by a related box, captions or a few short lines, join
   it (an article interrupted by a box or a gallery). Its first line is a
   paragraph; a short closing sentence after its last paragraph belongs to
   it.
5. **Labels.** Inside the body, captions, bylines, datelines and boilerplate
   are removed. Before it, the headline right above the byline is the title
   (also when a "Trending" list above it took it for an item). After it,
   headline + blurb blocks and labelled headline lists that no marker
   announced are teasers; teasers found inside a comment section are
   comments.

HTML documents (``format == "html"``, ``trust_extracted``) arrive as the
extract stage's article text: their lines are kept and only lines with a
removal reason or a teaser label are taken out. Teasers the extract stage
found in the page (a ``page_teasers`` column, when the table has one) come
first, then those found in the text, merged by normalised headline.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

import pyarrow as pa

from builder.errors import BuilderError
from builder.stages.base import Stage, set_column
from builder.stages.segment_patterns import (
    AMPM_RE,
    AUTHOR_TAIL_RE,
    BOILERPLATE_RULES,
    BULLET_RE,
    BYLINE_PART_RE,
    BYLINE_RE,
    CAPTION_CASE_SENSITIVE,
    CAPTION_LABEL_RE,
    CAPTION_RULES,
    COMMENTS_RE,
    COUNT_TAIL_RE,
    CREDIT_START_RE,
    DATED_RE,
    DATE_ANCHOR_RE,
    DATE_CORE_RE,
    DATE_NAMES,
    DASH_TAIL_RE,
    DATE_WORDS,
    DEFAULT_DETECT_LANGUAGES,
    DIGIT_RE,
    DOTS_RE,
    ELLIPSIS_RE,
    END_RE,
    FULL_STOP_RE,
    INLINE_RELATED_RE,
    LABELLED_RE,
    LEAD_TIME_RE,
    MARKER_RE,
    POSTED_IN_RE,
    MEDIA_PREFIX_RE,
    NAV_LINES,
    Rules,
    SENTENCE_SPLIT_RE,
    SENT_END_RE,
    SEPARATOR_RE,
    STRONG_BOILERPLATE_RULES,
    SUMMARY_HEADER_RE,
    TABLE_ROW_RE,
    TAG_RE,
    TAGS_RE,
    TRUNCATED_RE,
    ends_sentence,
    stop_words,
    union,
)
from builder.stages.words import (ASCII_NON_WORD_TO_SPACE, CJK_CHARS, CJK_RE, SEA_CHARS, UNSPACED_RE, WORD_RE,
                                  has_unspaced)

TEASER_TYPE = pa.struct(
    [
        ("headline", pa.string()),
        ("blurb", pa.string()),
        ("section", pa.string()),
        ("position", pa.int32()),
        ("kind", pa.string()),
    ]
)
REMOVED_TYPE = pa.struct(
    [
        ("line", pa.int32()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("reason", pa.string()),
        ("text", pa.string()),
    ]
)

#: Scripts written without spaces between words (``builder.stages.words``): a Han or kana character is a word (as
#: BERT's tokenizer splits them), Thai, Lao, Myanmar and Khmer are cut into four-character pieces.
_UNSPACED_SPLIT_RE = re.compile(f"[{CJK_CHARS}]|[{SEA_CHARS}]{{1,4}}|[^{CJK_CHARS}{SEA_CHARS}]+")
#: A document whose best stop-word list covers less than this share of its words has no list.
_MIN_STOP_COVER = 0.04
#: Words of a line that count for the document's language: a few giant lines (a pasted word list, "lorem ipsum"
#: for pages on end) must not outvote the article's paragraphs.
_LANG_WORDS_PER_LINE = 200
#: Prose needs at least this share of the upper-quartile stop-word ratio of the document's lines of
#: ``min_prose_words`` or more (when that is lower than ``min_stopword_ratio``), and never less than _MIN_PROSE_RATIO.
_PROSE_SHARE = 0.4
_MIN_PROSE_RATIO = 0.02
#: A document without a stop-word list whose long lines carry at least this share of their words in lines that
#: end a sentence asks a sentence end of its prose (Burmese "။", Amharic "።"); Thai, which ends sentences with a
#: space, does not.
_PUNCTUATED_SHARE = 0.6

#: Comment headers are short lines ("35 Comments »", "Leave a Reply"), the longest "10 thoughts on “<the title>”".
_HEADER_WORDS = 40

#: A run of prose before the first comment header wins over a longer run after it that reads like a comment thread
#: when it has at least this many paragraphs and words.
_ARTICLE_PARAGRAPHS = 3
_ARTICLE_WORDS = 100

#: Lines of at most this many words keep what their text decides (words, kind) from one document to the next, for at
#: most _CACHE_LINES lines: menus, bylines, teasers and boilerplate come back on every page of a site.
_CACHE_WORDS = 12
_CACHE_LINES = 8192


@dataclass(eq=False, slots=True)
class _Line:
    index: int
    start: int
    end: int
    text: str
    t: str = ""  # stripped
    core: str = ""  # without bullet / numbering
    words: list = field(default_factory=list)
    low: list = field(default_factory=list)  # the words in lower case
    n_words: int = 0
    bullet: str = ""
    stop_ratio: float = 0.0
    ends_sentence: bool = False
    title_case: bool = False
    kind: str = ""  # blank separator marker inline_related comments boilerplate caption byline dateline truncated prose short
    label: str = ""  # final label: body or a removal/teaser reason
    inline: str = ""  # the headline of an inline "Read more: ..." line
    section: str = ""  # a teaser headline's section label found by the list parser
    group: int = -1  # the marker line of the list a teaser headline belongs to
    dated: bool = False  # a teaser part found as a headline + date block (comment lists look the same)


@dataclass
class BoilerplateSegmenter(Stage):
    """Label every line as body, boilerplate or teaser, and build the teasers.

    Args:
        language: the default language (spaCy code) whose stop words measure prose.
        detect_languages: other languages whose stop-word lists are tried on each
            document; the list that covers most of its words is used (empty:
            always ``language``).
        min_prose_words: a line needs at least this many words to count as prose.
        min_stopword_ratio: ... and at least this share of stop words.
        min_headline_words: teaser headlines have at least this many words
            (shorter lines in a list are menu items or labels).
        max_headline_words: and at most this many.
        extra_boilerplate: regular expressions (case-insensitive, searched in
            each line of at most 40 words) of a house style's boilerplate
            lines, added to the generic ones.
        extra_markers: regular expressions (case-insensitive, matched at the
            start of a line) of a house style's "read more" markers that start
            a list of teaser headlines, added to the generic ones.
        short_line_cost: score of a menu-like short line in the body search (subtracted).
        boilerplate_cost: score of a boilerplate line in the body search (subtracted).
        min_region_words: a separate run of prose joins the body only with at
            least this many words of prose.
        link_run: this many headline-like lines in a row (five words or more,
            no final full stop) are a list of links and cost in the body search.
        trust_extracted: for HTML documents (``format == "html"``) the text is
            the extract stage's article: keep its lines and only remove those
            with a reason (boilerplate, captions, bylines, teasers, what follows
            a comment header) instead of searching for the body again.
    """

    name: ClassVar[str] = "segment"
    version: ClassVar[str] = "segment.rules.v6"
    requires: ClassVar[tuple[str, ...]] = ("norm", "title")
    assigns: ClassVar[tuple[str, ...]] = ("text", "title", "teasers", "removed")

    language: str = "en"
    detect_languages: list[str] = field(default_factory=lambda: list(DEFAULT_DETECT_LANGUAGES))
    min_prose_words: int = 6
    min_stopword_ratio: float = 0.15
    min_headline_words: int = 3
    max_headline_words: int = 30
    extra_boilerplate: list[str] = field(default_factory=list)
    extra_markers: list[str] = field(default_factory=list)
    short_line_cost: float = 4.0
    boilerplate_cost: float = 12.0
    min_region_words: int = 40
    link_run: int = 3
    trust_extracted: bool = True

    def __post_init__(self):
        self._stops: dict[str, frozenset[str]] = {}
        for code in [self.language, *[c for c in self.detect_languages if c != self.language]]:
            try:
                self._stops[code] = stop_words(code)
            except Exception as e:  # unknown language code
                raise BuilderError(f"segment: {code!r} is not a spaCy language code with stop words: {e}") from e
        try:
            for p in (*self.extra_boilerplate, *self.extra_markers):
                re.compile(p)
            self._boiler = Rules(BOILERPLATE_RULES, extra=self.extra_boilerplate)
            self._extra_markers = union(self.extra_markers) if self.extra_markers else None
        except re.error as e:
            raise BuilderError(f"invalid regular expression in segment.extra_boilerplate/extra_markers: {e}") from e
        self._strong = Rules(STRONG_BOILERPLATE_RULES)
        self._captions = Rules((*CAPTION_RULES, *CAPTION_CASE_SENSITIVE))
        self._line_cache: dict[str, tuple] = {}  # see _CACHE_WORDS
        self._trigger_words = self._boiler.keys | self._strong.keys | self._captions.keys
        # stop words of every language: word → number of its set of languages (indices in self._codes), in self._langs
        self._codes = list(self._stops)
        lang_of: dict[str, tuple[int, ...]] = {}
        for i, code in enumerate(self._codes):
            for w in self._stops[code]:
                lang_of[w] = (*lang_of.get(w, ()), i)
        self._langs: list[tuple[int, ...]] = list(dict.fromkeys(lang_of.values()))
        number = {langs: k for k, langs in enumerate(self._langs)}
        self._langs_of: dict[str, int] = {w: number[langs] for w, langs in lang_of.items()}

    def __getstate__(self):  # the line cache stays in its process
        return {**self.__dict__, "_line_cache": {}}

    # ------------------------------------------------------------------ API
    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        page = table.column("page_teasers").to_pylist() if "page_teasers" in table.column_names else None
        fmt = table.column("format").to_pylist() if "format" in table.column_names else [None] * table.num_rows
        texts, titles, teasers, removed = [], [], [], []
        for i, (norm, title) in enumerate(zip(table.column("norm").to_pylist(), table.column("title").to_pylist())):
            r = self.segment(norm or "", title, page_teasers=page[i] if page is not None else None,
                             extracted=self.trust_extracted and fmt[i] == "html")
            texts.append(r["text"])
            titles.append(r["title"])
            teasers.append(r["teasers"])
            removed.append(r["removed"])
        table = set_column(table, "text", texts, pa.string())
        table = set_column(table, "title", titles, pa.string())
        table = set_column(table, "teasers", teasers, pa.list_(TEASER_TYPE))
        table = set_column(table, "removed", removed, pa.list_(REMOVED_TYPE))
        return table

    def segment(self, text: str, title: str | None = None, page_teasers: list[dict] | None = None,
                extracted: bool = False) -> dict:
        """Segment one document. Returns text, title, teasers and removed lines.

        Args:
            text: the normalised document, one paragraph (or block) per line.
            title: the document's title when the source or the extract stage knows it.
            page_teasers: teasers the extract stage found in the page (headline,
                blurb, section, kind); they come first in the result.
            extracted: the text is an extractor's article text (already cut out of
                its page): keep its lines, remove only those with a reason.
        """
        lines = self._features(text)
        self._find_teasers(lines)
        _mark_summaries(lines)
        regions = self._extracted_region(lines) if extracted else self._body_regions(lines)
        in_body = set()
        for s, e in regions:
            in_body.update(range(s, e + 1))
        for ln in lines:
            if ln.label:
                continue
            if ln.kind in ("blank", "separator", "boilerplate", "caption", "byline", "dateline", "comments"):
                ln.label = ln.kind
            elif ln.kind == "end":
                ln.label = "boilerplate"
            elif ln.index in in_body:
                ln.label = "body"
            else:
                ln.label = "outside_body"
        _mark_pull_quotes(lines)
        first = min((s for s, _ in regions), default=-1)
        last = max((e for _, e in regions), default=-2)
        self._comment_zone(lines, last)
        if first >= 0:
            self._release_title(lines, first)
        self._tail_teasers(lines, last)
        if title is None:
            title = self._title(lines, first)
        body = [ln.text for ln in lines if ln.label == "body"]
        teasers = merge_teasers(page_teasers or [], self._collect_teasers(lines))
        removed = [
            {"line": ln.index, "start": ln.start, "end": ln.end, "reason": ln.label, "text": ln.text}
            for ln in lines
            if ln.label != "body"
        ]
        return {"text": "\n".join(body), "title": title, "teasers": teasers, "removed": removed}

    # ------------------------------------------------------------- features
    def _features(self, text: str) -> list[_Line]:
        unspaced = has_unspaced(text)  # one test per document; lines are tested only when it holds
        out, pos = [], 0
        tokens: list[str] = []  # every line's lower-case words, for the language
        cache = self._line_cache
        for i, raw in enumerate(text.split("\n")):
            t = raw.strip()
            end = pos + len(raw)
            f = cache.get(t)
            if f is not None:  # a short line seen before: what its text decides is known
                t, core, words, low, n_words, bullet, ends, kind = f
                ln = _Line(i, pos, end, raw, t, core, words, low, n_words, bullet, ends_sentence=ends, kind=kind)
            else:
                ln = self._text_features(_Line(i, pos, end, raw, t), unspaced)
                if ln.n_words <= _CACHE_WORDS:
                    if len(cache) >= _CACHE_LINES:
                        cache.clear()
                    cache[t] = (t, ln.core, ln.words, ln.low, ln.n_words, ln.bullet, ln.ends_sentence, ln.kind)
            tokens += ln.low[:_LANG_WORDS_PER_LINE]
            out.append(ln)
            pos = end + 1
        stop = self._stop_set(tokens)
        min_ratio = self._stop_ratios(out, stop)
        punctuated = stop is None and self._punctuated(out)
        for ln in out:
            self._classify(ln, stop, min_ratio, punctuated)
        # a short credit line ("(Image: ...)", "Jane Doe | Getty Images") makes the line above it a caption
        prev = None
        for ln in out:
            if ln.kind == "blank":
                continue
            if (ln.kind == "caption" and (ln.n_words <= 6 or ln.n_words <= 12 and CREDIT_START_RE.match(ln.t))
                    and not CAPTION_LABEL_RE.match(ln.t) and prev is not None and prev.kind in ("prose", "short")
                    and prev.n_words <= 60 and len(SENTENCE_SPLIT_RE.findall(prev.t)) <= 1):
                prev.kind = "caption"
            prev = ln
        return out

    def _text_features(self, ln: _Line, unspaced: bool = False) -> _Line:
        """Set what the stripped text ``ln.t`` alone decides: bullet, core, words, sentence end and the kind
        (left empty for the kinds the stop words decide: prose, table, short). ``unspaced``: the document has
        characters of a script without spaces, so the line's words may need cutting."""
        t = ln.t
        m = BULLET_RE.match(t)
        if m and m.end() < len(t):
            ln.bullet, ln.core = m.group(0).strip(), t[m.end():].strip()
        else:
            ln.core = t
        if t.isascii():
            spaced = t.encode().translate(ASCII_NON_WORD_TO_SPACE).decode()
            ln.words, ln.low = spaced.split(), spaced.lower().split()
        else:
            ln.words = WORD_RE.findall(t)
            ln.low = list(map(str.lower, ln.words))
        ln.n_words = len(ln.words)
        if unspaced and UNSPACED_RE.search(t):
            self._split_unspaced(ln)
        ln.ends_sentence = ends_sentence(t)  # SENT_END_RE.search(t), with string methods
        ln.kind = self._text_kind(ln)
        return ln

    @staticmethod
    def _split_unspaced(ln: _Line) -> None:
        """Words of a line in a script without spaces: a Han or kana character is a word of its own (so one-character
        stop words count), and two of them count as one word in ``n_words`` (Chinese words average under two
        characters), so a headline of 14 characters is as long as one of 7 English words."""
        words = [p for w in ln.words for p in (_UNSPACED_SPLIT_RE.findall(w) if UNSPACED_RE.search(w) else (w,))]
        n_cjk = sum(1 for w in words if len(w) == 1 and CJK_RE.match(w))
        ln.words, ln.low = words, list(map(str.lower, words))
        ln.n_words = len(words) - n_cjk + (n_cjk + 1) // 2

    def _stop_set(self, tokens: list[str]) -> frozenset[str] | None:
        """The stop words of the language whose list covers most of the document's words (``tokens``, lower case);
        None when no list covers even ``_MIN_STOP_COVER`` of them (a language without a list: prose is then told
        by length and punctuation alone)."""
        cover = [0] * len(self._codes)
        langs = self._langs
        # words are counted by the set of languages that list them (few sets, all counting done in C)
        for k, c in Counter(map(self._langs_of.get, tokens)).items():
            if k is not None:
                for i in langs[k]:
                    cover[i] += c
        best = max(range(len(cover)), key=lambda i: (cover[i], -i))  # the default language (index 0) wins ties
        if tokens and cover[best] < _MIN_STOP_COVER * len(tokens):
            return None
        return self._stops[self._codes[best]]

    def _stop_ratios(self, lines: list[_Line], stop: frozenset[str] | None) -> float:
        """Set each line's stop-word ratio; return the ratio a line of prose needs in this document.

        That is ``min_stopword_ratio``, or less in a language whose list covers less of its running text (a highly
        inflected one, Latvian or Finnish, writes few function words): at most ``_PROSE_SHARE`` of the upper-quartile
        ratio of the document's lines of ``min_prose_words`` or more, the upper quarter being its prose (menus and
        link lists have fewer). Without a list (``stop`` None) every line has the ratio it needs."""
        if stop is None:
            for ln in lines:
                ln.stop_ratio = self.min_stopword_ratio
            return self.min_stopword_ratio
        contains = stop.__contains__
        long_ratios = []
        for ln in lines:
            if ln.low:
                ln.stop_ratio = r = sum(map(contains, ln.low)) / len(ln.low)
                if not ln.kind and ln.n_words >= self.min_prose_words:
                    long_ratios.append(r)
        if len(long_ratios) < 3:
            return self.min_stopword_ratio
        long_ratios.sort()
        upper = long_ratios[len(long_ratios) * 3 // 4]
        return max(min(self.min_stopword_ratio, _PROSE_SHARE * upper), _MIN_PROSE_RATIO)

    def _punctuated(self, lines: list[_Line]) -> bool:
        """Whether the document's long lines end their sentences: at least ``_PUNCTUATED_SHARE`` of the words in
        lines of ``3 * min_prose_words`` or more (those that could be prose without a sentence end) are in lines
        that end with one. Where no stop-word list speaks for a line, such a document's long lines without a
        sentence end (headlines, link lists) are not prose."""
        total = ended = 0
        for ln in lines:
            if not ln.kind and ln.n_words >= 3 * self.min_prose_words:
                total += ln.n_words
                if ln.ends_sentence:
                    ended += ln.n_words
        return total > 0 and ended >= _PUNCTUATED_SHARE * total

    def _classify(self, ln: _Line, stop: frozenset[str] | None, min_ratio: float, punctuated: bool = False) -> None:
        """Set the kinds the stop words decide (prose needs ``min_ratio``; in a ``punctuated`` document without
        a stop-word list, a sentence end too) and (for lines that are not prose) title case."""
        n = ln.n_words
        if stop is None:
            stop = frozenset()
        if not ln.kind:
            if n >= self.min_prose_words and ln.stop_ratio >= min_ratio and (
                    ln.ends_sentence or n >= 3 * self.min_prose_words and not punctuated):
                ln.kind = "prose"
            elif TABLE_ROW_RE.match(ln.t) or (n >= 5 and max(4, 0.4 * n) <= sum(map(str.isdigit, ln.words)) < n):
                ln.kind = "table"  # "| 1 | Jane Doe | 5040 |" or "1 Jane Doe 5040 5 1 17 27"
            else:
                ln.kind = "short"
        if n and ln.kind != "prose":  # title case is only read on short lines (never on prose): skip the long lines
            pairs = zip(ln.words, ln.low) if ln.core is ln.t else ((w, w.lower()) for w in WORD_RE.findall(ln.core))
            caps = [w for w, lw in pairs if len(w) > 3 and lw not in stop and not w.isdigit()]
            ln.title_case = len(caps) >= 2 and sum(w[0].isupper() for w in caps) >= 0.8 * len(caps)

    def _text_kind(self, ln: _Line) -> str:
        """The line's kind as its text decides it, or "" (prose, table or short: :meth:`_classify` decides)."""
        t, n = ln.t, ln.n_words
        if not t:
            return "blank"
        if not t[0].isalnum() and SEPARATOR_RE.match(t):  # (a line that starts with a letter or digit is none)
            return "separator"
        if t[0] == "<" and _markup_only(t):
            return "boilerplate"
        if n <= 12 and (MARKER_RE.match(t) or self._extra_markers is not None and self._extra_markers.match(t)):
            return "marker"
        if n <= self.max_headline_words + 4 and _INLINE_CHARS.search(t) and _inline_headline(t):
            return "inline_related"
        if n <= _HEADER_WORDS and COMMENTS_RE.match(t):
            return "comments"
        if n <= 8 and END_RE.match(t) or (n <= 40 and ":" in t and TAGS_RE.match(t)
                                          and (n <= 8 or not ln.ends_sentence)):
            return "end"
        if n <= 4 and " ".join(ln.low) in NAV_LINES:
            return "boilerplate"
        hits = self._trigger_words.intersection(ln.low)  # the rules' trigger words in the line (mostly none)
        if (n <= 40 and self._boiler.search(t, hits)) or self._strong.search(t, hits):
            return "boilerplate"
        if n <= 60 and self._captions.search(t, hits):
            return "caption"
        if self._is_date_line(ln):
            return "dateline"
        if (n <= 20 and BYLINE_RE.match(t) or n <= 12 and BYLINE_PART_RE.search(t)) \
                and not FULL_STOP_RE.search(AMPM_RE.sub("", t)):
            return "byline"
        if self._is_truncated(t):
            return "truncated"
        return ""

    @staticmethod
    def _is_date_line(ln: _Line) -> bool:
        """A line that holds only a date or a time ("Nov 18, 2019 at 9:24 pm ET", "2 hours ago", "5 min read"),
        possibly with a short label after a separator ("Sport | 4h ago"), or a post's "Posted in <section>"."""
        if ln.n_words == 0 or ln.n_words > 20:
            return False
        if ln.n_words <= 8 and POSTED_IN_RE.match(ln.t):
            return True
        if not DIGIT_RE.search(ln.t) and DATE_NAMES.isdisjoint(ln.low):
            return False  # a quick test before the regular expression
        if not DATE_ANCHOR_RE.search(ln.t):
            return False
        if DATED_RE.match(ln.t):
            return True
        if ln.n_words > 14:
            return False
        parts = [p for p in _DATE_PARTS_RE.split(ln.t) if WORD_RE.search(p)]
        dated = [p for p in parts if DATE_ANCHOR_RE.search(p) and _only_date_words(WORD_RE.findall(p))]
        return bool(dated) and all(p in dated or len(WORD_RE.findall(p)) <= 3 for p in parts)

    def _is_truncated(self, t: str) -> bool:
        """A blurb cut off with an ellipsis, possibly followed by a section label."""
        if "…" not in t and not DOTS_RE.search(t):  # a quick test: most lines have no ellipsis
            return False
        m = None
        for m in ELLIPSIS_RE.finditer(t):  # noqa: B007 - the last ellipsis
            continue
        if not m or len(WORD_RE.findall(t[: m.start()])) < 4:
            return False
        tail = t[m.end():].strip()
        # ellipsis at the very end, or followed by a short label (≤ 4 words) without sentence punctuation
        return not tail or (len(WORD_RE.findall(tail)) <= 4 and not _SENT_PUNCT_RE.search(tail))

    def _headline_like(self, ln: _Line) -> bool:
        """A line that can be a teaser headline: a few words, not a sentence ending in a full stop."""
        if ln.kind not in ("short", "prose") or not self.min_headline_words <= ln.n_words <= self.max_headline_words:
            return False
        t = ln.core
        if t.endswith((".", ",", ";", ":")) and not t.endswith("..."):
            return False
        m = _HEADLINE_START_RE.match(t)
        # headlines start with a capital, a digit or a quote ("a review after a year" is a list item; "iPhone ..." is fine)
        return bool(m) and not (m.group(1).islower() and not m.group(2).isupper())

    # ---------------------------------------------------- teaser structures
    def _find_teasers(self, lines: list[_Line]) -> None:
        """Mark inline related lines, marker + headline lists, headline + truncated blurb and headline + date blocks."""
        n = len(lines)
        for ln in lines:
            if ln.kind == "inline_related":
                ln.label = "teaser_headline"
                ln.inline = _inline_headline(ln.t)
        i = 0
        while i < n:
            ln = lines[i]
            if ln.kind == "marker" and not ln.label:
                ln.label = "related_marker"
                i = self._marker_list(lines, i + 1)
                continue
            i += 1
        self._block_teasers(lines)

    def _next(self, lines: list[_Line], j: int) -> int:
        n = len(lines)
        while j < n and lines[j].kind == "blank":
            j += 1
        return j

    def _marker_list(self, lines: list[_Line], j: int) -> int:
        """Label the list after a marker; returns the index after it.

        An item is a headline with optional lines attached: one blurb (a
        sentence, or a text cut with an ellipsis), section labels, date and
        byline lines. A section label may also come before its headline (a
        kicker). The list ends at the first line that fits none of these, at
        a second blurb (the body resuming after a box), or at a headline with
        a byline/date after a list of plain headlines (the page's own title
        after a "Trending" strip).
        """
        n = len(lines)
        items = with_blurb = with_meta = 0
        k = self._next(lines, j)
        last_item = None  # the last headline's line
        has_blurb = False  # the last headline has its blurb
        has_meta = False  # the last headline has a date or byline line
        min_words = 99  # words of the shortest headline so far
        with_section = 0  # headlines with a section label after them
        kicker = ""  # a section label waiting for its headline
        kicker_first = False  # the list puts labels before headlines
        n_labels = 0  # section labels after the last headline
        while k < n:
            c = lines[k]
            if c.label:
                break
            nxt = self._next(lines, k + 1)
            if c.kind in ("dateline", "byline") or (c.kind == "short" and c.n_words <= 3 and DIGIT_RE.search(c.t)) or (
                    c.kind == "caption" and c.n_words <= 4):
                if items == 0 and c.kind == "byline":
                    break
                c.label = "teaser_meta"
                with_meta += last_item is not None
                has_meta = last_item is not None
                k = nxt
                continue
            is_label = self._is_section_label(c)
            next_is_headline = is_label and nxt < n and not lines[nxt].label and self._headline_like(lines[nxt])
            # (a bulleted label is a kicker only over an unbulleted headline in a list that opens so: "* Gear", then
            # the headline)
            if is_label and (not c.bullet or next_is_headline and not lines[nxt].bullet
                             and (last_item is None or kicker_first)):
                # a label: the kicker of the next headline (lists that put labels first, or after a blurb),
                # else the section of the last headline (one label per headline)
                if last_item is None or kicker_first or has_blurb:
                    if (kicker_first and last_item is not None and not has_meta and not has_blurb and not c.bullet
                            and all(w[:1].isupper() for w in c.words) and not next_is_headline
                            and (with_meta >= 2 or nxt >= n or lines[nxt].label or self._is_section_label(lines[nxt])
                                 or lines[nxt].kind in ("separator", "marker", "caption", "boilerplate"))):
                        # the author of a kicker-first item: kicker, headline, "Jane Doe", then the next kicker (or,
                        # when the items before had theirs, anything but a headline: a label over one is its kicker)
                        c.label = "teaser_meta"
                        has_meta = True
                        with_meta += 1
                        k = nxt
                        continue
                    if not next_is_headline or kicker:
                        break
                    kicker_first = kicker_first or last_item is None
                    kicker = c.core
                elif not last_item.section and not n_labels and (
                        with_section or not (nxt < n and lines[nxt].kind == "prose" and not lines[nxt].label)):
                    # (a first label followed by a paragraph is a subheading of the article after the box)
                    last_item.section = c.t
                    with_section += 1
                else:
                    break
                n_labels += 1
                c.label = "teaser_section"
                k = nxt
                continue
            blurb_like = (c.kind in ("prose", "truncated") or (c.kind == "short" and c.n_words >= 5 and FULL_STOP_RE.search(c.t)))
            if blurb_like and (self._headline_like(c) or LABELLED_RE.match(c.t)):
                blurb_like = False
            # bulleted headlines, unbulleted blurbs (while the list has blurbs)
            if (last_item is not None and last_item.bullet and not c.bullet and c.kind in ("short", "prose")
                    and 4 <= c.n_words <= 40 and (with_blurb or items == 1)):
                blurb_like = True
            if last_item is not None and blurb_like:
                # one blurb per headline, and only while the list is not plain headlines: else the body resumes
                if has_blurb:
                    break
                if c.kind == "truncated" or (c.n_words <= 45 and (with_blurb or items == 1 or has_meta)):
                    has_blurb = True
                    c.label = "teaser_blurb"
                    with_blurb += 1
                    k = nxt
                    continue
                break
            if c.kind == "truncated" and items == 0:
                break
            if self._headline_like(c):
                # the body resuming after a short list: a long sentence-like line after plain headlines
                if c.kind == "prose" and items >= 2 and not with_blurb and c.n_words > 20 and FULL_STOP_RE.search(c.t):
                    break
                # a subheading of the article after a box of longer headlines
                if items >= 2 and c.n_words <= 3 and min_words >= 5:
                    break
                # the page's title (then its byline or date) after a list of plain headlines
                if items >= 2 and not with_blurb and not with_meta and nxt < n and lines[nxt].kind in ("byline", "dateline"):
                    break
                c.label = "teaser_headline"
                c.group = j - 1
                c.section = kicker
                min_words = min(min_words, c.n_words)
                kicker = ""
                n_labels = 0
                items += 1
                last_item, has_blurb, has_meta = c, False, False
                k = nxt
                continue
            break
        if kicker:  # a label with no headline after it
            for b in lines[j:k]:
                if b.label == "teaser_section" and b.core == kicker:
                    b.label = ""
        return k

    def _is_section_label(self, ln: _Line) -> bool:
        """A short label line: one to three words, no sentence punctuation (a section or a name)."""
        return ln.kind == "short" and 1 <= ln.n_words < self.min_headline_words and not ln.ends_sentence

    def _block_teasers(self, lines: list[_Line]) -> None:
        """Headline + truncated blurb pairs; repeated headline + date blocks."""
        n = len(lines)
        pairs = []
        for i, ln in enumerate(lines):
            if ln.kind != "truncated" or ln.label:
                continue
            h = i - 1
            while h >= 0 and lines[h].kind in ("blank", "dateline"):
                h -= 1
            if h >= 0 and not lines[h].label and self._headline_like(lines[h]):
                pairs.append((lines[h], ln))
        # one pair is enough after the body (checked later); pairs that repeat are teasers anywhere
        for run in _runs(pairs, lines, gap_kinds=("blank", "separator", "dateline", "short")):
            if len(run) >= 2:
                for h, bl in run:
                    h.label, bl.label = "teaser_headline", "teaser_blurb"
        # headline followed by a date line (and maybe a blurb), at least twice in a row
        cands, used = [], -1
        for i, ln in enumerate(lines):
            if i <= used or ln.label or not self._headline_like(ln) or ln.kind == "prose" and FULL_STOP_RE.search(ln.t):
                continue
            j = self._next(lines, i + 1)
            if j < n and lines[j].kind in ("byline", "short") and lines[j].n_words <= 4 and not lines[j].label:
                j2 = self._next(lines, j + 1)
                if j2 < n and lines[j2].kind == "dateline" and not lines[j2].label:
                    cands.append((ln, [lines[j], lines[j2]]))
                    used = j2
                    continue
            if j < n and lines[j].kind == "dateline" and not lines[j].label:
                cands.append((ln, [lines[j]]))
                used = j
        for run in _runs(cands, lines, gap_kinds=("blank", "separator", "short", "prose", "truncated", "dateline")):
            if len(run) < 2:
                continue
            for h, metas in run:
                h.label, h.dated = "teaser_headline", True
                for m in metas:
                    m.label, m.dated = "teaser_meta", True
                j = self._next(lines, metas[-1].index + 1)
                if j < n and not lines[j].label and lines[j].kind in ("prose", "truncated") and not self._headline_like(lines[j]):
                    lines[j].label, lines[j].dated = "teaser_blurb", True

    # ---------------------------------------------------------- body search
    def _score(self, ln: _Line) -> float:
        if ln.label.startswith("teaser") or ln.label == "related_marker":
            return -2.0
        if ln.label == "summary":
            return -3.0
        k = ln.kind
        if k == "blank":
            return 0.0
        if k == "prose":
            return float(ln.n_words)
        if k == "boilerplate":
            return -self.boilerplate_cost
        if k in ("caption", "byline", "dateline"):
            return -3.0
        if k == "separator":
            return -1.0
        if k == "truncated":
            return -float(ln.n_words)
        if k == "table":
            return 0.0
        # short lines: content-like ones (a sentence, a list item in sentence case) cost nothing,
        # menu-like ones (bulleted, one or two words, title case) cost most
        if ln.n_words <= 2 or (ln.bullet and (ln.title_case or ln.n_words <= 3)):
            return -self.short_line_cost
        if ln.n_words >= 4 and not ln.title_case:
            return 0.0
        if ln.title_case and ln.n_words <= 5:
            return -3.0
        return -2.0

    def _scores(self, lines: list[_Line]) -> list[float]:
        """Line scores; a short unbulleted line among content (a subheading, a label in a recipe) costs little."""
        scores = [self._score(ln) for ln in lines]
        content = [i for i, ln in enumerate(lines) if ln.kind not in ("blank", "separator")]
        # a run of three or more headline-like lines is a list of links, whatever their case
        run: list[int] = []
        in_run: set[int] = set()
        for i in [*content, None]:
            if i is not None and lines[i].kind == "short" and not lines[i].label and self._headline_like(lines[i]) and lines[i].n_words >= 5 \
                    and not lines[i].ends_sentence:
                run.append(i)
                continue
            if len(run) >= self.link_run:
                in_run.update(run)
                for j in run:
                    scores[j] = min(scores[j], -2.0)
            run = []
        # a list introduced by a line ending with a colon is the article's ("The plan includes:"), unless that line is
        # itself a list item (a menu's "* Regions:")
        intro, mark = False, None  # after "...:", and the list's bullet
        for i in content:
            ln = lines[i]
            if ln.label:
                intro = False
            elif intro and ln.bullet and ln.kind in ("short", "prose") and mark in (None, ln.bullet):
                scores[i] = max(scores[i], 0.0)
                in_run.discard(i)
                mark = ln.bullet
                continue
            intro, mark = ln.kind in ("short", "prose") and ln.t.endswith(":") and not ln.label and not ln.bullet, None
        for pos, i in enumerate(content):
            ln = lines[i]
            if ln.kind != "short" or ln.label or ln.bullet or scores[i] >= -1.0 or i in in_run:
                continue
            near = content[max(0, pos - 2): pos] + content[pos + 1: pos + 3]
            good = sum(1 for j in near if not lines[j].label and (lines[j].kind == "prose" or lines[j].kind == "short" and scores[j] >= 0))
            if good >= 2:
                scores[i] = -1.0
        return scores

    @staticmethod
    def _kadane(scores: list[float], lo: int, hi: int) -> tuple[float, int, int]:
        """(sum, start, end) of the maximum-sum run of ``scores[lo:hi]``; start -1 when no run is positive."""
        best, best_s, best_e = 0.0, -1, -2
        cur, cur_s = 0.0, lo
        for i in range(lo, hi):
            sc = scores[i]
            if cur <= 0:
                cur, cur_s = sc, i
            else:
                cur += sc
            if cur > best:
                best, best_s, best_e = cur, cur_s, i
        return best, best_s, best_e

    def _body_regions(self, lines: list[_Line]) -> list[tuple[int, int]]:
        """The body: the best-scoring run (comment headers are walls), plus nearby runs of prose."""
        n = len(lines)
        if not n:
            return []
        scores = self._scores(lines)
        walls = [i for i, ln in enumerate(lines) if ln.kind in ("comments", "end")]
        bounds = [-1, *walls, n]
        best = (0.0, -1, -2)
        # the first comment header and end section below some prose (not a "54 comments" link by the byline)
        first_prose = next((i for i, ln in enumerate(lines) if ln.kind == "prose"), n)
        first_comments = next((w for w in walls if lines[w].kind == "comments" and w > first_prose), n)
        first_end = next((w for w in walls if lines[w].kind == "end" and w > first_prose), n)
        before = (0.0, -1, -2)  # the best run before the first comment header
        before_end = (0.0, -1, -2)  # the best run before the first end section ("Tags:", "Sources")
        for a, b in zip(bounds, bounds[1:]):
            r = self._kadane(scores, a + 1, b)
            if r[0] > best[0]:
                best = r
            if b <= first_comments and r[0] > before[0]:
                before = r
            if b <= first_end and r[0] > before_end[0]:
                before_end = r
        if best[1] > first_end and self._substantial(lines, before_end[1], before_end[2]):
            best = before_end  # an article ends at its tags or sources, however long the sidebar after them
        elif best[1] > first_comments and self._substantial(lines, before[1], before[2]) \
                and self._thread_like(lines, best[1], best[2]):
            best = before  # the article comes before its comments, however long the thread after it
        _, s, e = best
        if s < 0:
            return []
        s, e = self._trim(lines, s, e)
        if s > e:
            return []
        e = self._closing_lines(lines, e)
        regions = [(s, e)]
        # nearby runs of prose after and before the body, past a teaser box, a gallery or a few short lines
        lo_wall = max([w for w in walls if w < s], default=-1)
        hi_wall = min([w for w in walls if w > e], default=n)
        regions += self._extra_regions(lines, scores, e + 1, hi_wall, forward=True)
        regions += self._extra_regions(lines, scores, lo_wall + 1, s, forward=False)
        return sorted(regions)

    @staticmethod
    def _substantial(lines: list[_Line], s: int, e: int) -> bool:
        """Is ``lines[s:e+1]`` an article rather than a standfirst or a teaser above a share bar's "Comments (4)":
        three paragraphs of prose or more, 100 words or more."""
        if s < 0:
            return False
        prose = [ln for ln in lines[s:e + 1] if ln.kind == "prose" and not ln.label]
        return len(prose) >= _ARTICLE_PARAGRAPHS and sum(ln.n_words for ln in prose) >= _ARTICLE_WORDS

    @staticmethod
    def _thread_like(lines: list[_Line], s: int, e: int) -> bool:
        """Does ``lines[s:e+1]`` read like comments: two or more signature lines (a date, "Comment by Jane — 17.07,
        2011 @ 13:04") between its paragraphs?"""
        return sum(1 for ln in lines[s:e + 1] if ln.kind in ("dateline", "byline", "table")) >= 2

    @staticmethod
    def _extracted_region(lines: list[_Line]) -> list[tuple[int, int]]:
        """An extractor's article: every line, up to a comment header or an end section after the first prose."""
        content = [ln.index for ln in lines if ln.kind not in ("blank", "separator")]
        if not content:
            return []
        s, e = content[0], content[-1]
        seen_prose = False
        for ln in lines:
            seen_prose = seen_prose or ln.kind == "prose"
            if seen_prose and ln.kind in ("comments", "end"):
                e = ln.index - 1
                break
        return [(s, e)] if s <= e else []

    def _extra_regions(self, lines, scores, lo: int, hi: int, forward: bool) -> list[tuple[int, int]]:
        """Runs of prose in ``lines[lo:hi]`` that join the body (going away from it), while the gaps are bridgeable."""
        out = []
        while lo < hi:
            _, s, e = self._kadane(scores, lo, hi)
            if s < 0:
                break
            s, e = self._trim(lines, s, e)
            if s > e:
                break
            prose = sum(ln.n_words for ln in lines[s:e + 1] if ln.kind == "prose" and not ln.label)
            gap = lines[lo:s] if forward else lines[e + 1:hi]
            if prose < self.min_region_words or not self._bridgeable(gap, prose):
                break
            out.append((s, e))
            if forward:
                lo = e + 1
            else:
                hi = s
        return out

    def _bridgeable(self, gap: list[_Line], prose: int) -> bool:
        """Can a gap between two runs of prose be inside one article? Only teasers, captions and a few short lines."""
        content = [g for g in gap if g.kind not in ("blank", "separator")]
        teaser = [g for g in content if g.label]
        other = [g for g in content if not g.label]
        if any(g.kind in ("boilerplate", "comments") for g in other):
            return False
        menu = [g for g in other if g.kind == "short" and (g.bullet or g.title_case or g.n_words <= 3)]
        if len(menu) > 3:
            return False
        return len(other) <= 8 and (len(teaser) <= 12) and len(other) + len(teaser) <= max(6, prose // 8)

    def _closing_lines(self, lines: list[_Line], e: int) -> int:
        """A short closing sentence after the last paragraph ("It did not.") ends the body; the search leaves it out
        because it adds nothing to the score."""
        for _ in range(2):
            k = self._next(lines, e + 1)
            if k >= len(lines):
                break
            ln = lines[k]
            if ln.label or ln.kind != "short" or ln.bullet or ln.title_case or ln.n_words > 8 \
                    or not FULL_STOP_RE.search(ln.t) or not ln.t[:1].isupper() or ln.stop_ratio == 0:
                break
            e = k
        return e

    def _trim(self, lines: list[_Line], s: int, e: int) -> tuple[int, int]:
        """Drop what cannot start or end a body: headline, kicker and meta lines before the first paragraph."""
        while s <= e and (lines[s].label or lines[s].kind != "prose" or not (
                FULL_STOP_RE.search(lines[s].t) or lines[s].n_words >= 40
                or lines[s].n_words >= 20 and SENTENCE_SPLIT_RE.search(lines[s].t))):  # "... Zeiger! Durch ...:"
            s += 1
        while e >= s and (lines[e].label or lines[e].kind not in ("prose", "short", "table") or self._score(lines[e]) < -2.0):
            e -= 1
        return s, e

    # ------------------------------------------------------- after the body
    @staticmethod
    def _comment_zone(lines: list[_Line], body_end: int) -> None:
        """Comments after the body are not teasers: names and dates in a comment list look like headline + date blocks.

        Only teasers found as headline + date blocks are taken back: a "Comments (4)" link in a share bar
        looks like a comment header too, and marker lists or ellipsis blocks after it are teasers.
        """
        start = next((ln.index for ln in lines if ln.index > body_end and ln.kind == "comments"), None)
        if start is None:
            return
        for ln in lines[start + 1:]:
            if ln.label == "related_marker":
                break
            if ln.label.startswith("teaser") and ln.dated:
                ln.label = "comments"

    def _tail_teasers(self, lines: list[_Line], body_end: int) -> None:
        """Teasers after the body that no marker announced.

        * headline + blurb pairs (a headline-like line, then a sentence or a
          text cut with an ellipsis) that repeat, or one pair with a cut blurb:
          a closing line or a footer after the article is not taken for one;
        * a run of three or more headline-like lines of four words or more,
          with a short label line above it ("Catch up", "Before you go").
        """
        tail = [ln for ln in lines if ln.index > body_end and ln.kind not in ("blank", "separator")]
        pairs = []
        for a, b in zip(tail, tail[1:]):
            if a.label != "outside_body" or b.label != "outside_body":
                continue
            if self._headline_like(a) and b.kind in ("prose", "truncated") and not self._headline_like(b):
                pairs.append((a, b))
        if len(pairs) >= 2 or (len(pairs) == 1 and pairs[0][1].kind == "truncated"):
            for a, b in pairs:
                a.label, b.label = "teaser_headline", "teaser_blurb"
        i = 0
        while i < len(tail):
            run = []
            j = i
            while j < len(tail) and tail[j].label == "outside_body" and self._headline_like(tail[j]) \
                    and tail[j].n_words >= 4 and not tail[j].ends_sentence:
                run.append(tail[j])
                j += 1
            if len(run) >= 4 and run[0].n_words <= 5 and run[0].kind == "short" \
                    and run[0].n_words < sorted(x.n_words for x in run[1:])[len(run) // 2 - 1] - 1:
                label, run = run[0], run[1:]  # "What we're reading" above the list
            else:
                label = tail[i - 1] if i > 0 else None
            if len(run) >= 3 and label is not None and label.label == "outside_body" and label.kind == "short" \
                    and label.n_words <= 6 and not SENT_END_RE.search(label.t) and not label.bullet:
                label.label = "related_marker"
                for x in run:
                    x.label = "teaser_headline"
            i = max(j, i + 1)

    def _release_title(self, lines: list[_Line], body_start: int) -> None:
        """The page's own headline, taken for the last item of a headline list right above the article, is its title.

        Between it and the first paragraph there may be only what sits under
        a headline: a standfirst, bylines, dates, captions, share buttons.
        """
        k, prose = body_start - 1, 0
        while k >= 0:
            ln = lines[k]
            if ln.kind in ("blank", "separator", "byline", "dateline", "caption", "boilerplate", "comments") or ln.label in (
                    "teaser_meta", "teaser_section") or (
                    ln.label == "outside_body" and (ln.n_words <= 3 or ln.kind == "prose" and (prose := prose + 1) <= 1)):
                k -= 1
                continue
            break
        if k < 0 or lines[k].label != "teaser_headline" or lines[k].inline:
            return
        h = k - 1
        while h >= 0 and lines[h].kind == "blank":
            h -= 1
        if h >= 0 and lines[h].label == "teaser_headline":
            lines[k].label = "outside_body"
            for ln in lines[k + 1: body_start]:
                if ln.label in ("teaser_meta", "teaser_section", "teaser_blurb"):
                    ln.label = ln.kind if ln.kind in ("byline", "dateline") else "outside_body"

    def _title(self, lines: list[_Line], body_start: int) -> str | None:
        for ln in reversed(lines[: max(body_start, 0)]):
            if ln.label == "outside_body" and self._headline_like(ln) and ln.n_words >= 4 and not ln.bullet:
                ln.label = "title"
                return ln.t
            if ln.kind not in ("blank", "separator", "boilerplate", "caption", "byline", "dateline") and ln.label == "outside_body":
                # only look at the block right above the body
                if ln.n_words > self.max_headline_words:
                    break
            if body_start - ln.index > 12:
                break
        return None

    # ------------------------------------------------------------- teasers
    def _collect_teasers(self, lines: list[_Line]) -> list[dict]:
        """Teaser records from the labelled lines, in page order, merged by normalised headline."""
        items = []  # [line, headline, blurb, section]
        n = len(lines)
        for i, ln in enumerate(lines):
            if ln.label != "teaser_headline":
                continue
            headline, section = clean_headline(ln.inline or ln.core)
            section = section or ln.section or None
            blurb = None
            # blurb and section: the next non-blank lines labelled as such
            j = self._next(lines, i + 1)
            while j < n and lines[j].label in ("teaser_meta", "teaser_section", "teaser_blurb"):
                if lines[j].label == "teaser_blurb" and blurb is None:
                    blurb, sec = _split_blurb(lines[j].t)
                    section = section or sec
                elif lines[j].label == "teaser_section" and section is None and not _kicker_of_next(lines, j):
                    section = lines[j].t.strip(" -–—|•·")
                j = self._next(lines, j + 1)
            items.append([ln, headline, blurb, section])
        # a list whose every headline ends with " - <label>" has a section column ("Storm closes roads - Weather")
        groups: dict[int, list[list]] = {}
        for it in items:
            if it[0].group >= 0:
                groups.setdefault(it[0].group, []).append(it)
        for group in groups.values():
            tails = [DASH_TAIL_RE.search(it[1]) for it in group]
            if len(group) >= 2 and all(tails):
                for it, m in zip(group, tails):
                    it[1], it[3] = it[1][: m.start()].rstrip(), it[3] or m.group("section")
        found: dict[str, dict] = {}
        order: list[str] = []
        for _, headline, blurb, section in items:
            key = _norm_key(headline)
            if not key:
                continue
            if key not in found:
                found[key] = {"headline": headline, "blurb": blurb, "section": section}
                order.append(key)
            else:
                t = found[key]
                t["blurb"] = t["blurb"] or blurb
                t["section"] = t["section"] or section
        return [{**found[key], "position": pos, "kind": "teaser" if found[key]["blurb"] else "related"}
                for pos, key in enumerate(order)]


def merge_teasers(first: list[dict], second: list[dict]) -> list[dict]:
    """Teasers of ``first`` (the page's), then those of ``second`` not already there, merged by normalised headline.

    A merged teaser keeps the first one's fields and takes a missing blurb or
    section from the other; positions are renumbered from 0.
    """
    found: dict[str, dict] = {}
    order: list[str] = []
    for t in [*first, *second]:
        headline = (t.get("headline") or "").strip()
        key = _norm_key(headline)
        if not key:
            continue
        if key not in found:
            found[key] = {"headline": headline, "blurb": t.get("blurb") or None, "section": t.get("section") or None,
                          "kind": t.get("kind")}
            order.append(key)
        else:
            x = found[key]
            x["blurb"] = x["blurb"] or t.get("blurb") or None
            x["section"] = x["section"] or t.get("section") or None
    out = []
    for pos, key in enumerate(order):
        x = found[key]
        kind = "teaser" if x["blurb"] else (x["kind"] if x["kind"] in ("related", "teaser") else "related")
        out.append({"headline": x["headline"], "blurb": x["blurb"], "section": x["section"], "position": pos, "kind": kind})
    return out


def clean_headline(text: str) -> tuple[str, str | None]:
    """A teaser headline without bullets, numbering, a leading time, a trailing tag or pipe section.

    ``"* 14:48 Storm closes roads [VIDEO]"`` → (``"Storm closes roads"``, ``"VIDEO"``);
    ``"Storm closes roads | Weather"`` → (``"Storm closes roads"``, ``"Weather"``).
    """
    t = text.strip()
    m = BULLET_RE.match(t)
    if m and m.end() < len(t):
        t = t[m.end():]
    t = LEAD_TIME_RE.sub("", t).strip()
    t = COUNT_TAIL_RE.sub("", t)
    t = AUTHOR_TAIL_RE.sub("", t)
    section = None
    m = TAG_RE.search(t)
    if m and m.start() > 0:
        section, t = m.group("tag").strip(), t[: m.start()]
    parts = [p.strip() for p in _PIPES_RE.split(t) if p.strip()]
    if len(parts) >= 2:
        longest = max(parts, key=lambda p: len(WORD_RE.findall(p)))
        rest = [p for p in parts if p is not longest]
        if all(len(WORD_RE.findall(p)) <= 3 for p in rest) and len(WORD_RE.findall(longest)) >= 3:
            labels = [p for p in rest if not DATE_CORE_RE.search(p)]
            section = section or (labels[0] if labels else None)
            t = longest
    t = t.strip(" -–—|•·>»→")
    return t, section


_INLINE_CHARS = re.compile(r"[:|»>–—-]")
# (compiled once: re.match(<string>, ...) looks its pattern up in re's cache on every call)
_DATE_PARTS_RE = re.compile(r"\s[|•·]\s|\s[-–—]\s")
_SENT_PUNCT_RE = re.compile(r"[.!?]")
_HEADLINE_START_RE = re.compile(r"^\W{0,2}([\w\"'“‘¡¿])(.?)")
_PIPES_RE = re.compile(r"\s+[|•·]\s+")
_NUMBER_WORD_RE = re.compile(r"\d+(?:st|nd|rd|th|h|m|d|w|y|am|pm)?|\d{1,2}h\d{2}")  # "11h29": a French or Portuguese time
_TAG_RE = re.compile(r"<[^<>]*>")
_SUMMARY_ITEMS = 6  # the most bullets a "Key Points" box holds


def _markup_only(t: str) -> bool:
    """A line of raw HTML left in a text dump (a tracking pixel's ``<img src=...>``): tags, with under three words
    of text between them."""
    return bool(_TAG_RE.match(t)) and len(WORD_RE.findall(_TAG_RE.sub(" ", t))) < 3


#: quotation marks a pull quote may wear that the paragraph it repeats does not
_QUOTE_CHARS = "\"'\u2018\u2019\u201c\u201d\u00ab\u00bb\u201e\u201a\u300c\u300d"


def _mark_pull_quotes(lines: list[_Line]) -> None:
    """Label ``pull_quote`` a body line that repeats, on its own, a sentence or more of a longer body paragraph (by
    three words or more): magazine layouts set a striking quote again in large type, and a text dump keeps both.
    The line must end a sentence (lists and recipes repeat short items, which stay) and have six words or more."""
    body = [ln for ln in lines if ln.label == "body"]
    if len(body) < 3:
        return
    text = "\n".join(ln.t for ln in body)
    for ln in body:
        if not 6 <= ln.n_words <= 60 or not ln.ends_sentence:
            continue
        quote = ln.core.strip(_QUOTE_CHARS + " ")
        if len(quote) < 20 or text.count(quote) < 2:  # (one scan: most lines are nowhere else)
            continue
        for other in body:
            if other is not ln and other.label == "body" and other.n_words >= ln.n_words + 3 and quote in other.t:
                ln.label = "pull_quote"
                break


def _mark_summaries(lines: list[_Line]) -> None:
    """Label "Key Points" / "Highlights" boxes ``summary``: the header, then its bulleted lines (or, unbulleted, the
    one sentence under it). They restate the article: its body starts after them."""
    for i, ln in enumerate(lines):
        if ln.kind == "blank" or ln.label or ln.n_words > 4 or not SUMMARY_HEADER_RE.match(ln.t):
            continue
        after = list(itertools.islice((x for x in lines[i + 1:] if x.kind != "blank"), _SUMMARY_ITEMS))
        items = list(itertools.takewhile(lambda x: not x.label and x.bullet and x.n_words <= 60, after))
        if not items and after and not after[0].label and not after[0].bullet and after[0].n_words <= 40 \
                and after[0].ends_sentence:
            items = after[:1]
        if items:
            for x in (ln, *items):
                x.label = "summary"


def _inline_headline(t: str) -> str:
    """The headline of an inline teaser line ("READ MORE: <headline>"), or ""."""
    m = INLINE_RELATED_RE.match(t)
    if not m or _is_prose_sentence(m.group("headline")):
        return ""
    if MEDIA_PREFIX_RE.match(m.group("prefix")) and len(WORD_RE.findall(m.group("headline"))) < 5:
        return ""
    return m.group("headline").strip()


def _is_prose_sentence(text: str) -> bool:
    """The text after "More: " reads as a sentence of the article (long and ending in a full stop)."""
    return len(WORD_RE.findall(text)) > 25 and bool(FULL_STOP_RE.search(text))


def _only_date_words(words: list[str]) -> bool:
    return all(w.isdigit() or w.lower() in DATE_WORDS or _NUMBER_WORD_RE.fullmatch(w.lower())
               for w in words)


def _kicker_of_next(lines: list[_Line], j: int) -> bool:
    """Is the section label at ``j`` the kicker of the next headline (already stored on it)?"""
    k = j + 1
    while k < len(lines) and lines[k].kind == "blank":
        k += 1
    return k < len(lines) and lines[k].label == "teaser_headline" and lines[k].section == lines[j].t


def _runs(items: list, lines: list[_Line], gap_kinds: tuple[str, ...]):
    """Group (headline, ...) items into runs of neighbours: only lines of ``gap_kinds`` or labelled lines between them."""
    runs: list[list] = []
    prev_end = None
    for it in items:
        h = it[0]
        if prev_end is not None and runs:
            between = lines[prev_end + 1: h.index]
            if all(b.label or b.kind in gap_kinds for b in between) and len(
                    [b for b in between if b.kind not in ("blank", "separator") and not b.label]) <= 2:
                runs[-1].append(it)
            else:
                runs.append([it])
        else:
            runs.append([it])
        tail = it[1]
        last = tail[-1] if isinstance(tail, list) else tail
        prev_end = last.index
    return runs


def _split_blurb(text: str) -> tuple[str, str | None]:
    """``"Deposed ... as ... World News -"`` → (``"Deposed ... as"``, ``"World News"``)."""
    m = TRUNCATED_RE.match(text)
    if m and ELLIPSIS_RE.search(text):
        blurb = m.group("blurb").strip()
        section = (m.group("section") or "").strip() or None
        return blurb, section
    return text, None


def _norm_key(headline: str) -> str:
    t = headline.casefold().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(t.split())
