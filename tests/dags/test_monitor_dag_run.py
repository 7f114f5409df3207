"""`airflow dags test trending_monitor` in a throwaway workspace: with drift injected through the
replay server's switch, the monitor requests a retrain and the `trending://monitor/retrain` Asset
event is emitted (the event trending_train is scheduled on); on unchanged data it is not."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.dags.test_ingest_dag_run import BIN
from tests.utils.monitoring import ingest_and_validate, monitored_workspace, train_reference_model
from tests.utils.servers import free_port, start_source_server
from trending_now.audit import read_entries, verify
from trending_now.config import Settings
from trending_now.ops.stack import airflow_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]
API_KEY = "monitor-dag-key-0123456789"
RETRAIN_URI = "trending://monitor/retrain"


def _asset_events(airflow_db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(airflow_db) as db:
        rows = db.execute(
            "SELECT e.source_dag_id, e.source_task_id, e.extra FROM asset_event e "
            "JOIN asset a ON a.id = e.asset_id WHERE a.uri = ?",
            (RETRAIN_URI,),
        ).fetchall()
    return [{"dag": d, "task": t, "extra": json.loads(x or "{}")} for d, t, x in rows]


def _dags_test(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([BIN / "airflow", "dags", "test", "trending_monitor"], env=env,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    return proc


def test_drift_emits_the_retrain_asset_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = monitored_workspace(tmp_path)
    var = tmp_path / "var"
    monkeypatch.setenv("TRENDING_PROJECT_DIR", str(ws))  # for the `trending` CLI under dvc repro
    monkeypatch.setenv("TRENDING_VAR_DIR", str(var))
    settings = Settings(project_dir=ws, var_dir=var, tracker="none", source_port=free_port())
    with start_source_server(tmp_path, api_key=API_KEY) as clean_url:
        ingest_and_validate(settings, clean_url, API_KEY, "r1", movies=120)
        train_reference_model(settings)
        ingest_and_validate(settings, clean_url, API_KEY, "r2", movies=120)

    env = {**os.environ, **airflow_env(settings), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "TRENDING_TRACKER": "wandb", "WANDB_MODE": "offline"}  # fmt: skip
    subprocess.run([BIN / "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    airflow_db = var / "airflow" / "airflow.db"

    _dags_test(env)
    latest = json.loads((var / "monitor" / "latest.json").read_text())
    assert latest["status"] == "ok" and not latest["retrain_triggered"], latest["reasons"]
    assert _asset_events(airflow_db) == [], "no retrain asked: no Asset event"

    with start_source_server(tmp_path, api_key=API_KEY,
                             faults={"drift": "mixed", "drift_seed": 3}) as drift_url:  # fmt: skip
        ingest_and_validate(settings, drift_url, API_KEY, "r3", movies=120)
    _dags_test(env)

    latest = json.loads((var / "monitor" / "latest.json").read_text())
    assert latest["retrain_triggered"] and latest["dataset_drift"], latest["columns"]
    [event] = _asset_events(airflow_db)
    assert (event["dag"], event["task"]) == ("trending_monitor", "request_retrain")
    assert event["extra"]["reasons"] == latest["reasons"]
    log = var / "audit" / "audit.jsonl"
    entries = read_entries(log)
    assert [e["kind"] for e in entries] == ["drift", "drift", "retrain_trigger"]
    assert all(e["actor"].startswith("airflow:trending_monitor:") for e in entries)
    assert entries[-1]["details"]["reasons"] == latest["reasons"] and verify(log).ok
    # The monitor run was tracked in W&B (offline, inside the var dir).
    assert list(var.rglob("*.wandb")), "no offline W&B run of the monitor"
