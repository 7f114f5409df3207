"""`airflow dags test trending_train` on real validated data: features -> train -> evaluate
through real DVC stages, in a throwaway workspace with a shrunken search so it runs in CI."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.dags.test_ingest_dag_run import BIN, make_workspace
from tests.utils.servers import free_port, start_source_server
from trending_now.config import IngestParams, Settings, ValidateParams
from trending_now.ingest import run_stage as ingest_stage
from trending_now.stack import airflow_env
from trending_now.validate import run_stage as validate_stage

pytestmark = [pytest.mark.integration, pytest.mark.slow]
API_KEY = "train-dag-test-key-0123456789"


def _shrink_params(path: Path) -> None:
    """The real params.yaml with a one-candidate search: same code path, CI-sized."""
    params = yaml.safe_load(path.read_text())
    xgb = params["train"]["xgb"]
    xgb.update(n_estimators=40, stack_folds=2, n_jobs=1)
    xgb["search"].update(iterations=1, n_estimators=[40])
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def test_train_dag_versions_models_and_metrics(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    _shrink_params(ws / "params.yaml")
    with start_source_server(tmp_path, api_key=API_KEY) as base_url:
        ingest_stage(
            base_url=base_url, api_key=API_KEY, salt="train-dag-salt-0123456789",
            params=IngestParams(movie_limit=160), raw_dir=ws / "data/raw", run_id="r1",
        )  # fmt: skip
    validate_stage(
        raw_run_dir=ws / "data/raw/r1", validated_dir=ws / "data/validated",
        quarantine_dir=ws / "data/quarantine", params=ValidateParams(),
    )  # fmt: skip

    settings = Settings(project_dir=ws, var_dir=tmp_path / "var", source_port=free_port())
    env = {
        **os.environ,
        **airflow_env(settings),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "TRENDING_PROJECT_DIR": str(ws),
        "TRENDING_VAR_DIR": str(tmp_path / "var"),
        "TRENDING_TRACKER": "wandb",
        "WANDB_MODE": "offline",
    }
    subprocess.run([BIN / "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    proc = subprocess.run(
        [BIN / "airflow", "dags", "test", "trending_train", "-c",
         json.dumps({"family": "xgb", "fast": False})],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]

    lock = yaml.safe_load((ws / "dvc.lock").read_text())["stages"]
    assert {"features", "train_xgb", "evaluate"} <= set(lock)
    for name in ("genre-xgb", "baseline-prior", "baseline-logreg"):
        assert (ws / "models" / name / "meta.json").exists()
        metrics = json.loads((ws / "metrics" / f"{name}.json").read_text())
        assert 0.0 <= metrics["overall"]["macro_f1"] <= 1.0
    xgb = json.loads((ws / "metrics/genre-xgb.json").read_text())["overall"]["macro_f1"]
    prior = json.loads((ws / "metrics/baseline-prior.json").read_text())["overall"]["macro_f1"]
    assert xgb > prior, "the trained model must beat the prior on real data"
    # The W&B run was tracked offline inside the project's var dir, never in $HOME.
    assert list((tmp_path / "var").rglob("*.wandb")), "no offline W&B run file"
