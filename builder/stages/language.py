"""Language identification of the clean body (CLD2, then lingua), and an optional language filter.

Two well-kept detectors, the fast one first. Google's CLD2 (``pycld2``, the
detector dolma's taggers use; its tables are compiled in) classifies a news
body in about 0.2 ms. Its answer is taken when it is sure of it: CLD2 calls the
result reliable, at least ``fast_min_percent`` of the text is in that language,
it saw at least ``fast_min_bytes`` of letters, and the language is one
lingua knows, a candidate or not (lingua, choosing among the candidates only,
would name the nearest candidate for a Latvian text: Swedish). Otherwise
(short, mixed, letterless or undecided text) lingua decides. On this
project's 2,000 generated bodies, the 31 real pages and the test texts, the
two-step answer equals lingua's alone wherever lingua gives one
(``tests/stages/test_language.py``), at 1/20 of the cost;
``lang.fast_path=false`` is lingua only.

A stateful stage: the lingua detector (its n-gram models ship inside the
``lingua-language-detector`` wheel, nothing is downloaded) is built lazily on
the first batch a worker sees, once per worker, and only for the candidate
languages; their models load on demand. Memory and speed, measured on this
project's news bodies (2 shared cores):

* default (23 candidates, low-accuracy mode): about 35 MB, 4 ms per body;
* 23 candidates, high accuracy: 25 MB while every text is over 120
  characters (lingua then uses trigrams only), about 500 MB once short texts
  make it load the other n-gram models; 7 ms per body;
* all 75 languages preloaded, high accuracy: 1.1 to 1.3 GB and 17 to 29 s
  to load, 25 ms per body.

Low-accuracy mode is as accurate as high-accuracy mode on texts over ~120
characters, which clean news bodies are (shorter ones fail the quality filter).

The ``lang`` column gets the ISO 639-1 code of the body's language (``en``),
or null when the text is empty or lingua cannot tell. With ``keep`` set, a
document in another language is rejected with ``reject_reason =
"language"``; a reason set by an earlier stage is kept (the first reason
wins, as in the filter stage).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import ClassVar

import pyarrow as pa

from builder.errors import BuilderError
from builder.stages.base import Stage, set_column

#: CLD2's codes that are not ISO 639-1 (or not lingua's choice of it)
_CLD2_CODES = {"iw": "he", "jw": "jv", "no": "nb"}
_CLD2_REFUSED_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@functools.cache
def _lingua_codes() -> frozenset[str]:
    """The ISO 639-1 codes lingua knows (computed once: CLD2's answers are checked against them)."""
    from lingua import Language

    return frozenset(lang.iso_code_639_1.name.lower() for lang in Language.all())


#: Major languages of news on the web (ISO 639-1): the default candidates.
DEFAULT_LANGUAGES = (
    "en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "pl", "cs", "ro", "hu",
    "ru", "uk", "tr", "ar", "fa", "hi", "id", "zh", "ja", "ko",
)


@dataclass
class LanguageIdentifier(Stage):
    """Set ``lang`` from the body text with lingua; optionally reject other languages.

    Args:
        languages: candidate languages, ISO 639-1 codes (lingua only chooses among
            these; fewer candidates = faster, less memory, fewer confusions).
            An empty list means all 75 languages lingua knows. A text that CLD2
            is sure is in another of lingua's languages gets that language, not
            the nearest candidate.
        keep: languages to keep; a document detected as another language is
            rejected with reason ``language``. An empty list keeps everything.
        keep_unknown: keep documents whose language cannot be told (empty or
            very short text, or no clear winner); ``false`` rejects them too
            when ``keep`` is set.
        low_accuracy: lingua's low-accuracy mode (trigram models only): faster and
            far smaller, as good on texts over ~120 characters, worse on short ones;
            ``false`` for high accuracy on short texts (up to ~500 MB per worker).
        preload: load every candidate's models when the detector is built instead
            of on demand (a steadier speed, the most memory).
        min_relative_distance: lingua's minimum distance between the best and the
            second language (0.0 to 0.99); above 0 makes ambiguous texts unknown.
        max_chars: classify only the first this many characters of the body (the
            cost grows with the text; ``0`` uses the whole text).
        column: the text column to classify (``text``, the clean body; ``norm``
            to run before the segmenter).
        fast_path: ask CLD2 first and keep its answer when it is sure (see the
            module docstring); ``false`` asks lingua about every text.
        fast_min_percent: the share of the text (percent) CLD2 must give to its
            top language for the answer to stand.
        fast_min_bytes: the fewest bytes of text CLD2 must have classified;
            shorter texts go to lingua, which is better on them.
    """

    name: ClassVar[str] = "lang"
    version: ClassVar[str] = "lang.cld2-lingua.v3"
    requires: ClassVar[tuple[str, ...]] = ("text",)
    assigns: ClassVar[tuple[str, ...]] = ("lang", "reject_reason")

    languages: list[str] = field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    keep: list[str] = field(default_factory=lambda: ["en"])
    keep_unknown: bool = True
    low_accuracy: bool = True
    preload: bool = False
    min_relative_distance: float = 0.0
    max_chars: int = 2000
    column: str = "text"
    fast_path: bool = True
    fast_min_percent: int = 90
    fast_min_bytes: int = 200

    def __post_init__(self):
        from lingua import IsoCode639_1

        def codes(values, what):
            out = []
            for v in values or []:
                try:
                    IsoCode639_1.from_str(str(v).strip().upper())
                except ValueError:
                    raise BuilderError(f"lang.{what}: {v!r} is not an ISO 639-1 code lingua knows") from None
                out.append(str(v).strip().lower())
            return out

        self.languages = codes(self.languages, "languages")
        self.keep = codes(self.keep, "keep")
        if len(self.languages) == 1:
            raise BuilderError("lang.languages needs at least two candidates (or [] for all languages)")
        missing = [k for k in self.keep if self.languages and k not in self.languages]
        if missing:
            raise BuilderError(f"lang.keep {missing} not among lang.languages: add them there")
        if not 0.0 <= self.min_relative_distance <= 0.99:
            raise BuilderError("lang.min_relative_distance must be between 0.0 and 0.99")
        if not 0 <= self.fast_min_percent <= 100:
            raise BuilderError("lang.fast_min_percent must be between 0 and 100")
        if self.fast_path:
            try:
                import pycld2  # noqa: F401
            except ImportError:
                raise BuilderError("lang.fast_path=true needs pycld2 (pip install pycld2), "
                                   "or set lang.fast_path=false to use lingua alone") from None
        self._detector = None

    @property
    def identity(self) -> dict:
        """Name and version of the models, for the manifest."""
        from builder.ids import package_version

        version = package_version("lingua-language-detector")
        if not self.fast_path:
            return {"name": "lingua", "version": version}
        return {"name": "cld2+lingua", "version": f"pycld2 {package_version('pycld2')}, lingua {version}"}

    # -- the detector, built lazily once per worker -------------------------
    @property
    def detector(self):
        if self._detector is None:
            self._detector = self._build()
        return self._detector

    def _build(self):
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        if self.languages:
            codes = [IsoCode639_1.from_str(c.upper()) for c in self.languages]
            b = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        else:
            b = LanguageDetectorBuilder.from_all_languages()
        if self.low_accuracy:
            b = b.with_low_accuracy_mode()
        if self.preload:
            b = b.with_preloaded_language_models()
        if self.min_relative_distance:
            b = b.with_minimum_relative_distance(self.min_relative_distance)
        return b.build()

    def __getstate__(self):  # the detector stays in its worker
        state = dict(self.__dict__)
        state["_detector"] = None
        return state

    # -- API ---------------------------------------------------------------
    def detect(self, text: str | None) -> str | None:
        """ISO 639-1 code of ``text``'s language, or None (empty, no letters, undecided)."""
        if not text or not any(ch.isalpha() for ch in text):
            return None
        if self.max_chars and len(text) > self.max_chars:
            cut = text.rfind(" ", 0, self.max_chars)
            text = text[: cut if cut > 0 else self.max_chars]
        if self.fast_path:
            code = self._cld2(text)
            if code is not None:
                return code
        lang = self.detector.detect_language_of(text)
        return lang.iso_code_639_1.name.lower() if lang is not None else None

    def _cld2(self, text: str) -> str | None:
        """CLD2's answer when it is sure and a candidate, else None (lingua decides)."""
        import pycld2

        try:
            reliable, nbytes, details = pycld2.detect(text)[:3]
        except pycld2.error:  # CLD2 refuses some control characters and lone surrogates
            try:
                reliable, nbytes, details = pycld2.detect(_CLD2_REFUSED_RE.sub(" ", text))[:3]
            except pycld2.error:
                return None
        if not reliable or nbytes < self.fast_min_bytes or details[0][2] < self.fast_min_percent:
            return None
        code = details[0][1].split("-")[0].lower()
        code = _CLD2_CODES.get(code, code)
        if code not in _lingua_codes():
            return None
        # sure of a language that is not a candidate: lingua, choosing among the candidates only, could but name a
        # wrong one (Latvian came out as Swedish), so CLD2's answer stands
        return code

    def __call__(self, table: pa.Table) -> pa.Table:
        if self.column not in table.column_names:
            raise BuilderError(
                f"stage '{self.name}' needs column '{self.column}' that no earlier stage produced; "
                "check the order of stages in the config"
            )
        langs = [self.detect(t) for t in table.column(self.column).to_pylist()]
        table = set_column(table, "lang", langs, pa.string())
        if not self.keep:
            return table
        prev = table.column("reject_reason").to_pylist() if "reject_reason" in table.column_names else None
        reasons = []
        for i, lang in enumerate(langs):
            first = prev[i] if prev else None
            reasons.append(first or (None if self.kept(lang) else "language"))
        return set_column(table, "reject_reason", reasons, pa.string())

    def kept(self, lang: str | None) -> bool:
        """Whether a document detected as ``lang`` stays (always, when ``keep`` is empty)."""
        if not self.keep:
            return True
        if lang is None:
            return self.keep_unknown
        return lang in self.keep
