"""``stance=trained``: FNC-1 labels from a model the user trained on their own labelled data.

Train one with ``builder train stance --stances S.csv --bodies B.csv --out
MODEL`` (FNC-1 CSV format), then build with ``stance=trained
stance.model=MODEL``. The model file is JSON (see
:mod:`builder.stages.stance_model`); its name and sha256 go into the
manifest (``describe()``) and the card (the ``labeler`` string).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from builder.errors import BuilderError
from builder.stages.stance import StanceLabeler, StancePairer
from builder.stages.stance_features import Text
from builder.stages.stance_model import StanceModel, file_sha256


@dataclass
class TrainedStanceLabeler(StanceLabeler):
    """Label headline/body pairs with a trained model (loaded once per worker).

    Args:
        model: path to a model file written by ``builder train stance``
            (required).
        min_confidence: pairs labelled with less confidence (the model's
            probability of the label) are dropped (``0`` keeps all).
        pairs: how pairs are made (a :class:`StancePairer`, run at the barrier).
    """

    version: ClassVar[str] = "stance.trained.v1"

    model: str = "???"
    min_confidence: float = 0.0
    pairs: StancePairer | None = None

    def __post_init__(self):
        if self.pairs is None:
            self.pairs = StancePairer()
        if not self.model or str(self.model) == "???":
            raise BuilderError("stance=trained needs stance.model=MODEL: train one with "
                               "`builder train stance --stances S.csv --bodies B.csv --out MODEL`")
        self._model = StanceModel.load(self.model)
        self._sha256 = file_sha256(self.model)

    @property
    def labeler(self) -> str:
        return f"{self.version}:{self._model.name}@{self._sha256[:12]}"

    @property
    def identity(self) -> dict[str, Any]:
        return {"labeler": self.labeler, "name": self._model.name, "sha256": self._sha256,
                "file": Path(self.model).name}

    def describe(self) -> dict[str, Any]:
        d = super().describe()
        meta = self._model.meta or {}
        d["model"] = {
            "name": self._model.name, "sha256": self._sha256, "file": Path(self.model).name,
            "classifier": self._model.classifier.kind, "decision": self._model.decision,
            "features": len(self._model.feature_names),
            "training": {k: meta[k] for k in ("stances_sha256", "bodies_sha256", "pairs", "label_counts",
                                              "holdout") if k in meta},
        }
        return d

    def predict_related(self, headlines: list[str], bodies: list[str]) -> tuple[list[str], list[float], list[float]]:
        if not headlines:
            return [], [], []
        btexts: dict[str, Text] = {}
        htexts: dict[str, Text] = {}
        X = np.empty((len(headlines), len(self._model.feature_names)))
        for i, (h, b) in enumerate(zip(headlines, bodies)):
            ht = htexts.get(h) or htexts.setdefault(h, Text.of(h, sentences=False))
            bt = btexts.get(b) or btexts.setdefault(b, Text.of(b))
            X[i] = self._model.features(ht, bt)
        proba = self._model.predict_proba(X)
        labels, conf = self._model.decide(proba)
        return labels, conf, (1.0 - proba[:, 3]).tolist()
