"""Model families: which models one training run fits, and which of them the gate judges."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """A family of models trained together (the DVC stages in dvc.yaml carry the same names)."""

    name: str
    candidate: str  # the model the gate judges and the registry versions
    models: tuple[str, ...]  # everything the run fits: the candidate and its baselines
    train_stage: str
    evaluate_stage: str


FAMILIES = {
    "xgb": Family(
        name="xgb",
        candidate="genre-xgb",
        models=("genre-xgb", "baseline-prior", "baseline-logreg"),
        train_stage="train_xgb",
        evaluate_stage="evaluate",
    ),
    "bert": Family(
        name="bert",
        candidate="genre-bert",
        models=("genre-bert",),
        train_stage="train_bert",
        evaluate_stage="evaluate_bert",
    ),
}


def get_family(name: str) -> Family:
    """The family called `name`, or a clear error naming the known ones."""
    if name not in FAMILIES:
        raise ValueError(f"unknown model family {name!r}: expected one of {sorted(FAMILIES)}")
    return FAMILIES[name]
