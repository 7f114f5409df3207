"""Train the genre classifiers whenever new validated data lands, and score them once on test.

**Trigger**: the `trending://data/validated` Asset (each successful ingest), or by hand from the UI
with the params below. **Steps**: `features` (`dvc repro features`: cleaned documents, the
grouped train/valid/test split), `train` (the chosen model family: XGBoost + the baselines, or
the fine-tuned BERT; full mode runs the DVC stage so the result is versioned in dvc.lock, fast
mode is a tracked smoke run), `evaluate` (the single test-split evaluation of every trained model,
metrics and plots as DVC metrics and in W&B), `register` (full mode, in a git checkout: `dvc push`,
commit dvc.lock, params and metrics, tag the next GTO version such as `genre-xgb@v2.0.0`).
**Produces** the `trending://models/genre` Asset.
**Re-run**: clear a task; unchanged inputs make the DVC stages no-ops.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Param, dag, task
from assets import GENRE_MODELS, VALIDATED_MOVIES


@dag(
    schedule=[VALIDATED_MOVIES],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # DVC stages share the workspace: one training at a time
    doc_md=__doc__,
    tags=["train", "models"],
    default_args={
        "owner": "ml-platform",
        "retries": 1,
        "retry_delay": timedelta(minutes=1),
    },
    params={
        "family": Param(
            "xgb",
            enum=["xgb", "bert"],
            title="Model family",
            description="xgb = XGBoost + prior and logistic-regression baselines",
        ),
        "fast": Param(
            False,
            type="boolean",
            title="Fast mode",
            description="A subsample and a small search: minutes, not a model version",
        ),
    },
)
def trending_train() -> None:
    @task
    def features() -> None:
        """Build the documents and the split (`dvc repro features`)."""
        from trending_now.pipeline import build_features

        build_features()

    @task(execution_timeout=timedelta(hours=2))
    def train(params: dict[str, Any] | None = None) -> list[str]:
        """Train the chosen family on train, tune thresholds on valid; return the model names."""
        from trending_now.pipeline import train_family

        assert params is not None
        return train_family(params["family"], fast=bool(params["fast"]))

    @task(outlets=[GENRE_MODELS])
    def evaluate(models: list[str], params: dict[str, Any] | None = None) -> dict[str, float]:
        """Score every trained model once on the test split; return test macro-F1 per model."""
        from trending_now.pipeline import evaluate_models

        assert params is not None
        return evaluate_models(params["family"], fast=bool(params["fast"]))

    @task
    def register(scores: dict[str, float], params: dict[str, Any] | None = None) -> str | None:
        """`dvc push`, commit dvc.lock/params/metrics and tag the next GTO version."""
        from trending_now.pipeline import register_family

        assert params is not None
        return register_family(params["family"], scores, fast=bool(params["fast"]))

    models = train()
    features() >> models
    register(evaluate(models))


trending_train()
