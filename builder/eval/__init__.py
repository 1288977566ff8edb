"""``builder eval <what> ...``: score cleaning, NER and stance against gold data.

Each evaluator is a module here with ``main(argv) -> int``; it composes the
same Hydra config as a build (``key=value`` overrides after the options), so
it scores exactly the labeler a build would use.
"""

from __future__ import annotations

import argparse
import importlib

#: what → module with main(argv)
EVALUATORS = {
    "clean": "builder.eval.clean",
    "ner": "builder.eval.ner",
    "stance": "builder.eval.stance",
}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="builder eval", description=__doc__.split("\n")[0])
    p.add_argument("what", choices=sorted(EVALUATORS), help="what to score")
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in EVALUATORS:
        p.parse_args(argv[:1] or ["--help"])
        return 2
    try:
        mod = importlib.import_module(EVALUATORS[argv[0]])
    except ModuleNotFoundError:
        p.error(f"'{argv[0]}' evaluation is not available in this version")
    return mod.main(argv[1:])
