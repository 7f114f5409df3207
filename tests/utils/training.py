"""Train then evaluate on a throwaway project, as DVC's train and evaluate stages run them."""

from __future__ import annotations

from pathlib import Path

from trending_now.config import EvaluateParams, TrainParams
from trending_now.evaluate import EvaluationReport
from trending_now.evaluate import run_stage as evaluate_stage
from trending_now.tracking import NullTracker
from trending_now.tracking.base import Tracker
from trending_now.train import run_stage as train_stage


def train_and_evaluate(
    root: Path,
    features_dir: Path,
    train: TrainParams,
    evaluate: EvaluateParams,
    *,
    seed: int,
    only: list[str] | None = None,
    tracker: Tracker | None = None,
    embedding_cache: Path | None = None,
) -> dict[str, EvaluationReport]:
    """Fit and save under root/models, then score once on test into root/metrics, root/plots."""
    trained = train_stage(
        features_dir=features_dir,
        models_dir=root / "models",
        params=train,
        seed=seed,
        tracker=tracker or NullTracker(),
        repo_dir=root,
        only=only,
        embedding_cache=embedding_cache,
    )
    return evaluate_stage(
        features_dir=features_dir,
        models_dir=root / "models",
        metrics_dir=root / "metrics",
        plots_dir=root / "plots",
        model_names=list(trained.model_dirs),
        params=evaluate,
        embedding_cache=embedding_cache,
    ).reports
