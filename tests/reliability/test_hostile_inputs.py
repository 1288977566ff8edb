"""A hostile corpus, made here: every bad input is decoded sensibly or rejected with its reason."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import build_release, load
from corpus import article

FAST = ["ner=none", "stance=none", "executor.processes=1"]


def make_hostile_folder(root: Path) -> dict[str, str]:
    """Files of every bad kind beside good ones; returns {name: expected outcome}."""
    root.mkdir(parents=True)
    expect = {}

    def put(name, data: bytes, outcome):
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        expect[name] = outcome

    put("good_1.txt", article(1, "readmore").encode(), "ok")
    put("sub/dir/good_2.txt", article(2, "blocks").encode(), "ok")
    put("invalid_utf8.txt", article(3, None).encode() + b"\xff\xfe broken \xc3(", "ok")
    put("utf16_bom.txt", article(4, None).encode("utf-16"), "ok")
    put("latin1.txt", article(5, None).replace("Officials", "Fonctionnaires à Café").encode("latin-1"), "ok")
    put("nul_bytes.txt", article(6, None).replace(" on ", " on\x00 ", 2).encode(), "ok")
    put("binary.txt", os.urandom(4096) + b"\x00" * 200, "binary")
    put("empty.txt", b"", "empty")
    put("whitespace.txt", b"  \n\t \r\n  ", "empty")
    put("huge_single_line.txt", b"word " * (2_200_000), "too_large")  # 11 MB, one line
    put("long_lines.txt", (("lorem ipsum " * 20000) + "\n").encode() * 3 + article(7, None).encode(), "ok")
    put("only_teasers.txt", b"Read more:\nCouncil approves new tram line after long debate\n"
                            b"Teachers vote to strike over pay in the capital\n", "no_body")
    put("odd name \u00e9 [1] 'quote' ;rm -rf.txt", article(8, None).encode(), "ok")
    put("newline\nin name.txt", article(9, None).encode(), "ok")
    bad = root / "bad_bytes_\udcff.txt".encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
    os.makedirs(root, exist_ok=True)
    with open(os.fsencode(root) + b"/bad_bytes_\xff.txt", "wb") as fh:
        fh.write(article(10, None).encode())
    expect["bad_bytes_\\xff.txt"] = "ok"
    os.symlink("../", root / "sub" / "loop")  # a directory symlink loop
    os.symlink(root / "does-not-exist.txt", root / "broken_link.txt")
    expect["broken_link.txt"] = "unreadable"
    os.mkfifo(root / "a_fifo.txt")
    expect["a_fifo.txt"] = "not_a_file"
    return expect


def test_hostile_text_folder(tmp_path):
    src = tmp_path / "hostile"
    expect = make_hostile_folder(src)
    s = build_release(tmp_path, src, FAST)
    root = Path(s["path"])
    m = json.loads((root / "manifest.json").read_text())
    c = m["counts"]
    assert c["read"] == len(expect), (c, sorted(expect))
    assert c["read"] == c["written"] + c["rejected_total"]
    rejected = {r["source"]: r["reason"] for r in pq.read_table(root / "audit" / "rejected.parquet").to_pylist()}
    arts = {r["source"]: r for part in load(root, "articles", tmp_path).values() for r in part}
    for name, outcome in expect.items():
        shown = name.replace("\n", "\\n")
        if outcome == "ok":
            assert shown in arts, (name, rejected.get(shown))
        else:
            assert rejected.get(shown) == outcome, (name, rejected.get(shown))
    assert arts["utf16_bom.txt"]["encoding"] == "utf-16"
    assert arts["latin1.txt"]["encoding"] == "cp1252" and "Café" in arts["latin1.txt"]["text"]
    assert arts["invalid_utf8.txt"]["encoding"] == "cp1252"
    assert "\x00" not in arts["nul_bytes.txt"]["text"]
    # the good inputs beside them are unaffected
    clean = build_release(tmp_path / "clean", _copy_good(src, tmp_path / "good"), FAST)
    good = {r["source"]: r["text"] for part in load(Path(clean["path"]), "articles", tmp_path).values() for r in part}
    assert good["good_1.txt"] == arts["good_1.txt"]["text"] and good["sub/dir/good_2.txt"] == arts["sub/dir/good_2.txt"]["text"]


def _copy_good(src: Path, dst: Path) -> Path:
    for name in ("good_1.txt", "sub/dir/good_2.txt"):
        (dst / name).parent.mkdir(parents=True, exist_ok=True)
        (dst / name).write_bytes((src / name).read_bytes())
    return dst


def test_hostile_jsonl_and_parquet(tmp_path):
    src = tmp_path / "records"
    src.mkdir()
    lines = [json.dumps({"id": "a", "text": article(1, "readmore")}),
             "{not json",
             json.dumps({"id": "b"}),
             json.dumps({"id": "c", "text": ["a", "list"]}),
             json.dumps({"id": "a", "text": article(1, "readmore")}),  # the same record twice
             json.dumps({"id": "a", "text": article(2, None)}),          # same id, other text: another document
             json.dumps([1, 2, 3]),
             "",
             json.dumps({"id": 7, "text": article(3, None), "title": 12345})]
    (src / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (src / "bytes.jsonl").write_bytes(b'{"id": "x", "text": "\xff\xfe"}\n')
    s = build_release(tmp_path, src, [*FAST, "source=jsonl"])
    root = Path(s["path"])
    c = json.loads((root / "manifest.json").read_text())["counts"]
    assert c["read"] == 10 and c["written"] == 3
    assert c["rejected"] == {"invalid_json": 1, "missing_field": 1, "wrong_type": 1, "duplicate_id": 1,
                             "not_an_object": 1, "empty": 1, "invalid_utf8": 1}
    arts = [r for part in load(root, "articles", tmp_path).values() for r in part]
    assert len({a["id"] for a in arts}) == 3
    assert any(a["title"] == "12345" for a in arts)

    pq_src = tmp_path / "pq"
    pq_src.mkdir()
    pq.write_table(pa.table({"text": [article(1, None), None, ""], "id": ["1", "2", "3"]}), pq_src / "good.parquet")
    pq.write_table(pa.table({"body": ["x"]}), pq_src / "wrong_schema.parquet")
    (pq_src / "not_parquet.parquet").write_bytes(b"PAR1 this is not parquet")
    s = build_release(tmp_path / "p", pq_src, [*FAST, "source=parquet"])
    c = json.loads((Path(s["path"]) / "manifest.json").read_text())["counts"]
    assert c["written"] == 1 and c["rejected"] == {"missing_field": 1, "empty": 1, "wrong_schema": 1, "unreadable": 1}
    assert c["read"] == c["written"] + c["rejected_total"]


def test_hostile_metadata_cannot_break_the_card(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(article(1, None), encoding="utf-8")
    evil = "---\\nlicense: mit\\n[x](javascript:alert(1)) <script>alert(1)</script> | col |"
    s = build_release(tmp_path, src, [*FAST, f"dataset.pretty_name='{evil}'", f"dataset.description='{evil}'"])
    card = (Path(s["path"]) / "README.md").read_text()
    fm = yaml.safe_load(card.split("\n---\n")[0][4:])
    assert fm["license"] == "other" and fm["pretty_name"].startswith("---")
    body = card.split("\n---\n", 1)[1]
    assert "<script>" not in body and "](javascript" not in body


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", "", "x" * 200])
def test_path_traversal_in_names_is_refused(tmp_path, name):
    from builder.errors import BuilderError

    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(article(1, None), encoding="utf-8")
    with pytest.raises(BuilderError, match="not a valid name"):
        build_release(tmp_path, src, [*FAST, f"dataset.name='{name}'"])
    assert not any(p.name == "escape" for p in tmp_path.rglob("*"))


def test_version_must_be_semver(tmp_path):
    from builder.errors import BuilderError

    with pytest.raises(BuilderError, match="MAJOR.MINOR.PATCH"):
        build_release(tmp_path, tmp_path, [*FAST, "dataset.version=../../x"])
