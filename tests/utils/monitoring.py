"""A throwaway project the monitor can watch: real ingests from the replay server, real DVC stages
(so dvc.lock pins the training-time validated data) and a quickly trained genre model."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.dags.test_ingest_dag_run import make_workspace
from trending_now.config import IngestParams, Settings
from trending_now.evaluate.tasks import evaluate
from trending_now.features.tasks import features_with_dvc
from trending_now.ingest import run_stage as ingest_stage
from trending_now.ingest.tasks import version_raw
from trending_now.project import load_project
from trending_now.train.tasks import train
from trending_now.validate.tasks import validate_with_dvc

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
    project = load_project(settings)
    ingest_stage(base_url=base_url, api_key=api_key, salt=SALT,
                 params=IngestParams(movie_limit=movies), raw_dir=project.paths.raw,
                 run_id=run_id)  # fmt: skip
    version_raw(project)
    return validate_with_dvc(project).model_dump()


def train_reference_model(settings: Settings) -> Path:
    """`dvc repro features`, then MODEL fitted on train and scored on test (metrics written)."""
    project = load_project(settings)
    features_with_dvc(project)
    train(models=[MODEL], tracker="none", project=project)
    evaluate(models=[MODEL], tracker="none", project=project)
    return project.paths.models / MODEL
