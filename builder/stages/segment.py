"""Split a scraped text into article body, boilerplate and headline teasers.

Every line of the normalised text gets exactly one label:

* ``body``: kept, joined by ``"\\n"`` into the ``text`` column;
* a teaser part (``teaser_headline``, ``teaser_blurb``, ``teaser_section``,
  ``related_marker``): turned into rows of the ``teasers`` column;
* a removal reason (``blank``, ``separator``, ``boilerplate``, ``title``,
  ``outside_body``): recorded with its character offsets in ``removed``.

Teaser lines are recorded in ``removed`` too (with their teaser reason), so
``body lines + removed lines`` is every line of the input, which the audit and
the tests check.

How the body is found (general evidence, no site's phrases):

1. Each line gets features: word count, final punctuation, stop-word density,
   generic boilerplate phrases (follow us, subscribe, share, cookies, ...),
   "Read more / Related / Also read / More from ..." markers in many spellings,
   separators, truncated blurbs ending in an ellipsis and a section label.
2. Teaser structures are found first: a marker followed by a list of short
   headline lines; headline + blurb blocks (blurb truncated with an ellipsis,
   optionally a section label); inline ``Read more: <headline>`` lines.
3. The body is the contiguous run of lines with the highest sum of a per-line
   score (prose counts its words, everything else costs), the maximum
   subarray approach of Finn et al., "Fact or fiction: content classification
   for digital libraries" (2001, the "BTE" extractor), applied to lines.
4. Lines before the body are boilerplate (the last headline-like line there
   becomes the title when the document has none); teaser blocks after it are
   parsed into teasers; the rest after it is boilerplate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

import pyarrow as pa

from builder.errors import BuilderError
from builder.stages.base import Stage, set_column

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

WORD_RE = re.compile(r"\w+", re.UNICODE)
# A sentence ends with . ! ? (or an ellipsis) possibly followed by quotes/brackets.
SENT_END_RE = re.compile(r"[.!?:;…]['\"”’»)\]]*\s*$")
ELLIPSIS_RE = re.compile(r"(?:\.\s?\.\s?\.|…)")
SEPARATOR_RE = re.compile(r"^[\W_]+$", re.UNICODE)
# "... Section Name -" at the end of a truncated blurb.
TRUNCATED_RE = re.compile(
    r"^(?P<blurb>.*?\w.*?)\s*(?:\.\s?\.\s?\.|…)\s*(?P<section>[^\W\d_][\w&'’,/ ]{0,40}?)?\s*[-–—|•·]?\s*$",
    re.UNICODE,
)

#: "Read more" style markers, alone on a line (optionally followed by a colon or dash).
MARKER_WORDS = (
    r"read (?:more|also|next|this)|also read|see also|related(?: (?:articles?|stories|news|posts?|"
    r"content|coverage|reading|topics|links|videos?))?|more (?:from|on|in|about|stories|news|"
    r"headlines|coverage|articles|reading|like this)(?: [\w'’ .&-]{0,40})?|recommended(?: for you| stories| reading)?|"
    r"you (?:may|might) (?:also )?(?:like|be interested in|enjoy)|don'?t miss|must read|"
    r"top stories|latest (?:news|stories|headlines|articles)|trending(?: now| stories)?|most (?:read|popular|viewed|shared)|"
    r"popular (?:now|stories|articles)|what to read next|further reading|other stories|in other news|"
    r"editor'?s picks?|more stories|also on [\w .'’-]{1,30}|keep reading|suggested(?: reading| articles)?"
)
MARKER_RE = re.compile(rf"^\W*(?:{MARKER_WORDS})\s*[:\-–—»>|.]*\s*$", re.IGNORECASE)
# "Read more: Some headline" on one line.
INLINE_RELATED_RE = re.compile(
    r"^\W*(?:read (?:more|also|next)|also read|see also|related|more|recommended|don'?t miss|must read)"
    r"\s*[:\-–—|»>]+\s*(?P<headline>\S.{8,})$",
    re.IGNORECASE,
)

#: Generic web boilerplate: phrases no article paragraph needs, any site.
BOILERPLATE_PATTERNS = (
    r"\bfollow (?:us|our|me|them)\b",
    r"\bfor the latest (?:news|headlines|updates|stories)\b",
    r"\b(?:subscribe|sign up|signup|register|log ?in|sign in)\b.{0,40}\b(?:to|for|now|here|today|newsletter|free)\b",
    r"\bnewsletters?\b",
    r"\b(?:click|tap) here\b",
    r"\bshare (?:this|on|via|the story|article)\b",
    r"^(?:share|tweet|email|print|comments?|save|copy link|like|reply)\b.{0,25}$",
    r"\ball rights reserved\b",
    r"^(?:©|\(c\)|copyright\b)",
    r"\b(?:download|get|install) (?:our|the) (?:free )?app\b",
    r"\b(?:via|on|in) (?:the|our) app\b",
    r"\bcookies?\b.{0,60}\b(?:use|accept|policy|settings|consent)\b",
    r"^(?:advertisement|advertising|sponsored(?: content)?|promoted(?: content)?|ad|paid content)\W*$",
    r"\b(?:terms (?:of|and) (?:use|service|conditions)|privacy (?:policy|notice|settings))\b",
    r"\bjoin (?:us|our)\b.{0,30}\b(?:on|channel|community|telegram|whatsapp)\b",
    r"\b(?:google news|whatsapp|telegram) (?:channel|group)\b",
    r"\b(?:all|any) (?:views|opinions) expressed\b",
    r"\bthis (?:article|story) (?:was|has been|is) (?:originally |first )?(?:published|updated|produced|generated)\b",
    r"\b(?:updated|published|posted|last modified)\s*(?:on|at)?\s*:?\s*\d{1,4}[\s/.-]",
    r"\b(?:skip to (?:main )?content|back to top|jump to|toggle navigation|main menu)\b",
    r"\b(?:enable javascript|your browser)\b",
    r"\b(?:reporting by|editing by|writing by|compiled by)\b",
    r"\b(?:contact us|about us|careers|advertise with us|site ?map)\b",
    r"\b(?:photo|image|picture|video)(?: credit)?\s*:",
    r"^(?:getty images|afp|reuters|ap photo|file photo)\b.{0,60}$",
    r"^\d+\s*(?:comments?|shares?|views?|min(?:ute)?s? read)\b",
    r"^(?:facebook|twitter|x|linkedin|whatsapp|telegram|pinterest|reddit|instagram|youtube|email|e-mail|print)"
    r"(?:\W+(?:facebook|twitter|x|linkedin|whatsapp|telegram|pinterest|reddit|instagram|youtube|email|e-mail|print))*\W*$",
)


@dataclass
class _Line:
    index: int
    start: int
    end: int
    text: str
    n_words: int = 0
    prose: bool = False
    kind: str = ""  # blank | separator | marker | inline_related | boilerplate | truncated | prose | short
    label: str = ""  # final label: body or a removal/teaser reason
    stop_ratio: float = 0.0


@dataclass
class BoilerplateSegmenter(Stage):
    """Label every line as body, boilerplate or teaser, and build the teasers.

    Args:
        language: language whose stop words measure prose (spaCy language code).
        min_prose_words: a line needs at least this many words to count as prose.
        min_stopword_ratio: ... and at least this share of stop words.
        min_headline_words: teaser headlines have at least this many words
            (shorter lines in a list are menu items).
        max_headline_words: and at most this many.
        extra_boilerplate: regular expressions (case-insensitive) of a house
            style's boilerplate lines, added to the generic ones.
        extra_markers: regular expressions of a house style's "read more"
            markers, added to the generic ones.
        short_line_cost: score of a non-prose line in the body search (negative).
        boilerplate_cost: score of a boilerplate line in the body search.
    """

    name: ClassVar[str] = "segment"
    version: ClassVar[str] = "segment.rules.v1"
    requires: ClassVar[tuple[str, ...]] = ("norm", "title")
    assigns: ClassVar[tuple[str, ...]] = ("text", "title", "teasers", "removed")

    language: str = "en"
    min_prose_words: int = 6
    min_stopword_ratio: float = 0.15
    min_headline_words: int = 3
    max_headline_words: int = 30
    extra_boilerplate: list[str] = field(default_factory=list)
    extra_markers: list[str] = field(default_factory=list)
    short_line_cost: float = 4.0
    boilerplate_cost: float = 12.0

    def __post_init__(self):
        import spacy.util

        try:
            self._stop = frozenset(spacy.util.get_lang_class(self.language).Defaults.stop_words)
        except Exception as e:  # unknown language code
            raise BuilderError(f"segment.language={self.language!r} is not a spaCy language code: {e}") from e
        try:
            self._boiler = [re.compile(p, re.IGNORECASE) for p in (*BOILERPLATE_PATTERNS, *self.extra_boilerplate)]
            self._markers = [MARKER_RE] + [re.compile(p, re.IGNORECASE) for p in self.extra_markers]
        except re.error as e:
            raise BuilderError(f"invalid regular expression in segment.extra_boilerplate/extra_markers: {e}") from e

    # ------------------------------------------------------------------ API
    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        texts, titles, teasers, removed = [], [], [], []
        for norm, title in zip(table.column("norm").to_pylist(), table.column("title").to_pylist()):
            r = self.segment(norm or "", title)
            texts.append(r["text"])
            titles.append(r["title"])
            teasers.append(r["teasers"])
            removed.append(r["removed"])
        table = set_column(table, "text", texts, pa.string())
        table = set_column(table, "title", titles, pa.string())
        table = set_column(table, "teasers", teasers, pa.list_(TEASER_TYPE))
        table = set_column(table, "removed", removed, pa.list_(REMOVED_TYPE))
        return table

    def segment(self, text: str, title: str | None = None) -> dict:
        """Segment one document. Returns text, title, teasers and removed lines."""
        lines = self._features(text)
        self._find_teaser_structures(lines)
        s, e = self._body_span(lines)
        for ln in lines:
            if ln.label:
                continue
            if ln.kind in ("blank", "separator", "boilerplate"):
                ln.label = ln.kind
            elif s <= ln.index <= e:
                ln.label = "body"
            else:
                ln.label = "outside_body"
        self._tail_teasers(lines, e)
        if title is None:
            title = self._title(lines, s)
        body = [ln.text for ln in lines if ln.label == "body"]
        teasers = self._collect_teasers(lines)
        removed = [
            {"line": ln.index, "start": ln.start, "end": ln.end, "reason": ln.label, "text": ln.text}
            for ln in lines
            if ln.label != "body"
        ]
        return {"text": "\n".join(body), "title": title, "teasers": teasers, "removed": removed}

    # ------------------------------------------------------------- features
    def _features(self, text: str) -> list[_Line]:
        out, pos = [], 0
        for i, raw in enumerate(text.split("\n")):
            ln = _Line(index=i, start=pos, end=pos + len(raw), text=raw)
            pos += len(raw) + 1
            t = raw.strip()
            words = WORD_RE.findall(t)
            ln.n_words = len(words)
            if words:
                ln.stop_ratio = sum(w.lower() in self._stop for w in words) / len(words)
            if not t:
                ln.kind = "blank"
            elif SEPARATOR_RE.match(t):
                ln.kind = "separator"
            elif any(m.match(t) for m in self._markers):
                ln.kind = "marker"
            elif INLINE_RELATED_RE.match(t) and ln.n_words <= self.max_headline_words + 3:
                ln.kind = "inline_related"
            elif ln.n_words <= 40 and any(b.search(t) for b in self._boiler):
                ln.kind = "boilerplate"
            elif self._is_truncated(t):
                ln.kind = "truncated"
            elif (
                ln.n_words >= self.min_prose_words
                and ln.stop_ratio >= self.min_stopword_ratio
                and (SENT_END_RE.search(t) or ln.n_words >= 3 * self.min_prose_words)
            ):
                ln.kind = "prose"
                ln.prose = True
            else:
                ln.kind = "short"
            out.append(ln)
        return out

    def _is_truncated(self, t: str) -> bool:
        """A blurb cut off with an ellipsis, possibly followed by a section label."""
        m = ELLIPSIS_RE.search(t)
        if not m:
            return False
        tail = t[m.end():].strip()
        # ellipsis at the very end, or followed by a short label (≤ 4 words) without sentence punctuation
        return not tail or (len(WORD_RE.findall(tail)) <= 4 and not re.search(r"[.!?]", tail))

    def _headline_like(self, ln: _Line) -> bool:
        t = ln.text.strip()
        return (
            ln.kind in ("short", "prose")
            and self.min_headline_words <= ln.n_words <= self.max_headline_words
            and not t.endswith((".", ",", ";"))
            or (ln.kind == "short" and self.min_headline_words <= ln.n_words <= self.max_headline_words
                and t.endswith("?"))
        )

    # ---------------------------------------------------- teaser structures
    def _find_teaser_structures(self, lines: list[_Line]) -> None:
        """Mark markers + headline lists, inline related lines, headline + truncated blurb pairs."""
        n = len(lines)
        for ln in lines:
            if ln.kind == "inline_related":
                ln.label = "teaser_headline"
                ln.inline = INLINE_RELATED_RE.match(ln.text.strip()).group("headline").strip()  # type: ignore[attr-defined]
        i = 0
        while i < n:
            ln = lines[i]
            if ln.kind == "marker":
                ln.label = "related_marker"
                j = i + 1
                while j < n and lines[j].kind == "blank":
                    j += 1
                # the list: headline-like lines (blank lines and bullets between allowed)
                k = j
                while k < n:
                    c = lines[k]
                    if c.kind == "blank":
                        k += 1
                        continue
                    if c.kind in ("short", "prose") and self._headline_like(c):
                        # a headline followed by a truncated blurb belongs to the block parser
                        if k + 1 < n and lines[k + 1].kind == "truncated":
                            break
                        c.label = "teaser_headline"
                        k += 1
                        continue
                    break
                i = k
                continue
            if ln.kind == "truncated" and i > 0:
                # headline + truncated blurb: look back over blank lines for the headline
                h = i - 1
                while h >= 0 and lines[h].kind == "blank":
                    h -= 1
                if h >= 0 and not lines[h].label and self._headline_like(lines[h]):
                    lines[h].label = "teaser_headline"
                    ln.label = "teaser_blurb"
            i += 1

    # ---------------------------------------------------------- body search
    def _score(self, ln: _Line) -> float:
        if ln.label.startswith("teaser") or ln.label == "related_marker":
            return -max(self.boilerplate_cost, 2.0 * ln.n_words)
        if ln.kind == "blank":
            return 0.0
        if ln.kind == "prose":
            return float(ln.n_words)
        if ln.kind == "boilerplate":
            return -self.boilerplate_cost
        if ln.kind == "separator":
            return -1.0
        if ln.kind == "truncated":
            return -float(ln.n_words)
        return -self.short_line_cost

    def _body_span(self, lines: list[_Line]) -> tuple[int, int]:
        """Maximum-sum contiguous run of line scores (Kadane). (-1, -2) when no prose."""
        best, best_s, best_e = 0.0, -1, -2
        cur, cur_s = 0.0, 0
        for ln in lines:
            sc = self._score(ln)
            if cur <= 0:
                cur, cur_s = sc, ln.index
            else:
                cur += sc
            if cur > best:
                best, best_s, best_e = cur, cur_s, ln.index
        if best_s < 0:
            return -1, -2
        # trim non-body kinds at the edges
        while best_s <= best_e and lines[best_s].kind not in ("prose", "short"):
            best_s += 1
        while best_e >= best_s and lines[best_e].kind not in ("prose", "short"):
            best_e -= 1
        return best_s, best_e

    # ------------------------------------------------------- after the body
    def _tail_teasers(self, lines: list[_Line], body_end: int) -> None:
        """Headline + blurb blocks after the body: headline-like line, then prose or truncated blurb.

        Only blocks that repeat (two or more) count, so a closing line or a
        footer after the article is not taken for a teaser.
        """
        tail = [ln for ln in lines if ln.index > body_end and ln.label == "outside_body"]
        pairs = []
        for a, b in zip(tail, tail[1:]):
            if b.index != a.index + 1 or a.label != "outside_body" or b.label != "outside_body":
                continue
            if self._headline_like(a) and b.kind in ("prose", "truncated") and not self._headline_like(b):
                pairs.append((a, b))
        if len(pairs) >= 2:
            for a, b in pairs:
                a.label, b.label = "teaser_headline", "teaser_blurb"

    def _title(self, lines: list[_Line], body_start: int) -> str | None:
        for ln in reversed(lines[: max(body_start, 0)]):
            if ln.label == "outside_body" and self._headline_like(ln) and ln.n_words >= 4:
                ln.label = "title"
                return ln.text.strip()
            if ln.kind not in ("blank", "separator", "boilerplate") and ln.label == "outside_body":
                # only look at the block right above the body
                if ln.n_words > self.max_headline_words:
                    break
        return None

    # ------------------------------------------------------------- teasers
    def _collect_teasers(self, lines: list[_Line]) -> list[dict]:
        found: dict[str, dict] = {}
        order: list[str] = []
        n = len(lines)
        for i, ln in enumerate(lines):
            if ln.label != "teaser_headline":
                continue
            headline = getattr(ln, "inline", None) or ln.text.strip()
            headline = headline.strip(" -–—|•·")
            blurb = section = None
            # blurb: the next non-blank line labelled as one
            j = i + 1
            while j < n and lines[j].kind == "blank":
                j += 1
            if j < n and lines[j].label == "teaser_blurb":
                blurb, section = _split_blurb(lines[j].text.strip())
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
        out = []
        for pos, key in enumerate(order):
            t = found[key]
            out.append({**t, "position": pos, "kind": "teaser" if t["blurb"] else "related"})
        return out


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
