"""The release writer's files written side by side: chunks read from any point of a split, statistics
merged from the files' own, and a release's rows and row groups whatever the order its files are written in."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.release import writer
from builder.prefetch import read_ahead
from builder.release.card import Statistics
from tests.conftest import build_release
from tests.corpus import write_corpus
from tests.release.test_lifecycle import hashes

SPLITS = ("test", "train", "validation")  # (sorted: the order sort_work leaves in a work shard)


@settings(max_examples=40, deadline=None)
@given(shards=st.lists(st.tuples(st.lists(st.sampled_from(SPLITS), max_size=12), st.integers(1, 5)), min_size=1,
                       max_size=5),
       size=st.integers(1, 7), first=st.integers(0, 12), count=st.integers(0, 12))
def test_any_run_of_chunks_reads_the_rows_of_the_whole_split(shards, size, first, count):
    """Chunks ``first`` to ``first + count`` of a split are the rows a reader going through the whole split
    would put in them: the same rows, cut at the same multiples of the chunk size, over shards and row
    groups of any size."""
    with tempfile.TemporaryDirectory() as tmp:
        paths, expected = [], {s: [] for s in SPLITS}
        for k, (splits, group) in enumerate(shards):
            rows = sorted(splits)
            values = []
            for s in rows:
                values.append(f"{s}-{len(expected[s])}")
                expected[s].append(values[-1])
            path = Path(tmp) / f"{k}.parquet"
            pq.write_table(pa.table({"split": pa.array(rows, pa.string()), "v": pa.array(values, pa.string())}),
                           path, row_group_size=group)
            paths.append(path)
        ranges = writer.shard_ranges(paths, SPLITS)
        for split in SPLITS:
            rows = writer.SplitRows(ranges[split])
            assert rows.n == len(expected[split])
            whole = [t.column("v").to_pylist() for t in rows.chunks(size)]
            assert [v for c in whole for v in c] == expected[split]
            assert all(len(c) == size for c in whole[:-1])
            part = [t.column("v").to_pylist() for t in rows.chunks(size, first, first + count)]
            assert part == whole[first:first + count]


@settings(max_examples=60, deadline=None)
@given(runs=st.lists(st.integers(1, 6), max_size=30), cuts=st.lists(st.integers(0, 200), max_size=6))
def test_statistics_of_the_files_merged_in_order_are_those_of_the_whole(runs, cuts):
    """Articles by number of teasers (runs of an article's id) come out the same from one pass over the
    teasers and from pieces cut anywhere (inside an article's run too), each counted on its own and merged in
    order; as do the additive counts."""
    ids = [f"a{i}" for i, n in enumerate(runs) for _ in range(n)]
    table = pa.table({"article_id": pa.array(ids, pa.string()), "kind": pa.array([i % 2 for i in range(len(ids))])})
    configs = {"articles": {"splits": {"train": {"num_examples": len(runs) + 3}}},
               "teasers": {"splits": {"train": {"num_examples": len(ids)}}}}
    whole = Statistics()
    whole.update("teasers", table)
    bounds = sorted({0, len(ids), *(c for c in cuts if c <= len(ids))})
    merged = Statistics()
    for lo, hi in zip(bounds, bounds[1:]):
        piece = Statistics()
        for a in range(lo, hi, 2):  # each piece in chunks of two rows, as a file job's chunks
            piece.update("teasers", table.slice(a, min(2, hi - a)))
        merged.merge(piece)
    expected = Counter(runs)
    expected[0] = 3  # the articles without teasers
    want = {k: expected[k] for k in sorted(expected)}
    assert whole.result(configs)["teasers_per_article_hist"] == want
    assert merged.result(configs) == whole.result(configs)


def test_files_written_side_by_side_hold_the_split_in_order(tmp_path, monkeypatch):
    """Chunks of 3 rows and files of 4: chunks straddle files. Every file holds its rows of the split in
    order, in row groups cut where the split's chunks and the files' edges fall; the statistics are those of
    the rows; and the release is the same, byte for byte, written by one thread or by several."""
    corpus = write_corpus(tmp_path / "src", n=8)
    monkeypatch.setattr(writer, "ROW_GROUP_SIZE", 3)
    opts = ["release.max_rows_per_file=4", "executor.keep_work=true", "stance=none"]
    s = build_release(tmp_path / "a", corpus, opts)
    root = Path(s["path"])
    work = next((tmp_path / "a" / "dist" / ".work").iterdir())
    p2 = sorted((work / "p2").iterdir())
    straddled = False
    for config in ("articles", "teasers", "ner"):
        for split in ("train", "validation", "test"):
            parts = [pq.read_table(d / f"{config}.parquet") for d in p2 if (d / f"{config}.parquet").exists()]
            want = [r["id"] for t in parts for r in t.filter(pa.compute.equal(t.column("split"), split))
                    .select(["id"]).to_pylist()]
            files = sorted((root / config).glob(f"{split}-*.parquet"))
            got, groups = [], []
            for f in files:
                pf = pq.ParquetFile(f)
                got += pf.read(columns=["id"]).column("id").to_pylist()
                groups.append([pf.metadata.row_group(g).num_rows for g in range(pf.num_row_groups)])
            assert got == want, (config, split)
            expect_groups = []
            for i in range(len(files)):  # cut at every multiple of 3 (a chunk) and of 4 (a file)
                lo, hi = 4 * i, min(len(want), 4 * i + 4)
                cuts = sorted({lo, hi, *(c for c in range(0, hi, 3) if lo < c < hi)})
                expect_groups.append([b - a for a, b in zip(cuts, cuts[1:])])
            assert groups == expect_groups, (config, split)
            straddled |= any(len(g) > 1 for g in groups)
    assert straddled, "some chunk straddles two files"
    per_article = Counter()  # teasers per article, from the files
    for f in (root / "teasers").glob("*.parquet"):
        per_article.update(pq.read_table(f, columns=["article_id"]).column("article_id").to_pylist())
    manifest = json.loads((root / "manifest.json").read_text())
    hist = Counter(per_article.values())
    hist[0] = sum(manifest["splits"]["articles"].values()) - len(per_article)
    assert manifest["statistics"]["teasers_per_article_hist"] == {str(k): v for k, v in sorted(hist.items()) if v}
    monkeypatch.setattr("builder.build._RELEASE_THREADS", 1)
    one = build_release(tmp_path / "b", corpus, opts)
    assert hashes(Path(one["path"])) == hashes(root)


def test_read_ahead_hands_on_errors_and_stops_with_its_consumer():
    import itertools
    import time

    def failing():
        yield from range(3)
        raise ValueError("work file unreadable")

    got = []
    try:
        for x in read_ahead(failing()):
            got.append(x)
    except ValueError as e:
        assert "unreadable" in str(e)
    else:
        raise AssertionError("the producer's error was lost")
    assert got == [0, 1, 2]
    made = itertools.count()
    it = read_ahead(x for x in made)
    assert [next(it) for _ in range(5)] == list(range(5))
    it.close()  # the consumer stops early: so does the thread
    time.sleep(0.5)
    n = next(made)
    time.sleep(0.5)
    assert next(made) == n + 1, "the read-ahead thread still makes items"
