"""``builder generate``: deterministic, the right count, varied, and buildable."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import build_release

from builder.errors import BuilderError
from builder.generate import generate, main


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def texts(root: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.txt"))]


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    generate(tmp_path / "a", 120, seed=3)
    generate(tmp_path / "b", 120, seed=3)
    generate(tmp_path / "c", 120, seed=4)
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
    assert tree_digest(tmp_path / "a") != tree_digest(tmp_path / "c")


def test_prefix_does_not_depend_on_n(tmp_path):
    generate(tmp_path / "small", 40, seed=1, fmt="jsonl")
    generate(tmp_path / "big", 90, seed=1, fmt="jsonl")
    small = (tmp_path / "small" / "articles-00000.jsonl").read_text(encoding="utf-8").splitlines()
    big = (tmp_path / "big" / "articles-00000.jsonl").read_text(encoding="utf-8").splitlines()
    assert big[:40] == small


def test_count_and_formats(tmp_path):
    res = generate(tmp_path / "t", 250, seed=0)
    assert res["articles"] == 250 == sum(res["kinds"].values())
    assert len(list((tmp_path / "t").rglob("*.txt"))) == 250
    assert len([d for d in (tmp_path / "t").iterdir() if d.is_dir()]) >= 8  # a folder per site
    main(["--out", str(tmp_path / "j"), "--n", "250", "--format", "jsonl"])
    recs = [json.loads(line) for line in (tmp_path / "j" / "articles-00000.jsonl").open(encoding="utf-8")]
    assert len(recs) == 250 and len({r["id"] for r in recs}) == 250
    assert {"id", "url", "title", "date", "text", "kind"} <= set(recs[0])


def test_variety(tmp_path):
    res = generate(tmp_path / "v", 600, seed=0)
    docs = texts(tmp_path / "v")
    joined = "\n".join(docs)
    for marker in ("Read more:", "Related Stories", "... World News -", "READ MORE: ", "You may also like",
                   "Subscribe to our newsletter", "Follow us on", "Share this article", "All rights reserved"):
        assert marker in joined or marker.replace("World News", "Local News") in joined, marker
    assert "â€" in joined  # mojibake for normalize to repair
    assert {"near_duplicate", "exact_duplicate", "short", "symbols", "repeated", "empty"} <= set(res["kinds"])
    lengths = sorted(len(d.split()) for d in docs if d)
    assert lengths[0] < 20 and lengths[len(lengths) // 10] < 300 and lengths[-len(lengths) // 10] > 600
    assert len(set(docs)) < len(docs)  # exact copies


def test_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(BuilderError, match="not an empty folder"):
        generate(tmp_path / "x", 3)


def test_a_build_of_generated_documents(tmp_path):
    res = generate(tmp_path / "corpus", 50, seed=7)
    summary = build_release(tmp_path, tmp_path / "corpus", ["ner=none", "stance=none", "release.arrow=false"])
    c = summary["counts"]
    assert c["read"] == 50 and c["written"] + c["rejected_total"] == 50
    assert c["written"] >= 40 and c["rejected_total"] >= res["kinds"].get("empty", 0)
    import pyarrow.parquet as pq

    teasers = sum(pq.read_metadata(p).num_rows for p in (Path(summary["path"]) / "teasers").rglob("*.parquet"))
    assert teasers > 2 * c["written"]


def test_wire_copy_is_not_pasted_twice_into_an_article(tmp_path):
    """About one sentence in 40 comes from the seed articles (wire copy); an article uses each at most once (a
    sentence pasted twice is what the quality filter's repetition rules reject, so it would skew the benchmarks)."""
    from builder.generate import seed_sentences

    generate(tmp_path / "w", 400, seed=5, fmt="jsonl")
    wire = [s for s in seed_sentences() if len(s.split()) >= 8]
    used = twice = 0
    for line in (tmp_path / "w" / "articles-00000.jsonl").open(encoding="utf-8"):
        rec = json.loads(line)
        if rec["kind"] in ("repeated", "exact_duplicate", "near_duplicate"):
            continue
        counts = [rec["text"].count(s) for s in wire]
        used += sum(c > 0 for c in counts)
        twice += sum(c > 1 for c in counts)
    assert used > 20 and twice == 0
