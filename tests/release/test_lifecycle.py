"""Versions, reproducibility, resume, verify, diff and export of releases."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from builder.pipeline import Pipeline
from builder.release.diff import diff_releases, to_markdown
from builder.release.verify import verify
from conftest import build_release, require_spacy_model
from corpus import write_corpus

pytestmark = require_spacy_model()
FAST = ["ner=none"]


def hashes(root: Path) -> dict[str, str]:
    """Digests of every file but the two that record the build itself (time, paths, workers)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name not in ("manifest.json", "config.yaml")}


def rel(tmp: Path, s: dict) -> Path:
    return Path(s["path"]) if Path(s["path"]).is_absolute() else tmp / "dist" / s["name"] / s["version"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus") / "src", n=10)


def test_same_inputs_give_byte_identical_release(tmp_path, corpus):
    a = build_release(tmp_path / "a", corpus, ["source.shard_size=3"])
    b = build_release(tmp_path / "b", corpus, ["source.shard_size=4"])  # sharding does not change the data
    assert a["fingerprint"] == b["fingerprint"]
    ha, hb = hashes(Path(a["path"])), hashes(Path(b["path"]))
    assert ha == hb
    assert any(k.endswith(".parquet") for k in ha) and any(k.endswith(".arrow") for k in ha)


def test_rows_are_in_input_order_whatever_the_shards(tmp_path, corpus):
    # small files force chunk and file boundaries that fall inside shards
    small = ["release.max_rows_per_file=4", "ner=spacy"]
    a = build_release(tmp_path / "a", corpus, ["source.shard_size=3", *small])
    b = build_release(tmp_path / "b", corpus, ["source.shard_size=7", *small])
    assert hashes(Path(a["path"])) == hashes(Path(b["path"]))
    root = Path(a["path"])
    for split in ("train", "validation", "test"):
        files = sorted((root / "articles").glob(f"{split}-*.parquet"))
        if not files:
            continue
        sources = [s for f in files for s in pq.read_table(f).column("source").to_pylist()]
        assert sources == sorted(sources)  # input order: sorted paths
        order = {}
        for f in sorted((root / "ner").glob(f"{split}-*.parquet")):
            t = pq.read_table(f, columns=["article_id", "sentence"])
            for aid, k in zip(t.column("article_id").to_pylist(), t.column("sentence").to_pylist()):
                order.setdefault(aid, []).append(k)
        assert all(ks == sorted(ks) for ks in order.values())
        arts = [a for f in files for a in pq.read_table(f).column("id").to_pylist()]
        seen = list(dict.fromkeys(order))  # sentences grouped by article, articles in release order
        assert seen == [x for x in arts if x in order]


def test_killed_build_resumes_and_gives_the_same_release(tmp_path, corpus, monkeypatch):
    ref = build_release(tmp_path / "ref", corpus, ["source.shard_size=2", *FAST])
    calls = {"p1": 0, "p2": 0}
    real1, real2 = Pipeline.run_phase1, Pipeline.run_phase2

    def p1(self, *a, **k):
        calls["p1"] += 1
        return real1(self, *a, **k)

    def p2_dies(self, *a, **k):
        calls["p2"] += 1
        if calls["p2"] == 3:
            raise KeyboardInterrupt("killed")
        return real2(self, *a, **k)

    monkeypatch.setattr(Pipeline, "run_phase1", p1)
    monkeypatch.setattr(Pipeline, "run_phase2", p2_dies)
    with pytest.raises(KeyboardInterrupt):
        build_release(tmp_path / "x", corpus, ["source.shard_size=2", *FAST])
    base = tmp_path / "x" / "dist" / ref["name"]
    assert not (base / ref["version"]).exists(), "no partial release may be visible"
    assert calls == {"p1": 5, "p2": 3}
    monkeypatch.setattr(Pipeline, "run_phase2", lambda self, *a, **k: (calls.__setitem__("p2", calls["p2"] + 1), real2(self, *a, **k))[1])
    calls.update(p1=0, p2=0)
    done = build_release(tmp_path / "x", corpus, ["source.shard_size=2", *FAST])
    assert calls == {"p1": 0, "p2": 3}, "finished shards are reused"
    assert hashes(Path(done["path"])) == hashes(Path(ref["path"]))
    assert not (tmp_path / "x" / "dist" / ".work").exists(), "work files are removed after success"


def test_bump_changelog_verify_and_diff(tmp_path, corpus, monkeypatch):
    s1 = build_release(tmp_path, corpus)
    s2 = build_release(tmp_path, corpus, ["dataset.bump=patch", "ner=spacy_conll"])
    assert (s1["version"], s2["version"]) == ("0.1.0", "0.1.1")
    base = tmp_path / "dist" / s1["name"]
    assert (base / "LATEST").read_text().strip() == "0.1.1"
    log = (base / "CHANGELOG.md").read_text()
    assert log.index("## 0.1.1") < log.index("## 0.1.0") and "ner.scheme: 'ontonotes' -> 'conll'" in log
    r1, r2 = base / "0.1.0", base / "0.1.1"
    assert verify(r2) == []
    res = diff_releases(r1, r2)
    ner = res["configs"]["ner"]
    moves = {(a, b): n for sp in ner.values() for a, b, n in sp["label_changes"]}
    assert moves.get(("GPE", "LOC"), 0) > 0 and moves.get(("PERSON", "PER"), 0) > 0
    assert ("DATE", "(none)") in moves
    assert sum(sp["changed"] for sp in ner.values()) > 0
    assert all(sp["added"] == sp["removed"] == 0 for sp in res["configs"]["articles"].values())
    md = to_markdown(res)
    assert "| ner |" in md and "| GPE | LOC |" in md
    # the changed NER rows' entities compared a few at a time (many passes) give the same result
    import builder.release.diff as diff_mod

    monkeypatch.setattr(diff_mod, "_ENTITY_BATCH", 3)
    assert diff_releases(r1, r2) == res
    monkeypatch.undo()
    card = (r2 / "README.md").read_text()
    assert "### Changes from 0.1.0 to 0.1.1" in card
    fm = yaml.safe_load(card.split("---\n")[1])
    assert fm["configs"]
    for img in ("images/split_sizes.png", "images/stance_labels.png", "images/ner_entities.png"):
        assert f"]({img})" in card and (r2 / img).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the card names every setting of every stage (long lists shortened, none cut off)
    from builder.release.card import md_escape

    built = card[card.index("## How it was built"):]
    for st in json.loads((r2 / "manifest.json").read_text())["stages"]:
        row = next(line for line in built.splitlines() if line.startswith(f"| {st['name']} |"))
        assert all(f"{md_escape(k)}=" in row for k in st["config"]), st["name"]


def test_verify_finds_corruption(tmp_path, corpus):
    s = build_release(tmp_path, corpus, FAST)
    root = Path(s["path"])
    assert verify(root) == []
    f = next((root / "articles").glob("train-*.parquet"))
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    (root / "audit" / "rejected.parquet").unlink()
    (root / "stray.txt").write_text("x")
    card = (root / "README.md").read_text()
    (root / "README.md").write_text(card.replace("num_examples: ", "num_examples: 1", 1))
    problems = verify(root)
    text = "\n".join(problems)
    assert f"{f.relative_to(root).as_posix()}: content changed" in text
    assert "audit/rejected.parquet: missing" in text
    assert "stray.txt: not listed" in text
    assert "README.md" in text and "the card says" in text
    r = subprocess.run([sys.executable, "-m", "builder.cli", "verify", str(root), "--no-load"], capture_output=True, text=True)
    assert r.returncode == 1 and "problem(s)" in r.stdout


def test_verify_catches_out_of_range_labels(tmp_path, corpus):
    import pyarrow as pa

    s = build_release(tmp_path, corpus, FAST)
    root = Path(s["path"])
    f = next((root / "teasers").glob("train-*.parquet"))
    t = pq.read_table(f)
    bad = t.set_column(t.column_names.index("kind"), t.schema.field("kind"), pa.array([7] * t.num_rows, pa.int64()))
    pq.write_table(bad, f)
    m = json.loads((root / "manifest.json").read_text())
    for rec in m["files"]:  # a release "fixed up" to match its manifest still has bad labels
        if rec["path"] == f.relative_to(root).as_posix():
            rec["sha256"] = hashlib.sha256(f.read_bytes()).hexdigest()
            rec["bytes"] = f.stat().st_size
    (root / "manifest.json").write_text(json.dumps(m))
    assert any("out of range" in p for p in verify(root))


def test_export_formats(tmp_path, corpus):
    s = build_release(tmp_path, corpus)
    root = Path(s["path"])
    out = tmp_path / "exp"
    from builder.release.export import export_conll, export_jsonl, export_spacy

    conll = export_conll(root, out)
    text = conll[0].read_text()
    assert text.startswith("-DOCSTART-") and any(ln.endswith("B-GPE") for ln in text.splitlines())
    # one document per article, in release order (streamed: an article's sentences are together)
    rows = pq.read_table(sorted((root / "ner").glob("train-*.parquet"))[0], columns=["article_id", "tokens"]).to_pylist()
    firsts = [r["tokens"][0].replace(" ", "_") for i, r in enumerate(rows) if not i or r["article_id"] != rows[i - 1]["article_id"]]
    docs = text.split("-DOCSTART- -X- -X- O\n\n")[1:]
    assert [d.split(" ", 1)[0] for d in docs] == firsts
    js = export_jsonl(root, out)
    row = json.loads((out / "stance" / "train.jsonl").read_text().splitlines()[0])
    assert row["label"] in ("agree", "disagree", "discuss", "unrelated")
    sp = export_spacy(root, out)
    import spacy
    from spacy.tokens import DocBin

    docs = list(DocBin().from_disk(sp[0]).get_docs(spacy.blank("en").vocab))
    assert docs and any(d.ents for d in docs)
    assert len(js) >= 4


def test_manifest_lists_are_streamed_one_line_per_record(tmp_path):
    from builder.release.manifest import write_manifest

    n = 2500  # more than one batch of lines
    records = ({"path": f"a/{i:05d}.txt", "bytes": i, "sha256": f"{i:064x}"} for i in range(n))
    head = {"name": "x", "version": "0.1.0", "inputs": records, "counts": {"read": n}, "files": iter(()),
            "note": "@@inputs@@ is only text"}
    write_manifest(tmp_path / "manifest.json", head)
    text = (tmp_path / "manifest.json").read_text(encoding="utf-8")
    m = json.loads(text)
    assert m["inputs"] == [{"path": f"a/{i:05d}.txt", "bytes": i, "sha256": f"{i:064x}"} for i in range(n)]
    assert m["files"] == [] and m["counts"] == {"read": n} and m["note"] == "@@inputs@@ is only text"
    lines = text.splitlines()
    assert sum(ln.startswith('    {"path": "a/') for ln in lines) == n  # one compact line per input
    assert list(m) == ["name", "version", "inputs", "counts", "files", "note"]  # the order as given


def test_fingerprint_is_the_digest_of_the_whole_description(tmp_path):
    """Hashed a thousand inputs at a time, it is still json_digest of one document (across batch edges)."""
    from builder.build import __version__, fingerprint_of, output_config, plain_config, stage_versions
    from builder.ids import json_digest
    from builder.sources.base import InputFile
    from conftest import compose

    c = plain_config(compose(["ner=none", f"source.path={tmp_path}"]))
    models = {"lang": "cld2+lingua"}
    for n in (1, 1000, 1001, 2345):
        inputs = [InputFile(path=f"{tmp_path}/{i}", rel=f"d/é \"{i}\".txt", size=i, sha256=f"{i:064x}")
                  for i in range(n)]
        whole = json_digest({"builder": __version__, "inputs": [(f.rel, f.sha256) for f in inputs],
                             "config": output_config(c), "models": models, "stages": stage_versions(c)})
        assert fingerprint_of(c, inputs, models) == whole
    assert fingerprint_of(c, inputs[:-1], models) != fingerprint_of(c, inputs, models)


def test_diff_matches_rows_by_id_without_holding_them(tmp_path):
    """Added, removed and changed rows and label moves, from row digests (a repeated id keeps its last row)."""
    import pyarrow as pa

    def release(name: str, rows: list[dict]) -> Path:
        root = tmp_path / name
        (root / "stance").mkdir(parents=True)
        (root / "manifest.json").write_text(json.dumps({"name": "x", "version": name}, indent=2))
        pq.write_table(pa.Table.from_pylist(rows), root / "stance" / "train-00000-of-00001.parquet")
        return root

    old = release("1.0.0", [{"id": "a", "label": "agree", "text": "x"}, {"id": "b", "label": "agree", "text": "y"},
                            {"id": "c", "label": "discuss", "text": "z"}, {"id": "d", "label": "agree", "text": "w"}])
    new = release("1.1.0", [{"id": "b", "label": "disagree", "text": "y"}, {"id": "c", "label": "discuss", "text": "z!"},
                            {"id": "e", "label": "agree", "text": "v"}, {"id": "d", "label": "unrelated", "text": "w"},
                            {"id": "d", "label": "agree", "text": "w"}])
    res = diff_releases(old, new)
    assert res["versions"] == ["1.0.0", "1.1.0"]
    sp = res["configs"]["stance"]["train"]
    assert (sp["old"], sp["new"], sp["added"], sp["removed"], sp["changed"]) == (4, 4, 1, 1, 2)
    assert sp["examples"] == {"added": ["e"], "removed": ["a"], "changed": ["b", "c"]}
    assert sp["label_changes"] == [["agree", "disagree", 1]]


def test_read_manifest_passes_over_the_inputs(tmp_path, corpus):
    """verify, export and a rebuild read the manifest without its list of inputs (100 MB at a million inputs)."""
    from builder.release.manifest import read_manifest

    s = build_release(tmp_path, corpus, FAST)
    root = Path(s["path"])
    whole = json.loads((root / "manifest.json").read_text())
    assert len(whole["inputs"]) > 1 and whole["files"]
    assert read_manifest(root) == {**whole, "inputs": []}
    assert read_manifest(root, skip=("inputs", "files")) == {**whole, "inputs": [], "files": []}
    (root / "manifest.json").write_text(json.dumps(whole))  # another layout: parsed whole
    assert read_manifest(root) == {**whole, "inputs": []}
    assert verify(root, load=False) == []
    (root / "manifest.json").write_text(json.dumps(whole)[:-20])
    assert verify(root, load=False)[0].startswith("manifest.json: not valid JSON")


def test_row_digests_tell_every_kind_of_change_apart():
    """The diff's vectorised row digests: equal rows give equal digests wherever they sit in a batch (a slice,
    another batch), and a change anywhere in a row (a nested label, the order of tokens, a null for an empty
    value, columns swapped) changes its digest."""
    import pyarrow as pa

    from builder.release.diff import row_digests

    ent = pa.struct([("start", pa.int32()), ("end", pa.int32()), ("label", pa.string())])
    schema = pa.schema([("id", pa.string()), ("tokens", pa.list_(pa.string())), ("tags", pa.list_(pa.int32())),
                        ("entities", pa.list_(ent)), ("score", pa.float64()), ("ok", pa.bool_()),
                        ("kind", pa.dictionary(pa.int8(), pa.string()))])
    base = {"id": "a", "tokens": ["Ada", "met", "Bob"], "tags": [1, 0, 1],
            "entities": [{"start": 0, "end": 3, "label": "PER"}, {"start": 8, "end": 11, "label": "PER"}],
            "score": 0.5, "ok": True, "kind": "x"}
    variants = [
        {"id": "b"}, {"id": None}, {"id": ""},
        {"tokens": ["Bob", "met", "Ada"]}, {"tokens": ["Ada", "met"]}, {"tokens": []}, {"tokens": None},
        {"tokens": ["Ada", "met", "Bob", ""]}, {"tokens": ["Adamet", "", "Bob"]}, {"tokens": ["Ada", None, "Bob"]},
        {"tags": [1, 1, 0]}, {"tags": [0, 1, 1]}, {"tags": [1, 0]},
        {"entities": [{"start": 0, "end": 3, "label": "ORG"}, {"start": 8, "end": 11, "label": "PER"}]},
        {"entities": [{"start": 8, "end": 11, "label": "PER"}, {"start": 0, "end": 3, "label": "PER"}]},
        {"entities": [{"start": 0, "end": 3, "label": "PER"}]}, {"entities": []}, {"entities": None},
        {"entities": [None, {"start": 8, "end": 11, "label": "PER"}]},
        {"entities": [{"start": 0, "end": 3, "label": None}, {"start": 8, "end": 11, "label": "PER"}]},
        {"score": -0.5}, {"score": None}, {"score": 0.0}, {"ok": False}, {"ok": None}, {"kind": "y"}, {"kind": None},
    ]
    rows = [base] + [{**base, **v} for v in variants]
    table = pa.Table.from_pylist(rows + rows, schema=schema)
    batch = table.combine_chunks().to_batches()[0]
    digests = row_digests(batch)
    n = len(rows)
    assert len(set(digests[:n].tolist())) == n, "every variant differs from the base row and from each other"
    assert (digests[:n] == digests[n:]).all(), "the same row gives the same digest wherever it is"
    assert (row_digests(batch.slice(n)) == digests[n:]).all() and (row_digests(batch.slice(3, 5)) == digests[3:8]).all()
    again = pa.Table.from_pylist(list(reversed(rows)), schema=schema).to_batches()[0]
    assert (row_digests(again)[::-1] == digests[:n]).all(), "a row's digest does not depend on its neighbours"
    pair = row_digests(pa.RecordBatch.from_pydict({"a": ["x", "y"], "b": ["y", "x"]}))
    assert pair[0] != pair[1], "the columns' order counts"
