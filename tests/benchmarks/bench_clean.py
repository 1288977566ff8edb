"""(c) Cleaning and segmentation vs datatrove on the same JSONL.

Ours: the JSONL source, then our extract (a pass-through for text), normalize
(ftfy), segment (body / boilerplate / teasers) and filter (Gopher/C4-style
rules) stages, as configured by default, in this process.

Baseline: datatrove (``pip install datatrove``; only for this benchmark)
reading the same file: ``JsonlReader`` -> ``FTFYFormatter`` ->
``GopherRepetitionFilter`` -> ``GopherQualityFilter`` -> ``C4QualityFilter``
(C4's line-level cleaning removes lines without terminal punctuation, the
nearest datatrove has to our segmentation), in this process.

Neither side detects language (datatrove's filter needs a fastText model).
datatrove tokenizes English words and sentences with a blank spaCy pipeline
inside ``memory_zone`` (its ``eng`` tokenizer): most of its time goes there.
Target: ours at least as fast (ratio ours/datatrove <= 1). Medians of repeats.

    python tests/benchmarks/bench_clean.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

STAGES = ("extract", "normalize", "segment", "filter")


def ours_runner(path: Path):
    """A function that cleans the whole file once with our stages; returns documents kept."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from omegaconf import OmegaConf

    from builder.cli import compose_config
    from builder.pipeline import instantiate_stage
    from builder.stages.base import set_column

    cfg = OmegaConf.to_container(compose_config(["source=jsonl", f"source.path={path}", "paths.dist=/tmp/unused"]),
                                 resolve=True)
    source = instantiate_stage(cfg["source"])
    stages = [instantiate_stage(cfg.get(name)) for name in STAGES]
    stages = [s for s in stages if s is not None]
    shards = source.shards(source.scan())

    def run() -> int:
        kept = 0
        for shard in shards:
            docs, _ = source.read(shard).tables()
            t = set_column(docs, "text_raw", docs.column("raw").to_pylist(), pa.string())
            for st in stages:
                if t.num_rows:
                    t = st(t)
            if "reject_reason" in t.column_names:
                kept += t.num_rows - pc.sum(pc.is_valid(t.column("reject_reason"))).as_py()
            else:
                kept += t.num_rows
        return kept

    return run


def datatrove_runner(path: Path):
    from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter, GopherRepetitionFilter
    from datatrove.pipeline.formatters import FTFYFormatter
    from datatrove.pipeline.readers import JsonlReader

    def run() -> int:
        steps = [JsonlReader(str(path.parent), glob_pattern=path.name, doc_progress=False),
                 FTFYFormatter(), GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter()]
        data = []
        for step in steps:
            data = step.run(data, rank=0, world_size=1)
        return sum(1 for _ in data)

    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="300 articles (default 3,000); 3 repeats either way")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    n = a.n or (300 if a.quick else 3000)
    print(f"[clean] normalize+segment+filter vs datatrove (ftfy, Gopher, C4), {n} articles, {benchlib.machine()}",
          flush=True)
    try:
        import datatrove  # noqa: F401
    except ImportError:
        print("  SKIPPED: datatrove is not installed (pip install 'datatrove>=0.10'; a benchmark-only baseline)")
        return 0
    import logging

    logging.getLogger("builder").setLevel(logging.WARNING)
    work = benchlib.work_dir()
    path = benchlib.corpus(n, "jsonl", root=work) / "articles-00000.jsonl"
    if n > 10_000:
        raise SystemExit("--n above 10,000 spans several JSONL files; this benchmark reads the first")
    import datatrove.pipeline.readers  # noqa: F401  (sets up datatrove's logging, which the next line quiets)
    from loguru import logger

    logger.remove()  # datatrove logs every file it reads to stderr
    warm = benchlib.corpus(20, "jsonl", seed=1, root=work) / "articles-00000.jsonl"
    ours_runner(warm)(), datatrove_runner(warm)()  # warm up: imports, regexes, datatrove's spaCy tokenizer
    ours, theirs = ours_runner(path), datatrove_runner(path)
    t_ours, t_dt, kept = [], [], (None, None)
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        k1 = ours()
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        k2 = theirs()
        t_dt.append(time.perf_counter() - t0)
        kept = (k1, k2)
    print(f"  ours: {benchlib.fmt_times(t_ours)}, kept {kept[0]}/{n}; "
          f"datatrove: {benchlib.fmt_times(t_dt)}, kept {kept[1]}/{n}", flush=True)
    o, b = benchlib.median(t_ours), benchlib.median(t_dt)
    benchlib.result("clean_vs_datatrove", o, b, o / b, "<= 1", o / b <= 1.0, n=n,
                    note=f"{n / o:.0f} docs/s ours, {n / b:.0f} docs/s datatrove")
    return 0


if __name__ == "__main__":
    sys.exit(main())
