"""``builder eval ner``: score a NER labeler (or a user's predictions) against gold tags.

Two kinds of gold:

- ``--gold FILE``: CoNLL format (a token first and its tag last on each
  line, a blank line between sentences, ``-DOCSTART-`` lines between
  documents; IOB1 or IOB2 tags). The configured labeler (the ``ner`` config
  group, with ``key=value`` overrides such as ``ner.model=/path`` or
  ``ner.consistency=false``) tags the gold tokens, document by document.
- ``--release DIR``: the ``ner`` test split of a release (``ner/test-*.parquet``),
  scored against ``--predictions-in FILE`` (JSON Lines of ``{"id": ..., "tags":
  [...]}``, tag names or ids), so the release serves as a benchmark for other
  models; without ``--predictions-in`` the configured labeler tags it.

Precision, recall and F1 per type and micro-averaged, with exact span
matching (type, first and last token), as ``seqeval`` computes them in its
default mode. ``--scheme conll`` maps OntoNotes types to CoNLL-2003 on both
sides first. ``--ablation`` scores the bare model, each correction on its own
and all of them.

Examples::

    builder eval ner --gold tests/fixtures/ner/newswire_dev.conll --scheme conll
    builder eval ner --gold gold.conll --scheme conll --predictions out.txt ner.model=/models/my_pipeline
    builder eval ner --gold gold.conll --scheme conll --ablation
    builder eval ner --release dist/news-articles/0.2.0 --predictions-in preds.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from builder.errors import BuilderError

#: the corrections of SpacyEntityTagger, in the order of the ablation table
STEPS = ("truecase_headlines", "datelines", "fix_boundaries", "sports", "consistency")


# -- reading gold --------------------------------------------------------------
@dataclass
class Gold:
    """Documents → sentences, each a (tokens, tags) pair, plus sentence ids when known."""

    documents: list[list[tuple[list[str], list[str]]]]
    source: str
    ids: list[list[str]] = field(default_factory=list)

    @property
    def sentences(self) -> list[tuple[list[str], list[str]]]:
        return [s for d in self.documents for s in d]


def _check_tag(tag: str, where: str) -> None:
    if tag == "O":
        return
    if len(tag) < 3 or tag[0] not in "BIES" or tag[1] not in "-_":
        raise BuilderError(f"{where}: tag {tag!r} is not O or B-TYPE / I-TYPE (IOB)")


def read_conll(path: str | Path) -> Gold:
    """Read CoNLL-format gold: ``token ... tag`` per line, blank lines between sentences, ``-DOCSTART-`` documents."""
    p = Path(path)
    if not p.is_file():
        raise BuilderError(f"gold file {p} does not exist")
    try:
        text = p.read_text("utf-8")
    except UnicodeDecodeError as e:
        raise BuilderError(f"gold file {p} is not UTF-8 text: {e}") from None
    documents: list[list[tuple[list[str], list[str]]]] = [[]]
    toks: list[str] = []
    tags: list[str] = []

    def end_sentence():
        if toks:
            documents[-1].append((list(toks), list(tags)))
            toks.clear()
            tags.clear()

    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            end_sentence()
            continue
        if parts[0] == "-DOCSTART-":
            end_sentence()
            if documents[-1]:
                documents.append([])
            continue
        if len(parts) < 2:
            raise BuilderError(f"{p}:{n}: expected a token and a tag separated by whitespace, got {line.strip()!r}")
        _check_tag(parts[-1], f"{p}:{n}")
        toks.append(parts[0])
        tags.append(parts[-1])
    end_sentence()
    documents = [d for d in documents if d]
    if not documents:
        raise BuilderError(f"gold file {p} has no sentences (expected 'token tag' lines)")
    return Gold(documents, str(p))


# -- metrics, as seqeval computes them -----------------------------------------
def get_entities(tags: list[str]) -> list[tuple[str, int, int]]:
    """Chunks ``(type, first, last)`` of an IOB1/IOB2/IOBES tag sequence, like ``seqeval.metrics.sequence_labeling.get_entities``."""
    chunks = []
    prev_tag, prev_type, begin = "O", "", 0
    for i, chunk in enumerate(list(tags) + ["O"]):
        tag = chunk[0] if chunk != "O" else "O"
        typ = chunk[2:] if chunk != "O" else ""
        end = (prev_tag in ("E", "S") or (prev_tag == "B" and tag in ("B", "S", "O"))
               or (prev_tag == "I" and tag in ("B", "S", "O")) or (prev_tag != "O" and prev_type != typ))
        if end:
            chunks.append((prev_type, begin, i - 1))
        start = (tag in ("B", "S") or (prev_tag in ("E", "S", "O") and tag in ("E", "I"))
                 or (tag != "O" and prev_type != typ))
        if start:
            begin = i
        prev_tag, prev_type = tag, typ
    return chunks


def spans(sentences: list[list[str]]) -> set[tuple[int, str, int, int]]:
    return {(k, t, a, b) for k, tags in enumerate(sentences) for t, a, b in get_entities(tags)}


def score(gold: list[list[str]], pred: list[list[str]]) -> dict:
    """Per-type and micro/macro precision, recall, F1 and support with exact span matching."""
    if len(gold) != len(pred):
        raise BuilderError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    for k, (g, p) in enumerate(zip(gold, pred)):
        if len(g) != len(p):
            raise BuilderError(f"sentence {k}: {len(g)} gold tags but {len(p)} predicted")
    G, P = spans(gold), spans(pred)
    types = sorted({t for _, t, _, _ in G | P})

    def prf(tp, n_pred, n_gold):
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": n_gold}

    out = {"types": {}}
    for t in types:
        g = {x for x in G if x[1] == t}
        p = {x for x in P if x[1] == t}
        out["types"][t] = prf(len(g & p), len(p), len(g))
    out["micro"] = prf(len(G & P), len(P), len(G))
    if types:
        m = out["types"].values()
        out["macro"] = {k: sum(x[k] for x in m) / len(types) for k in ("precision", "recall", "f1")}
        out["macro"]["support"] = len(G)
    else:
        out["macro"] = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    out["predicted"] = len(P)
    return out


def format_report(rep: dict, digits: int = 4) -> str:
    """A table like ``seqeval.metrics.classification_report``."""
    w = max([9] + [len(t) for t in rep["types"]])
    head = f"{'':>{w}}  {'precision':>9}  {'recall':>9}  {'f1-score':>9}  {'support':>7}"
    lines = [head, ""]

    def row(name, r):
        return (f"{name:>{w}}  {r['precision']:>9.{digits}f}  {r['recall']:>9.{digits}f}  "
                f"{r['f1']:>9.{digits}f}  {r['support']:>7d}")

    for t, r in rep["types"].items():
        lines.append(row(t, r))
    lines.append("")
    lines.append(row("micro avg", rep["micro"]))
    lines.append(row("macro avg", rep["macro"]))
    return "\n".join(lines)


# -- schemes -------------------------------------------------------------------
def map_tags(tags: list[str], scheme: str | None) -> list[str]:
    """IOB2 tags with types mapped to ``scheme`` (``conll``: OntoNotes → CoNLL-2003; None: as they are).

    IOB1 input comes out as IOB2; a type that maps to nothing (DATE, ...) becomes O.
    """
    from builder.stages.ner import to_conll

    out = ["O"] * len(tags)
    for typ, a, b in get_entities(tags):
        t = to_conll(typ) if scheme == "conll" else typ
        if t:
            out[a] = "B-" + t
            for i in range(a + 1, b + 1):
                out[i] = "I-" + t
    return out


# -- the labeler -----------------------------------------------------------------
def configured_tagger(overrides: list[str], config_dir: str | None = None):
    """The ``ner`` stage a build with these overrides would use."""
    from omegaconf import OmegaConf

    from builder.cli import compose_config
    from builder.pipeline import instantiate_stage

    cfg = compose_config(overrides, config_dir)
    node = OmegaConf.to_container(cfg.get("ner"), resolve=True) if cfg.get("ner") is not None else None
    if not node or not node.get("_target_"):
        raise BuilderError("no NER labeler is configured (ner=none): pick one, e.g. ner=spacy")
    tagger = instantiate_stage(node)
    if not hasattr(tagger, "tag_documents"):
        raise BuilderError(f"the configured ner stage {node['_target_']} cannot tag given tokens (no tag_documents)")
    return tagger


def with_steps(tagger, on: set[str]):
    """A copy of ``tagger`` (sharing its loaded model) with only the corrections in ``on``."""
    import copy

    t = copy.copy(tagger)
    for s in STEPS:
        if hasattr(t, s):
            setattr(t, s, s in on)
    return t


def predict(tagger, gold: Gold) -> list[list[str]]:
    docs = [[toks for toks, _ in d] for d in gold.documents]
    return [tags for d in tagger.tag_documents(docs) for tags in d]


# -- release scoring -------------------------------------------------------------
def read_release_split(root: str | Path, split: str = "test") -> tuple[Gold, list[str]]:
    """The ner rows of a release split as gold (documents = articles) and the release's tag names."""
    import pyarrow.parquet as pq

    root = Path(root)
    if not (root / "manifest.json").is_file() and not (root / "ner").is_dir():
        raise BuilderError(f"{root} is not a release folder (no manifest.json or ner/): pass dist/<name>/<version>")
    files = sorted((root / "ner").glob(f"{split}-*.parquet"))
    if not files:
        raise BuilderError(f"release {root} has no ner {split} split (no ner/{split}-*.parquet: the split is empty "
                           "or the release was built with ner=none)")
    names = None
    rows = []
    for f in files:
        t = pq.read_table(f)
        if names is None:
            names = _tag_names(t.schema, f)
        missing = [c for c in ("id", "tokens", "ner_tags") if c not in t.column_names]
        if missing:
            raise BuilderError(f"{f} lacks column(s) {missing}: not a ner config file")
        cols = {c: t.column(c).to_pylist() for c in ("id", "article_id", "sentence", "tokens", "ner_tags")
                if c in t.column_names}
        for i in range(t.num_rows):
            rows.append({c: v[i] for c, v in cols.items()})
    rows.sort(key=lambda r: (r.get("article_id") or r["id"], r.get("sentence") or 0, r["id"]))
    docs: dict[str, list] = {}
    ids: dict[str, list] = {}
    for r in rows:
        key = r.get("article_id") or r["id"]
        tags = [names[x] if isinstance(x, int) else x for x in r["ner_tags"]]
        docs.setdefault(key, []).append((list(r["tokens"]), tags))
        ids.setdefault(key, []).append(r["id"])
    return Gold(list(docs.values()), f"{root} ({split})", list(ids.values())), names


def _tag_names(schema, path) -> list[str]:
    meta = (schema.metadata or {}).get(b"huggingface")
    if not meta:
        raise BuilderError(f"{path} has no Hugging Face features metadata: cannot tell the tag names")
    feats = json.loads(meta).get("info", {}).get("features", {})
    f = feats.get("ner_tags", {})
    inner = f.get("feature", f)
    names = inner.get("names")
    if not names:
        raise BuilderError(f"{path}: ner_tags is not a list of ClassLabel in the features metadata")
    return list(names)


def read_predictions(path: str | Path, gold: Gold, names: list[str]) -> list[list[str]]:
    """Tags per gold sentence from JSON Lines ``{"id": ..., "tags": [...]}`` (names or ids), checked against the gold."""
    p = Path(path)
    if not p.is_file():
        raise BuilderError(f"predictions file {p} does not exist")
    by_id: dict[str, list[str]] = {}
    known = set(names)
    for n, line in enumerate(p.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise BuilderError(f"{p}:{n}: not JSON ({e.msg})") from None
        if not isinstance(rec, dict) or "id" not in rec or "tags" not in rec or not isinstance(rec["tags"], list):
            raise BuilderError(f'{p}:{n}: expected an object {{"id": ..., "tags": [...]}}')
        rid = str(rec["id"])
        if rid in by_id:
            raise BuilderError(f"{p}:{n}: id {rid} appears twice")
        tags = []
        for x in rec["tags"]:
            if isinstance(x, bool) or not isinstance(x, (int, str)):
                raise BuilderError(f"{p}:{n}: tag {x!r} is neither a tag name nor an id")
            if isinstance(x, int):
                if not 0 <= x < len(names):
                    raise BuilderError(f"{p}:{n}: tag id {x} is out of range (the release has {len(names)} tags)")
                x = names[x]
            elif x not in known:
                _check_tag(x, f"{p}:{n}")
                raise BuilderError(f"{p}:{n}: tag {x!r} is not one of the release's tags ({', '.join(names)})")
            tags.append(x)
        by_id[rid] = tags
    want = [i for d in gold.ids for i in d]
    missing = [i for i in want if i not in by_id]
    extra = sorted(set(by_id) - set(want))
    if missing:
        raise BuilderError(f"{p}: no prediction for {len(missing)} of {len(want)} test sentences (first: {missing[0]})")
    if extra:
        raise BuilderError(f"{p}: {len(extra)} id(s) are not in the test split (first: {extra[0]})")
    out = []
    for d_ids, d in zip(gold.ids, gold.documents):
        for rid, (toks, _) in zip(d_ids, d):
            if len(by_id[rid]) != len(toks):
                raise BuilderError(f"{p}: id {rid} has {len(by_id[rid])} tags for {len(toks)} tokens")
            out.append(by_id[rid])
    return out


# -- output ----------------------------------------------------------------------
def write_predictions(path: str | Path, gold: Gold, gold_tags: list[list[str]], pred: list[list[str]]) -> None:
    """``token gold predicted`` lines, a blank line between sentences, ``-DOCSTART-`` between documents."""
    lines = []
    it = iter(zip(gold_tags, pred))
    for d in gold.documents:
        lines += ["-DOCSTART- O O", ""]
        for toks, _ in d:
            g_tags, p_tags = next(it)
            for tok, g, p in zip(toks, g_tags, p_tags):
                lines.append(f"{tok} {g} {p}")
            lines.append("")
    Path(path).write_text("\n".join(lines), "utf-8")


def evaluate(gold: Gold, pred: list[list[str]], scheme: str | None) -> tuple[dict, list[list[str]], list[list[str]]]:
    g = [map_tags(tags, scheme) for _, tags in gold.sentences]
    p = [map_tags(tags, scheme) for tags in pred]
    return score(g, p), g, p


def ablation(tagger, gold: Gold, scheme: str | None) -> list[tuple[str, dict]]:
    """Scores of the bare model, each correction alone, and all corrections."""
    steps = [s for s in STEPS if hasattr(tagger, s)]
    rows = [("bare", set())] + [(f"+{s}", {s}) for s in steps] + [("all", set(steps))]
    rows += [(f"all -{s}", set(steps) - {s}) for s in steps]
    return [(name, evaluate(gold, predict(with_steps(tagger, on), gold), scheme)[0]) for name, on in rows]


def format_ablation(rows: list[tuple[str, dict]]) -> str:
    types = sorted({t for _, r in rows for t in r["types"]})
    w = max(len(n) for n, _ in rows)
    lines = [f"{'F1':<{w}}  " + "  ".join(f"{t:>6}" for t in types) + "   micro-P  micro-R  micro-F1"]
    for name, r in rows:
        per = "  ".join(f"{r['types'].get(t, {'f1': 0.0})['f1']:>6.3f}" for t in types)
        m = r["micro"]
        lines.append(f"{name:<{w}}  {per}   {m['precision']:>7.4f}  {m['recall']:>7.4f}  {m['f1']:>8.4f}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="builder eval ner", description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--gold", metavar="FILE", help="CoNLL-format gold (token ... tag, -DOCSTART- documents)")
    src.add_argument("--release", metavar="DIR", help="a release folder, dist/<name>/<version>: score its ner test split")
    p.add_argument("--predictions-in", metavar="FILE", help='with --release: JSON Lines {"id": ..., "tags": [...]} to score')
    p.add_argument("--split", default="test", help="with --release: the split to score (default: test)")
    p.add_argument("--scheme", choices=["conll", "ontonotes"], default=None,
                   help="conll: map OntoNotes types to CoNLL-2003 (PER, ORG, LOC, MISC) on both sides first")
    p.add_argument("--predictions", metavar="OUT", help="write 'token gold predicted' lines here")
    p.add_argument("--ablation", action="store_true", help="score the bare model, each correction and all of them")
    p.add_argument("--json", metavar="OUT", help="write the scores as JSON here")
    p.add_argument("--config-dir", help="an extra config folder, as for a build")
    p.add_argument("overrides", nargs="*", help="config overrides, e.g. ner.model=/path ner.consistency=false")
    a = p.parse_intermixed_args(argv)
    if a.predictions_in and not a.release:
        p.error("--predictions-in goes with --release")
    bad = [o for o in a.overrides if "=" not in o]
    if bad:
        p.error(f"overrides are key=value, got {bad[0]!r}")

    scheme = None if a.scheme == "ontonotes" else a.scheme
    tagger = None
    if a.gold:
        gold = read_conll(a.gold)
    else:
        gold, names = read_release_split(a.release, a.split)
    if a.predictions_in:
        pred = read_predictions(a.predictions_in, gold, names)
        labeler = f"predictions {a.predictions_in}"
    else:
        tagger = configured_tagger(a.overrides, a.config_dir)
        pred = predict(tagger, gold)
        labeler = f"{tagger.labeler} ({tagger.version}, scheme {tagger.scheme})"
    rep, g, pr = evaluate(gold, pred, scheme)
    n_sent = len(gold.sentences)
    n_ent = sum(len(get_entities(t)) for t in g)
    print(f"gold: {gold.source}: {len(gold.documents)} documents, {n_sent} sentences, {n_ent} entities"
          + (f", scheme {a.scheme}" if a.scheme else ""))
    print(f"labeler: {labeler}")
    gold_types = {t for tags in g for t, _, _ in get_entities(tags)}
    pred_types = {t for tags in pr for t, _, _ in get_entities(tags)}
    conll = {"PER", "ORG", "LOC", "MISC"}
    if not a.scheme and gold_types and gold_types <= conll and pred_types - conll:
        print("note: the gold has CoNLL-2003 types and the predictions do not: "
              "--scheme conll maps OntoNotes types to CoNLL-2003 first")
    print(format_report(rep))
    result = {"gold": gold.source, "labeler": labeler, "scheme": a.scheme, "scores": rep}
    if a.ablation:
        if tagger is None:
            p.error("--ablation scores the configured labeler: leave out --predictions-in")
        rows = ablation(tagger, gold, scheme)
        print()
        print(format_ablation(rows))
        result["ablation"] = {n: r for n, r in rows}
    if a.predictions:
        write_predictions(a.predictions, gold, g, pr)
        print(f"predictions: {a.predictions}")
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=2, sort_keys=True), "utf-8")
    sys.stdout.flush()
    return 0

