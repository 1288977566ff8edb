"""No code path loads pickles, remote code or unsafe YAML from files."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "builder"
FORBIDDEN = [
    (r"\bpickle\.loads?\(", "pickle can run code from a file"),
    (r"\bcloudpickle\b|\bdill\b|\bjoblib\.load\(", "pickle-based loading"),
    (r"trust_remote_code\s*=\s*True", "remote code"),
    (r"\byaml\.load\((?![^)]*SafeLoader)", "yaml.load without SafeLoader"),
    (r"\btorch\.load\(", "torch.load unpickles"),
    (r"\beval\(|\bexec\(", "eval/exec"),
    (r"allow_pickle\s*=\s*True", "numpy pickles"),
]


def test_no_unsafe_loading_in_the_package():
    hits = []
    for f in sorted(PACKAGE.rglob("*.py")):
        text = f.read_text(encoding="utf-8")
        for pat, why in FORBIDDEN:
            for m in re.finditer(pat, text):
                line = text.count("\n", 0, m.start()) + 1
                hits.append(f"{f.relative_to(PACKAGE.parent)}:{line}: {why}")
    assert not hits, "\n".join(hits)
