"""Document-level post-processing of a spaCy NER model's entities.

Where the bare model is reliably wrong on newswire, these rules correct it.
They work on plain token lists (``Sent``) so the stage (raw article text) and
``builder eval ner`` (gold tokens) share them, and they are cheap: dictionary
look-ups over the tokens of one document, no second model pass.

- :func:`casing_evidence` / :func:`truecase_words`: an all-caps line
  (headline, dateline, table row) is recased before the model sees it, each
  word as the same article writes it elsewhere (``JAPAN`` → ``Japan``,
  ``WIN`` → ``win``); words the article never writes in lower or mixed case
  are lowered unless they look like acronyms. The model was trained on
  mixed-case text and tags all-caps text badly.
- :func:`tag_datelines`: ``BRUSSELS 1996-08-22`` / ``AL-AIN , United Arab
  Emirates 1996-12-06`` / ``LONDON (Reuters) -``: the place names before the
  date or agency are locations.
- :func:`fix_boundaries`: entity spans lose a leading ``the``, titles and
  honorifics before a person (``President``, ``Mr``), a trailing possessive
  ``'s``, trailing lowercase words and numbers, and quotes or brackets at
  either end; a span without a capital letter is no name.
- :func:`tag_score_lines` / :func:`tag_events`: in sports results and
  standings rows (``Barnsley 3 Bradford 1``, ``NEW YORK 76 56 .576``) the
  names are teams (organisations), a bracketed name after a player in a row
  of scores is a country (``Thomas Weber ( Germany ) beat ...``), and a name
  ending in ``Cup``, ``Open``, ``Games``, ... is a competition.
- :func:`make_consistent`: a name is tagged the same at every mention in the
  document (weighted majority of the model's and the rules' votes, a
  person's surname counting as the person), including mentions the model
  missed and mentions in all-caps lines.

The approach (document-level label consistency, truecasing from in-document
evidence) follows e.g. Krishnan & Manning, "An Effective Two-Stage Model for
Exploiting Non-Local Dependencies in Named Entity Recognition" (ACL 2006),
https://aclanthology.org/P06-1141/ , and Mayhew et al., "ner and pos when
nothing is capitalized" (EMNLP 2019), https://aclanthology.org/D19-1650/ .
No list of names is used: only casing, token shape and the document itself.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

#: entity types that name something (numbers, dates and amounts are left alone)
NAME_TYPES = frozenset({"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART",
                        "LAW", "LANGUAGE", "PER", "MISC"})
PERSON_TYPES = frozenset({"PERSON", "PER"})
#: names that may end in a number ("Euro 96", "Windows 95", "Apollo 13")
NUMBERED_TYPES = frozenset({"PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "MISC"})

#: words before a name that are not part of it: honorifics, titles and roles
#: (common nouns, not names). Compared lowercased, a trailing "." ignored.
TITLES = frozenset("""
mr mrs ms miss mx dr prof sir dame lord lady madam monsieur mme herr frau senor senora
president vice prime minister premier chancellor secretary deputy foreign finance defence defense interior
justice trade agriculture farm economy economics home health labour labor industry energy state
governor gov senator sen congressman congresswoman rep representative mayor ambassador envoy spokesman
spokeswoman spokesperson chairman chairwoman chair chief executive director commissioner
king queen prince princess emperor sheikh pope cardinal archbishop bishop rev reverend father rabbi imam
general gen lieutenant lt colonel col major maj captain capt commander admiral sergeant sgt officer
judge attorney prosecutor inspector detective constable
coach manager striker midfielder defender goalkeeper keeper skipper captain opener batsman bowler
champion seed player rider driver jockey golfer veteran
""".split())
OPEN_PUNCT = frozenset({'"', "'", "``", "`", "(", "[", "{", "\u201c", "\u2018", "-", "--", "\u2014", "\u2013"})
EDGE_PUNCT = frozenset({'"', "'", "``", "''", "`", "(", ")", "[", "]", "{", "}", ",", ".", ";", ":", "-", "--",
                        "\u201c", "\u201d", "\u2018", "\u2019", "\u2014", "\u2013", "!", "?"})
POSSESSIVE = frozenset({"'s", "'S", "\u2019s", "'", "\u2019"})
DASHES = frozenset({"-", "--", "\u2014", "\u2013"})

#: vote weights: the model's own label, a surname of a tagged full name, a team in a results or
#: standings row (a national side is a place, so prose that says so twice outvotes the table), a dateline
W_MODEL, W_SURNAME, W_TABLE, W_RULE = 1.0, 1.5, 1.5, 2.0

_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(/\d{2,4})?|\d{4})$")
_MONTH = re.compile(r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?$", re.I)
_NUMBER = re.compile(r"^[-+]?(\d+([.,:/-]\d+)*|\.\d+|\d+\.)$")
_VOWEL = re.compile(r"[AEIOUYaeiouy]")


@dataclass
class Sent:
    """One sentence of a document: the words the model saw and its entities.

    Args:
        words: the tokens as given to the model (recased when ``caps``).
        ents: entity spans ``(start, end, label)`` over token indices, end exclusive.
        caps: the sentence was an all-caps line (headline, dateline, table row).
        raw: the original tokens when they differ from ``words``.
        sure: spans set by a shape rule (dateline, results row) → the weight of their vote
            for the document's other mentions; the model does not relabel them.
    """

    words: list[str]
    ents: list[tuple[int, int, str]] = field(default_factory=list)
    caps: bool = False
    raw: list[str] | None = None
    sure: dict = field(default_factory=dict)


# -- casing ------------------------------------------------------------------
_LETTER = re.compile(r"[^\W\d_]")


def has_letter(w: str) -> bool:
    return _LETTER.search(w) is not None


def is_caps_word(w: str) -> bool:
    """An all-caps word of two letters or more (``JAPAN``, ``AL-AIN``, ``'S``)."""
    if len(w) < 2 or not w.isupper():
        return False
    return w.isalpha() or len(_LETTER.findall(w)) >= 2


def is_caps_line(words: list[str]) -> bool:
    """Most words with letters are all caps: a headline, dateline or table row, not a sentence."""
    n = caps = 0
    for w in words:
        letters = [c for c in w if c.isalpha()]
        if not letters:
            continue
        n += 1
        if all(c.isupper() for c in letters) and (len(letters) >= 2 or n == 1):
            caps += 1
    return caps >= 1 and caps * 4 >= n * 3 and (caps >= 2 or n == 1)


def casing_evidence(sentences: list[list[str]]) -> dict[str, dict[str, int]]:
    """How the document writes each word in its mixed-case sentences: lowercased word → {form: count}.

    Sentence-initial words (and words after an opening quote or bracket at
    the start, or after a colon or dash) are capitalised whatever they are,
    so they are left out; so are long all-caps words (shouting), while short
    ones (acronyms in running text) count.
    """
    ev: dict[str, dict[str, int]] = {}
    for words in sentences:
        initial = True
        for w in words:
            if w in OPEN_PUNCT:
                continue
            if not initial and (not w.isupper() or len(w) <= 5) and has_letter(w):
                low = w.lower()
                c = ev.get(low)
                if c is None:
                    ev[low] = {w: 1}
                else:
                    c[w] = c.get(w, 0) + 1
            initial = w == ":" or w in DASHES
    return ev


def stop_words() -> frozenset:
    """English function words (spaCy's list), lowercased."""
    global _STOP
    if _STOP is None:
        from spacy.lang.en.stop_words import STOP_WORDS

        _STOP = frozenset(STOP_WORDS)
    return _STOP


_STOP: frozenset | None = None


def truecase_word(w: str, evidence: dict[str, dict[str, int]]) -> str:
    """The document's own spelling of an all-caps word; acronym-like words stay; others are lowered.

    Acronym-like: no vowel (``VW``, ``BBC``), a full stop (``U.S.``) or two
    letters that are not a function word (``EU``, ``UN``; but ``IN``, ``AT``).
    """
    if not is_caps_word(w):
        return w
    low = w.lower()
    forms = evidence.get(low)
    if forms:
        best = max(forms.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if len(best) == len(w):
            return best
    if low in stop_words() or low.strip("'\u2019") in ("s", "t"):
        return low if len(low) == len(w) else w
    if not _VOWEL.search(w) or "." in w or (len(w) == 2 and w.isalpha()):
        return w  # VW, BBC, U.S., EU: keep
    return low if len(low) == len(w) else w


def truecase_words(words: list[str], evidence: dict[str, dict[str, int]]) -> list[str]:
    """Recase an all-caps line word by word; the first word gets a capital.

    A topic slug (``SOCCER - JAPAN GET ...``) ends in a colon instead of a
    dash (``Soccer : Japan get ...``): the model reads the dash as part of a
    name.
    """
    out = []
    cap_next = True
    for k, w in enumerate(words):
        t = truecase_word(w, evidence)
        if cap_next and has_letter(t):
            if t.islower():
                t = t[:1].upper() + t[1:]
            cap_next = False
        if w == "-" and 1 <= k <= 3 and all(has_letter(x) for x in words[:k]) and k + 1 < len(words):
            t = ":"
            cap_next = True
        out.append(t)
    return out


# -- datelines ---------------------------------------------------------------
def _is_date_start(words: list[str], i: int) -> bool:
    w = words[i]
    if _DATE.match(w):
        return True
    return bool(_MONTH.match(w)) and i + 1 < len(words) and words[i + 1][:1].isdigit()


def dateline_places(raw: list[str]) -> list[tuple[int, int]]:
    """Place-name spans of a dateline: ``LONDON 1996-08-30``, ``SPLIT , Croatia 1996-09-26``,
    ``WASHINGTON ( Reuters ) -``, ``PARIS , Jan 5 ( AFP ) -``. Empty when the sentence is no dateline.

    The first place is written in capitals; the places after commas (a
    country or state) may be mixed case. What ends the places is a date, an
    agency in brackets, or a dash.
    """
    n = len(raw)
    if not n or not is_caps_word(raw[0]) and not (raw[0][:1].isupper() and n > 1 and is_caps_word(raw[1])):
        return []
    spans: list[tuple[int, int]] = []
    i = 0
    first = True
    while i < n:
        j = i
        while j < n and raw[j] not in EDGE_PUNCT and not _is_date_start(raw, j) and raw[j][:1].isupper() \
                and has_letter(raw[j]) and (not first or is_caps_word(raw[j]) or len(raw[j]) == 1):
            j += 1
        if j == i or j - i > 4:
            return []
        spans.append((i, j))
        first = False
        if j >= n:
            return []
        if raw[j] == ",":
            if j + 1 < n and _is_date_start(raw, j + 1):
                return spans
            i = j + 1
            continue
        if _is_date_start(raw, j):
            return spans
        if raw[j] == "(" and j + 2 < n and raw[j + 2] == ")":
            return spans
        if raw[j] in DASHES and j > 0 and j + 1 < n and not is_caps_word(raw[j + 1]):
            return spans  # "LONDON - The ..." but not a headline's "SOCCER - JAPAN ..."
        return []
    return []


def tag_datelines(sents: list[Sent], place_label: str = "GPE") -> None:
    """Tag the place names of dateline sentences as places (replacing what overlaps them)."""
    for s in sents:
        raw = s.raw or s.words
        if not raw or not (is_caps_word(raw[0]) or (len(raw) > 1 and is_caps_word(raw[1]))):
            continue
        spans = dateline_places(raw)
        if not spans:
            continue
        for a, b in spans:
            s.ents = [e for e in s.ents if e[1] <= a or e[0] >= b]
            s.ents.append((a, b, place_label))
            s.sure[(a, b)] = W_RULE
        s.ents.sort()


# -- boundaries --------------------------------------------------------------
def _title_word(w: str) -> bool:
    return w.lower().rstrip(".") in TITLES


def _trim(words: list[str], a: int, b: int, lab: str) -> tuple[int, int]:
    while a < b and (words[a] in EDGE_PUNCT or words[a] == "the"
                     or (words[a] == "The" and (a == 0 or words[a - 1] in OPEN_PUNCT))):
        a += 1
    while a < b and (words[b - 1] in EDGE_PUNCT or words[b - 1] in POSSESSIVE
                     or (words[b - 1].isalpha() and words[b - 1].islower())):
        b -= 1  # "Xinhua news agency" -> "Xinhua"
    if lab in PERSON_TYPES:
        while b - a > 1 and _title_word(words[a]):
            a += 1
    if lab not in NUMBERED_TYPES:
        while b - a > 1 and not has_letter(words[b - 1]):
            b -= 1  # "H. Moyo 2-51" -> "H. Moyo", "Hajduk Split 2" -> "Hajduk Split"
    return a, b


def fix_boundaries(sents: list[Sent]) -> None:
    """Trim each name span: leading ``the``, titles before a person, trailing ``'s``, trailing
    lowercase words (``Xinhua news agency``), edge punctuation.

    A span that runs over a lowercase ``the`` (``Reuters the Palestinian
    Authority``) is two names; a span made only of title words right before a
    name or another title (``Agriculture`` in ``Agriculture Minister Douglas
    Hogg``) or without a capital letter (``.576``, ``run-up``) is no name.
    Spans set by a shape rule are kept as they are.
    """
    for s in sents:
        if not s.ents:
            continue
        words = s.words
        pieces = []
        for a, b, lab in s.ents:
            if lab not in NAME_TYPES:
                pieces.append((a, b, lab))
                continue
            cut = [k for k in range(a + 1, b - 1) if words[k] == "the" and _capitalised(words[k - 1])
                   and _capitalised(words[k + 1])]
            starts = [a] + [k + 1 for k in cut]
            ends = cut + [b]
            for x, y in zip(starts, ends):
                pieces.append((x, y, lab))
        out = []
        for a, b, lab in pieces:
            if lab in NAME_TYPES and (a, b) not in s.sure:
                a, b = _trim(words, a, b, lab)
                if not any(w[:1].isupper() for w in words[a:b]):
                    continue  # no capital, no name: ".576", "run-up"
                if a < b and all(_title_word(w) for w in words[a:b]) and b < len(words) and (
                        _title_word(words[b]) or any(e[0] == b and e[2] in PERSON_TYPES for e in pieces)):
                    continue
            if a < b:
                out.append((a, b, lab))
        s.ents = out


# -- document-level consistency ------------------------------------------------
def _capitalised(w: str) -> bool:
    return w[:1].isupper()  # an upper-case first character is a letter


def _name_like(key: tuple[str, ...]) -> bool:
    """Capitalised words, with lowercase joiners (``of``, ``de``) only inside."""
    if not key or not _capitalised(key[0]) or not _capitalised(key[-1]):
        return False
    return all(_capitalised(w) or not has_letter(w) or w.islower() for w in key)




def _winner(c: Counter) -> str | None:
    top = c.most_common(2)
    if len(top) == 1 or top[0][1] > top[1][1]:
        return top[0][0]
    return None


def make_consistent(sents: list[Sent]) -> None:
    """Tag every mention of a name in the document with the type most of its mentions got.

    Votes come from the model's name entities (shape rules weigh more); the
    last word of a multi-word person also votes for the person (surname-only
    mentions). Mentions the model missed are added where the words are
    capitalised and not inside a longer entity; a one-word mention that
    starts a sentence and that the document also writes in lower case (a
    common word) is left alone. A person mention takes in a capitalised
    first name before it that the model missed.
    """
    votes: dict[tuple[str, ...], Counter] = {}
    for s in sents:
        for a, b, lab in s.ents:
            if lab not in NAME_TYPES:
                continue
            key = tuple(s.words[a:b])
            if _name_like(key):
                votes.setdefault(key, Counter())[lab] += s.sure.get((a, b), W_MODEL)
    if not votes:
        return
    label_of = {k: _winner(c) for k, c in votes.items()}
    surnames: dict[tuple[str, ...], Counter] = {}
    for key, c in votes.items():
        lab = label_of[key]
        if lab in PERSON_TYPES and len(key) >= 2:
            last = key[-1]
            if len(last) > 2 and last.isalpha() or "-" in last:
                surnames.setdefault((last,), Counter())[lab] += W_SURNAME * c[lab] / max(c[lab], 1)
    for key, c in surnames.items():
        votes.setdefault(key, Counter()).update(c)
        label_of[key] = _winner(votes[key])
    for key, c in votes.items():  # "Lars Nordstrom" tagged once as NORP, "Nordstrom" a person throughout
        if len(key) >= 2 and label_of[key] not in PERSON_TYPES:
            last = votes.get(key[-1:])
            lab = label_of.get(key[-1:])
            if lab in PERSON_TYPES and last[lab] > sum(c.values()):
                label_of[key] = lab
    label_of = {k: v for k, v in label_of.items() if v is not None}
    if not label_of:
        return
    stop = stop_words()
    max_len = max(len(k) for k in label_of)
    lower_words = {w for s in sents if not s.caps for w in s.words if w.islower()}
    # all-caps lines match without case ("IN MOSCOW" after "MOSCOW 1996-11-14"), except common words
    upper_of = {}
    for k, lab in label_of.items():
        if len(k) > 1 or (k[0].lower() not in lower_words and k[0].lower() not in stop and len(k[0]) > 2):
            upper_of[tuple(w.upper() for w in k)] = lab
    firsts = {k[0] for k in label_of}
    upper_firsts = {k[0] for k in upper_of}
    for s in sents:
        if s.caps:
            words = [w.upper() for w in (s.raw or s.words)]
            table, first_words = upper_of, upper_firsts
        else:
            words, table, first_words = s.words, label_of, firsts
        if first_words.isdisjoint(words):
            continue
        n = len(words)
        owner: list[int | None] = [None] * n  # index of the entity covering each token
        for ei, (a, b, _) in enumerate(s.ents):
            for t in range(a, b):
                owner[t] = ei
        ents: list = list(s.ents)
        changed = False
        i = 0
        while i < n:
            if words[i] not in first_words:
                i += 1
                continue
            hit = None
            for L in range(min(max_len, n - i), 0, -1):
                key = tuple(words[i:i + L])
                if key in table:
                    hit = (i, i + L, table[key])
                    break
            if hit is None:
                i += 1
                continue
            a, b, lab = hit
            if b < n and _capitalised(words[b]) and owner[b] is None and not s.caps:
                i = b  # part of a longer capitalised name the document does not know
                continue
            if s.sure.get((a, b), 0.0) >= W_RULE:
                i = b  # a dateline place stays; a table's team may turn out a person ("Wasim Akram 10 1 45 2")
                continue
            covering = {owner[t] for t in range(a, b)} - {None}
            spans = [ents[e] for e in covering]
            if any(x <= a and y >= b and (y - x) > (b - a) for x, y, _ in spans):
                i = b  # inside a longer entity
                continue
            if any(x < a or y > b for x, y, _ in spans):
                i = b  # crossing another entity
                continue
            if not spans and b - a == 1 and (a == 0 or words[a - 1] in OPEN_PUNCT) and words[a].lower() in lower_words:
                i = b
                continue
            if lab in PERSON_TYPES:  # a first name the model missed: "Thomas Weber" after "Weber"
                while (a > 0 and owner[a - 1] is None and words[a - 1].isalpha() and _capitalised(words[a - 1])
                       and not _title_word(words[a - 1]) and words[a - 1].lower() not in stop
                       and words[a - 1].lower() not in lower_words and not is_caps_word(words[a - 1])):
                    a -= 1
            if spans == [(a, b, lab)]:
                i = b
                continue
            for e in covering:
                ents[e] = None
            ents.append((a, b, lab))
            for t in range(a, b):
                owner[t] = -1
            changed = True
            i = b
        if changed:
            s.ents = sorted(e for e in ents if e is not None)


# -- sports results and standings --------------------------------------------
def _is_num(w: str) -> bool:
    return bool(_NUMBER.match(w))


_JOINERS = frozenset({"&", "de", "del", "of", "van", "von", "la", "le", "di", "da"})


def _name_end(words: list[str], i: int) -> int:
    j = i
    while j < len(words) and (_capitalised(words[j]) or (j > i and words[j] in _JOINERS)) and not _is_num(words[j]):
        j += 1
    while j > i and words[j - 1] in _JOINERS:
        j -= 1
    return j


def _bracket_end(words: list[str], i: int) -> int:
    """The index after ``( Name )`` starting at ``i``, or ``i`` when there is none."""
    if i < len(words) and words[i] == "(":
        j = _name_end(words, i + 1)
        if i + 1 < j <= i + 4 and j < len(words) and words[j] == ")":
            return j + 1
    return i


def score_line(words: list[str]) -> tuple[str, list[tuple[int, int]], list[tuple[int, int]]] | None:
    """A results or standings row: its kind, its name spans and its bracketed places, or None.

    ``results``: ``Barnsley 3 Bradford 1``, ``Hajduk Split ( Croatia ) 2 Sturm
    Graz ( Austria ) 0``: a name, an optional bracketed country, a score,
    twice. ``standings``: ``NEW YORK 76 56 .576 -``: a name, then only numbers.
    """
    n = len(words)
    if n < 3 or not _capitalised(words[0]):
        return None
    depth = 0
    for w in words:
        if w == "(":
            depth += 1
        elif w == ")":
            depth -= 1
        elif not depth and w.islower() and w not in _JOINERS and w.isalpha():
            return None  # prose; a note in brackets ("( 11 innings )") may follow the scores
    j = _name_end(words, 0)
    if j == 0 or j > 5:
        return None
    rest = words[j:]
    if sum(map(_is_num, rest)) >= 3 and all(_is_num(w) or w in DASHES or w == "1/2" for w in rest) \
            and not _DATE.match("".join(rest)):
        return "standings", [(0, j)], []
    names, places, i = [], [], 0
    for _ in range(2):
        k = _name_end(words, i)
        if k == i or k - i > 5:
            return None
        names.append((i, k))
        e = _bracket_end(words, k)
        if e > k:
            places.append((k + 1, e - 1))
        i = e
        if i >= n or not words[i].isdigit():
            return None
        i += 1
    if i < n and words[i] != "(" and not all(w in EDGE_PUNCT or _is_num(w) for w in words[i:]):
        return None
    return "results", names, places


def results_places(words: list[str], ents: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """``( Country )`` right after a person or team in a row with scores: ``Thomas Weber ( Germany ) beat ...``."""
    n = len(words)
    out = []
    for a, b, lab in ents:
        if b < n and words[b] == "(" and (lab in PERSON_TYPES or lab == "ORG"):
            e = _bracket_end(words, b)
            if e > b and not all(is_caps_word(w) and "." not in w for w in words[b + 1:e - 1]):
                if any(_is_num(w) for w in words[e:]):
                    out.append((b + 1, e - 1))
    return out


def tag_score_lines(sents: list[Sent], team_label: str = "ORG", person_label: str = "PERSON",
                    place_label: str = "GPE") -> None:
    """Names that score in a results row are teams; so are the names of a standings row unless the
    model says people; a bracketed name after a player or team in a row of scores is a country."""
    for s in sents:
        if s.sure:
            continue  # a dateline
        raw = s.raw or s.words
        found = score_line(raw)
        places = []
        if found:
            kind, names, places = found
            for a, b in names:
                over = [e for e in s.ents if e[0] < b and e[1] > a]
                if kind == "standings" and any(lab == person_label for _, _, lab in over):
                    continue
                s.ents = [e for e in s.ents if not (e[0] < b and e[1] > a)]
                s.ents.append((a, b, team_label))
                s.sure[(a, b)] = W_TABLE
        places = set(places) | set(results_places(s.words, s.ents))
        for a, b in places:
            s.ents = [e for e in s.ents if not (e[0] < b and e[1] > a)]
            s.ents.append((a, b, place_label))
            s.sure[(a, b)] = W_RULE
        s.ents.sort()


#: the last word of a sports competition's name (common nouns, not names)
EVENT_HEADS = frozenset({"Cup", "Open", "Championship", "Championships", "Games", "Olympics", "Prix", "Trophy",
                         "Classic", "Masters", "Invitational", "Tournament", "Series", "Rally", "Marathon"})


def tag_events(sents: list[Sent], event_label: str = "EVENT") -> None:
    """A capitalised name of two words or more ending in ``Cup``, ``Open``, ``Games``, ... is a competition."""
    for s in sents:
        words = s.words
        if EVENT_HEADS.isdisjoint(words):
            continue
        n = len(words)
        i = 0
        while i < n:
            if not _capitalised(words[i]):
                i += 1
                continue
            j = _name_end(words, i)
            if j - i >= 2 and words[j - 1] in EVENT_HEADS:
                a = i + 1 if i == 0 and words[i].lower() in stop_words() else i
                if j - a >= 2 and not any(e[0] < a < e[1] or e[0] < j < e[1] for e in s.ents):
                    s.ents = [e for e in s.ents if not (e[0] >= a and e[1] <= j)] + [(a, j, event_label)]
                    s.ents.sort()
            i = max(j, i + 1)
