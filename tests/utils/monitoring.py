"""A throwaway project the monitor can watch: real ingests from the replay server, real DVC stages
(so dvc.lock pins the training-time validated data) and a quickly trained genre model."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.dags.test_ingest_dag_run import make_workspace
from trending_now.config import IngestParams, Settings, load_params
from trending_now.ingest import run_stage as ingest_stage
from trending_now.pipeline import build_features, validate_with_dvc, version_raw_data
from trending_now.tracking import NullTracker
from trending_now.train import run_stage as train_stage

MODEL = "baseline-logreg"  # seconds to train; the monitor predicts through the same code path
SALT = "monitor-test-salt-0123456789"


def monitored_workspace(tmp_path: Path) -> Path:
    """make_workspace (params, dvc.yaml, code, a DVC repo) with the published model = MODEL."""
    ws = make_workspace(tmp_path)
    params = yaml.safe_load((ws / "params.yaml").read_text())
    params["publish"]["model"] = MODEL
    (ws / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return ws


def ingest_and_validate(
    settings: Settings, base_url: str, api_key: str, run_id: str, *, movies: int
) -> dict[str, object]:
    """One ingest into data/raw/<run_id>, `dvc add data/raw`, `dvc repro validate`."""
    ingest_stage(base_url=base_url, api_key=api_key, salt=SALT,
                 params=IngestParams(movie_limit=movies), raw_dir=settings.data_path / "raw",
                 run_id=run_id)  # fmt: skip
    version_raw_data(settings)
    return validate_with_dvc(settings)


def train_reference_model(settings: Settings) -> Path:
    """`dvc repro features`, then MODEL fitted on train and scored on test (metrics written)."""
    build_features(settings)
    params = load_params(settings.params_path)
    root = settings.project_dir
    train_stage(features_dir=settings.data_path / "features", models_dir=root / "models",
                metrics_dir=root / "metrics", plots_dir=root / "plots", params=params.train,
                evaluate_params=params.evaluate, seed=params.seed, tracker=NullTracker(),
                repo_dir=root, only=[MODEL])  # fmt: skip
    return root / "models" / MODEL
