"""Replay server -> ingest -> DVC validate -> features -> model -> monitor, with and without drift.

The monitor must stay quiet on a re-ingest of the same world and flag the world the replay
server's drift switch serves; the Evidently UI of the stack then shows both runs on the
project dashboard.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.utils.monitoring import ingest_and_validate, monitored_workspace, train_reference_model
from tests.utils.servers import free_port, start_source_server
from trending_now.config import Settings
from trending_now.monitor.tasks import monitor
from trending_now.ops import stack
from trending_now.project import load_project

pytestmark = [pytest.mark.integration, pytest.mark.slow]
API_KEY = "monitor-drift-key-0123456789"
MOVIES = 150


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    ws = monitored_workspace(tmp_path)
    # `dvc repro` runs the `trending` CLI: it must see this workspace, not the checkout.
    monkeypatch.setenv("TRENDING_PROJECT_DIR", str(ws))
    monkeypatch.setenv("TRENDING_VAR_DIR", str(tmp_path / "var"))
    return Settings(project_dir=ws, var_dir=tmp_path / "var", tracker="none",
                    evidently_port=free_port(), tmdb_api_key=API_KEY)  # fmt: skip


def _series(base: str, project: str, column: str) -> list[float | None]:
    body = {"series_filter": [{"tags": ["data-drift"], "metadata": {},
                               "metric": "evidently:metric_v2:ValueDrift",
                               "metric_labels": {"column": column}}]}  # fmt: skip
    got = httpx.post(f"{base}/api/v2/snapshots/{project}/data_series_batch", json=body, timeout=30)
    got.raise_for_status()
    [series] = got.json()["series"]
    return list(series["values"])


def test_monitor_flags_the_drift_switch_and_not_a_clean_reingest(
    settings: Settings, tmp_path: Path
) -> None:
    with start_source_server(tmp_path, api_key=API_KEY) as base_url:
        ingest_and_validate(settings, base_url, API_KEY, "r1", movies=MOVIES)
        train_reference_model(settings)
        ingest_and_validate(settings, base_url, API_KEY, "r2", movies=MOVIES)
        clean = monitor(run_id="clean", project=load_project(settings)).model_dump()
        admin = base_url.removesuffix("/3") + "/_admin/faults"
        switched = httpx.put(admin, json={"drift": "mixed", "drift_seed": 1},
                             headers={"Authorization": f"Bearer {API_KEY}"})  # fmt: skip
        assert switched.status_code == 200, switched.text
        ingest_and_validate(settings, base_url, API_KEY, "r3", movies=MOVIES)
    drifted = monitor(run_id="drifted", project=load_project(settings)).model_dump()

    assert clean["status"] == "ok" and clean["reference"]["source"] == "workspace"
    assert "DVC cache" in clean["reference"]["validated"], clean["reference"]
    assert not clean["retrain_triggered"], clean["reasons"]
    assert clean["drifted_columns"] == [] and clean["skew"]["passed"]
    assert drifted["retrain_triggered"] and drifted["dataset_drift"]
    assert {"review_count", "review_length", "review_text"} <= set(drifted["drifted_columns"]), (
        drifted["columns"]
    )
    assert drifted["reasons"][0].startswith("data drift:")
    latest = json.loads((settings.var_path / "monitor" / "latest.json").read_text())
    assert latest["run"] == "drifted"

    # The stack's Evidently UI serves the workspace: both runs on the project's dashboard.
    try:
        stack.up(settings, ["evidently"])
        base = f"http://{settings.host}:{settings.evidently_port}"
        project = drifted["dashboard_url"].rsplit("/", 1)[1]
        assert drifted["dashboard_url"] == f"{base}/projects/{project}"
        assert httpx.get(drifted["dashboard_url"], timeout=30).status_code == 200
        panels = httpx.get(f"{base}/api/v2/dashboards/{project}", timeout=30).json()["panels"]
        assert "Share of drifted columns over time" in [p["title"] for p in panels]
        clean_p, drifted_p = _series(base, project, "review_length")
        assert clean_p is not None and drifted_p is not None and drifted_p < 0.01 < clean_p
    finally:
        stack.down(settings)
