import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builder.errors import BuilderError
from builder.sources import FileSource, JsonlSource, ParquetSource


def _all(src):
    docs, rejects = [], []
    for sh in src.shards(src.scan()):
        r = src.read(sh)
        docs += r.docs
        rejects += r.rejects
    return docs, rejects


def test_text_folder_recursive_stable_order_and_ids(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("zeta story", encoding="utf-8")
    (tmp_path / "a.txt").write_text("alpha story", encoding="utf-8")
    (tmp_path / "b" / "c.TXT").write_text("gamma story", encoding="utf-8")
    (tmp_path / "skip.md").write_text("not an article", encoding="utf-8")
    docs, rejects = _all(FileSource(str(tmp_path), shard_size=2))
    assert [d["source"] for d in docs] == ["a.txt", "b/c.TXT", "b/z.txt"] and not rejects
    again, _ = _all(FileSource(str(tmp_path), shard_size=1))
    assert [d["id"] for d in docs] == [d["id"] for d in again]
    (tmp_path / "a.txt").write_text("alpha story, edited", encoding="utf-8")
    changed, _ = _all(FileSource(str(tmp_path)))
    assert changed[0]["id"] != docs[0]["id"] and changed[1]["id"] == docs[1]["id"]


def test_text_decoding_and_rejects(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    (tmp_path / "utf16.txt").write_bytes("hello wörld".encode("utf-16"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfwith bom")
    (tmp_path / "empty.txt").write_bytes(b"  \n\t\n")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 20)
    docs, rejects = _all(FileSource(str(tmp_path)))
    by = {d["source"]: d for d in docs}
    assert by["latin1.txt"]["raw"] == "Café crème" and by["latin1.txt"]["encoding"] == "cp1252"
    assert by["utf16.txt"]["raw"] == "hello wörld" and by["utf16.txt"]["encoding"] == "utf-16"
    assert by["bom.txt"]["raw"] == "with bom"
    assert {(r["source"], r["reason"]) for r in rejects} == {("empty.txt", "empty"), ("binary.txt", "binary")}


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(BuilderError, match="not found.*source.path"):
        FileSource(str(tmp_path / "nope")).scan()


def test_jsonl_fields_and_bad_lines(tmp_path):
    f = tmp_path / "news.jsonl"
    lines = [json.dumps({"body": "first article", "uid": 7, "link": "https://x.test/1", "headline": "One"}),
             "{broken json",
             json.dumps({"uid": 8}),
             json.dumps({"body": 42}),
             json.dumps({"body": "second article", "uid": 9})]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    src = JsonlSource(str(f), text_field="body", id_field="uid", url_field="link", title_field="headline", shard_size=2)
    docs, rejects = _all(src)
    assert [d["raw"] for d in docs] == ["first article", "second article"]
    assert docs[0]["url"] == "https://x.test/1" and docs[0]["title"] == "One" and docs[0]["source"] == "https://x.test/1"
    assert docs[1]["source"] == "news.jsonl#9"
    assert sorted(r["reason"] for r in rejects) == ["invalid_json", "missing_field", "wrong_type"]
    assert len(docs) + len(rejects) == 5


def test_parquet_source_and_wrong_schema(tmp_path):
    pq.write_table(pa.table({"text": ["a story", "b story", "c story"], "id": ["1", "2", "3"]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"content": ["x"]}), tmp_path / "b.parquet")
    docs, rejects = _all(ParquetSource(str(tmp_path), shard_size=2))
    assert [d["raw"] for d in docs] == ["a story", "b story", "c story"]
    assert [(r["source"], r["reason"]) for r in rejects] == [("b.parquet", "wrong_schema")]


def _records(n, fmt="record {}"):
    return [{"text": fmt.format(i) + " " + "words " * (i % 7), "id": str(i)} for i in range(n)]


def test_jsonl_shards_read_only_their_own_lines(tmp_path, monkeypatch):
    """A shard deep in a large file seeks to its first line: reading it costs its own bytes, not the file's."""
    f = tmp_path / "big.jsonl"
    recs = _records(1000)
    f.write_text("".join(json.dumps(r) + "\n" for r in recs[:500]) + "\n"  # a blank line: a record too
                 + "".join(json.dumps(r) + "\n" for r in recs[500:]), encoding="utf-8")
    src = JsonlSource(str(f), shard_size=100)
    shards = src.shards(src.scan())
    assert len(shards) == 11 and shards[-1].start == 1000 and shards[-1].stop == 1001
    read = []
    real_open = src._open

    def counting_open(path):
        fh = real_open(path)

        class Counted:  # the bytes the shard's reader pulls out of the file
            def __init__(self):
                self.n = 0

            def __iter__(self):
                for line in fh:
                    self.n += len(line)
                    yield line

            def seek(self, pos):
                return fh.seek(pos)

            def close(self):
                fh.close()
                read.append(self.n)

        return Counted()

    monkeypatch.setattr(src, "_open", counting_open)
    docs, rejects = [], []
    for sh in shards:
        r = src.read(sh)
        docs += r.docs
        rejects += r.rejects
    assert [d["raw"] for d in docs] == [r["text"] for r in recs]  # every record once, in file order
    assert [(r["source"], r["reason"]) for r in rejects] == [("big.jsonl:line 501", "empty")]
    size = f.stat().st_size
    assert max(read) < 0.15 * size  # each of 11 shards reads about a tenth of the file, never all of it
    assert sum(read) < 1.1 * size


def test_jsonl_gzip_shards_decompress_the_file_once(tmp_path, monkeypatch):
    """A gzip stream cannot seek back: the process keeps the file open where its last shard ended, so shards
    taken in order decompress the file once, not once per shard (which grows with the square of its size);
    a shard before that point opens the file again."""
    import gzip

    from builder.sources import records

    recs = _records(250)
    with gzip.open(tmp_path / "a.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in recs)
    src = JsonlSource(str(tmp_path), shard_size=100)
    shards = src.shards(src.scan())
    assert [(s.start, s.stop) for s in shards] == [(0, 100), (100, 200), (200, 250)]
    assert shards[0].offset == 0 and shards[1].offset > 0  # in the decompressed text
    opened = []
    real = gzip.open
    monkeypatch.setattr(gzip, "open", lambda *a, **k: opened.append(a[0]) or real(*a, **k))
    docs, _ = _all(src)
    assert [d["raw"] for d in docs] == [r["text"] for r in recs]
    assert len(opened) == 2  # the scan's count, then one pass for the three shards
    fresh = JsonlSource(str(tmp_path), shard_size=100)
    out = {k: [d["raw"] for d in fresh.read(shards[k]).docs] for k in (1, 0, 2)}  # out of order
    assert out[0] + out[1] + out[2] == [r["text"] for r in recs]
    assert len(opened) == 4  # shard 1; shard 0 went back: the file again; shard 2 went on from there
    assert records.JsonlSource._gz is None  # (the open file is the instance's)


def test_jsonl_gzip_damaged_files_are_rejected_with_their_readable_lines(tmp_path):
    """A truncated download keeps its whole lines and records the damage; a file that is not gzip at all is
    rejected, never skipped."""
    import gzip

    recs = _records(30)
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in recs).encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) * 2 // 3])
    (tmp_path / "plain.jsonl.gz").write_text(json.dumps(recs[0]) + "\n", encoding="utf-8")
    docs, rejects = _all(JsonlSource(str(tmp_path), shard_size=10))
    kept = [d["raw"] for d in docs]
    assert 0 < len(kept) < 30 and kept == [r["text"] for r in recs[: len(kept)]]
    reasons = {(r["source"].split(":")[0], r["reason"]) for r in rejects}
    assert reasons == {("cut.jsonl.gz", "unreadable"), ("plain.jsonl.gz", "unreadable")}
    assert len(rejects) == 2 and any(r["source"] == f"cut.jsonl.gz:line {len(kept) + 1}" for r in rejects)


def _spy_batches(monkeypatch) -> list:
    """Record the row groups of every batch iterator a Parquet shard opens; fail if anything reads whole
    row groups or the whole file."""
    opened, sizes = [], []
    real = pq.ParquetFile.iter_batches

    def spy(self, batch_size=65536, row_groups=None, *a, **k):
        opened.append(list(row_groups))
        sizes.append(batch_size)
        return real(self, batch_size, row_groups, *a, **k)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    monkeypatch.setattr(pq.ParquetFile, "read", lambda *a, **k: pytest.fail("a shard read the whole file"))
    monkeypatch.setattr(pq.ParquetFile, "read_row_groups", lambda *a, **k: pytest.fail("a shard read whole groups"))
    return opened, sizes


def test_parquet_shards_stream_from_their_row_group(tmp_path, monkeypatch):
    """A shard streams its rows from the row group that holds its first row; the process's reader goes on
    from where its last shard ended, so shards taken in order read the file once."""
    recs = _records(1000)
    pq.write_table(pa.Table.from_pylist(recs), tmp_path / "big.parquet", row_group_size=64)
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), tmp_path / "empty.parquet")
    opened, _ = _spy_batches(monkeypatch)
    src = ParquetSource(str(tmp_path), shard_size=300)
    shards = src.shards(src.scan())
    docs, rejects = _all(src)
    assert [d["raw"] for d in docs] == [r["text"] for r in recs] and not rejects
    assert opened == [list(range(16))]  # one reader for the four shards of big.parquet
    opened.clear()
    fresh = ParquetSource(str(tmp_path), shard_size=300)
    got = {k: [d["raw"] for d in fresh.read(shards[k]).docs] for k in (2, 1, 3)}  # out of order
    assert got[1] + got[2] + got[3] == [r["text"] for r in recs[300:]]
    # row 600 is in group 9, row 300 in group 4; shard 3 went on from shard 1's reader
    assert opened == [list(range(9, 16)), list(range(4, 16))]


def test_parquet_one_huge_row_group_is_streamed(tmp_path, monkeypatch):
    """pq.write_table's default writes a file of up to a million rows as one row group: its shards stream it a
    batch at a time instead of each worker holding the whole group; a file without the text column is
    rejected once, not once per shard."""
    recs = _records(1000)
    pq.write_table(pa.Table.from_pylist(recs), tmp_path / "one-group.parquet")  # one row group
    pq.write_table(pa.table({"content": [f"x{i}" for i in range(250)]}), tmp_path / "wrong.parquet")
    opened, sizes = _spy_batches(monkeypatch)
    src = ParquetSource(str(tmp_path), shard_size=100)
    shards = src.shards(src.scan())
    docs, rejects = [], []
    for sh in shards:
        r = src.read(sh)
        docs += r.docs
        rejects += r.rejects
    assert [d["raw"] for d in docs] == [r["text"] for r in recs]
    assert opened == [[0]]  # ten shards, one reader
    assert len(shards) == 13 and [(r["source"], r["reason"]) for r in rejects] == [("wrong.parquet", "wrong_schema")]
    assert sizes == [100]  # batches of at most a shard's rows, never the group at once


def test_scan_order_is_the_sorted_order_of_names(tmp_path):
    """The walk gives the inputs in the order of their names (folders as ``name/``), which is the order the
    fingerprint, the shards and the release rows follow: the same as sorting the relative paths."""
    import os

    names = ["a.txt", "a/b.txt", "a-b.txt", "a0.txt", "B.txt", "é.txt", "z/y/x.txt", "z/y.txt", "z/ya/w.txt",
             "a/.hidden.txt", ".hidden/c.txt"]
    for n in names:
        (tmp_path / n).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / n).write_text(f"story {n}", encoding="utf-8")
    with open(os.fsencode(tmp_path) + b"/a\xff.txt", "wb") as fh:  # not UTF-8: escaped in rel
        fh.write(b"story")
    os.symlink(tmp_path / "z", tmp_path / "link")  # a link to a folder is not followed
    inputs = FileSource(str(tmp_path)).scan()
    rels = [f.rel for f in inputs]
    assert rels == ["B.txt", "a-b.txt", "a.txt", "a/b.txt", "a0.txt", "a\\xff.txt", "z/y.txt", "z/y/x.txt",
                    "z/ya/w.txt", "é.txt"] == sorted(rels)
    by = {f.rel: f for f in inputs}
    assert open(by["a\\xff.txt"].path, "rb").read() == b"story"  # the path is the file's own name
    assert by["a/b.txt"].path == os.path.join(str(tmp_path), "a/b.txt") and by["a/b.txt"].size == len("story a/b.txt")
    assert inputs[-1] == list(inputs)[-1] and inputs[1:3] == list(inputs)[1:3] and inputs[1].rel == "a-b.txt"


def test_inputs_are_columns_and_rows_on_demand(tmp_path):
    """The scanned inputs are held as Arrow columns (digests as 32 bytes); InputFile rows are made when asked
    for, and a file without a digest keeps its reason."""
    import hashlib
    import os

    from builder.sources.inputs import Inputs

    for i in range(10):
        (tmp_path / f"{i:02d}.txt").write_text(f"story {i}", encoding="utf-8")
    os.mkfifo(tmp_path / "05-fifo.txt")
    inputs = FileSource(str(tmp_path), shard_size=4).scan()
    assert isinstance(inputs, Inputs) and len(inputs) == 11
    assert inputs.table.schema.field("sha256").type == pa.binary(32)
    f = inputs[0]
    assert (f.rel, f.size, f.sha256) == ("00.txt", 7, hashlib.sha256(b"story 0").hexdigest())
    assert [x.sha256 for x in inputs if x.rel == "05-fifo.txt"] == ["not_a_file"]
    assert inputs[-1].rel == "09.txt" and [x.rel for x in inputs[2:4]] == ["02.txt", "03.txt"]
    with pytest.raises(IndexError):
        inputs[11]
    shards = FileSource(str(tmp_path), shard_size=4).shards(inputs)
    assert len(shards) == 3 and [len(s.files) for s in shards] == [4, 4, 3]
    assert shards[2].files == tuple(inputs[8:]) and shards[-1].index == 2
    unsorted = Inputs.collect(str(tmp_path), [("b.txt", "b.txt", 1, "0" * 64), ("a.txt", "a.txt", 2, "1" * 64)])
    assert [x.rel for x in unsorted] == ["a.txt", "b.txt"] and unsorted[0].sha256 == "1" * 64


def test_parquet_damaged_pages_reject_their_shard_rows(tmp_path):
    """A shard whose pages cannot be decoded is one rejection naming its rows and the error; the other
    row groups are read."""
    recs = [{"text": f"story number {i} " * 40} for i in range(200)]
    pq.write_table(pa.Table.from_pylist(recs), tmp_path / "ok.parquet", row_group_size=100)
    data = bytearray((tmp_path / "ok.parquet").read_bytes())
    data[200:400] = b"\xab" * 200  # inside the first row group's pages
    (tmp_path / "ok.parquet").unlink()
    (tmp_path / "bad.parquet").write_bytes(bytes(data))
    docs, rejects = _all(ParquetSource(str(tmp_path), shard_size=50))
    assert [d["raw"] for d in docs] == [r["text"] for r in recs[100:]]
    assert [(r["source"], r["reason"]) for r in rejects] == [("bad.parquet:rows 0-49", "unreadable"),
                                                            ("bad.parquet:rows 50-99", "unreadable")]


def test_long_scans_log_their_progress(tmp_path, monkeypatch, caplog):
    """A scan of many files, or the record count of large JSONL files, logs how far it has got."""
    import logging

    from builder.sources import base

    for i in range(5):
        (tmp_path / f"{i}.txt").write_text(f"story {i}", encoding="utf-8")
        (tmp_path / f"{i}.jsonl").write_text(json.dumps({"text": f"story {i}"}) + "\n", encoding="utf-8")
    monkeypatch.setattr(base, "SCAN_LOG_EVERY", 0.0)
    with caplog.at_level(logging.INFO, logger="builder"):
        FileSource(str(tmp_path)).scan()
        src = JsonlSource(str(tmp_path))
        src.shards(src.scan())
    lines = [r.getMessage() for r in caplog.records]
    assert "Scanning: 5 files scanned" in lines[4] and lines[4].endswith("/s")
    assert any(ln.startswith("Scanning: 5 of 5 files' records counted") for ln in lines)


def test_scan_on_storage_that_waits_reads_files_side_by_side_and_finds_the_same(tmp_path, monkeypatch, caplog):
    """On a network mount each read waits (here 3 ms, as a round trip): after its first files the scan reads
    the rest with threads, and finds the same files, in the same order, with the same digests and markers."""
    import logging
    import threading
    import time

    import builder.sources.base as base

    for i in range(400):
        (tmp_path / f"d{i % 7}").mkdir(exist_ok=True)
        (tmp_path / f"d{i % 7}" / f"{i:04d}.txt").write_text(f"story {i} " * (i % 50 + 1), encoding="utf-8")
    (tmp_path / "d3" / "0999.txt").mkdir()  # not a file: marked, in its place
    expected = FileSource(str(tmp_path)).scan().table  # a local disk: one file at a time

    real, busy, most = base.file_sha256, [0], [0]
    lock = threading.Lock()

    def waits(path):
        with lock:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
        time.sleep(0.003)
        try:
            return real(path)
        finally:
            with lock:
                busy[0] -= 1

    monkeypatch.setattr(base, "file_sha256", waits)
    with caplog.at_level(logging.INFO, logger="builder"):
        got = FileSource(str(tmp_path)).scan().table
    assert got.equals(expected)
    assert most[0] > 1 and "threads read the rest" in caplog.text


def test_a_file_written_to_after_the_scan_is_rejected_not_read(tmp_path, monkeypatch):
    """A scraper still filling the folder: a file that changes between the scan and its shard's read is a
    rejection with its reason (the manifest holds the scanned digest, the release must not hold other text);
    a build with the hook that changes it keeps every other article and accounts for all of them."""
    import pyarrow.parquet as pq

    from builder.sources.base import Source
    from tests.conftest import build_release
    from tests.corpus import write_corpus

    src = write_corpus(tmp_path / "src", n=6)
    victim = sorted(src.glob("*.txt"))[2]
    scan = Source.scan

    def scan_then_write(self):
        inputs = scan(self)
        victim.write_text(victim.read_text(encoding="utf-8") + "\nA line added by the scraper.\n", encoding="utf-8")
        return inputs

    monkeypatch.setattr(Source, "scan", scan_then_write)
    s = build_release(tmp_path, src, ["ner=none", "stance=none"])
    rejected = pq.read_table(f"{s['path']}/audit/rejected.parquet").to_pylist()
    mine = [r for r in rejected if r["source"] == victim.name]
    assert [r["reason"] for r in mine] == ["changed_since_scan"] and "build again" in mine[0]["detail"]
    c = s["counts"]
    assert c["read"] == 6 and c["rejected"]["changed_since_scan"] == 1 and c["read"] == c["written"] + c["rejected_total"]
    sources = {r for f in (tmp_path / "dist").glob("*/*/articles/*.parquet")
               for r in pq.read_table(f, columns=["source"]).column("source").to_pylist()}
    assert victim.name not in sources and len(sources) >= 1


def test_a_record_file_that_grew_after_the_scan_stops_the_build_naming_it(tmp_path):
    for cls, name in ((JsonlSource, "news.jsonl"), (ParquetSource, "news.parquet")):
        path = tmp_path / name
        rows = [{"id": f"r{i}", "text": f"Story {i} text that is long enough."} for i in range(5)]
        if cls is JsonlSource:
            path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        else:
            pq.write_table(pa.Table.from_pylist(rows), path)
        src = cls(str(path), shard_size=2)
        shards = src.shards(src.scan())
        assert len(src.read(shards[0]).docs) == 2
        with open(path, "ab") as fh:
            fh.write(b'{"id": "late", "text": "appended by a scraper"}\n')
        with pytest.raises(BuilderError, match=f"{name} changed after the build scanned it"):
            src.read(shards[1])
