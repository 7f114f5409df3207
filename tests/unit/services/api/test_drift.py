"""/api/drift: the monitor's var/monitor/latest.json, read at request time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.api.main import create_app
from services.api.monitor import SUMMARY_PATH
from tests.unit.services.api.conftest import make_settings
from tests.utils.serving import db_url

SUMMARY = {
    "generated_at": "2026-11-26T12:00:00Z", "reference": {"rows": 500}, "current": {"rows": 121},
    "dataset_drift": True, "drift_share": 0.4, "drifted_columns": ["vote_average", "popularity"],
    "prediction_drift": {"score": float("nan")}, "skew": {}, "quality": {"missing_share": 0.0},
    "stale_model": False, "retrain_triggered": True, "reasons": ["drift_share 0.40 > 0.30"],
    "report_html": "reports/2026-11-26/r1/report.html", "dashboard_url": "http://127.0.0.1:8794",
    "extra_key": [1, 2],
}  # fmt: skip


@pytest.fixture
def summary_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / SUMMARY_PATH


@pytest.fixture
def drift_client(tmp_path: Path) -> Iterator[TestClient]:
    # No serving build is needed: drift is read from the monitor's file, not from a build.
    with TestClient(create_app(make_settings(tmp_path, db_url(tmp_path)))) as client:
        yield client


def test_no_summary_is_404_with_the_reason(drift_client: TestClient) -> None:
    response = drift_client.get("/api/drift")
    assert response.status_code == 404 and "monitor stage has not run" in response.json()["detail"]


def test_summary_is_served_as_written_and_reread_per_request(
    drift_client: TestClient, summary_path: Path
) -> None:
    summary_path.parent.mkdir(parents=True)
    summary_path.write_text(json.dumps(SUMMARY))
    body = drift_client.get("/api/drift").json()
    assert body["drift_share"] == 0.4 and body["drifted_columns"] == ["vote_average", "popularity"]
    assert body["prediction_drift"] == {"score": None} and body["extra_key"] == [1, 2]
    summary_path.write_text(json.dumps({**SUMMARY, "drift_share": 0.1, "dataset_drift": False}))
    assert drift_client.get("/api/drift").json()["dataset_drift"] is False


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not readable JSON"), ("[1, 2]", "not a JSON object"),
     (json.dumps({**SUMMARY, "drift_share": "high"}), "drift_share")],
)  # fmt: skip
def test_malformed_summary_is_a_clear_503(
    drift_client: TestClient, summary_path: Path, content: str, message: str
) -> None:
    summary_path.parent.mkdir(parents=True)
    summary_path.write_text(content)
    response = drift_client.get("/api/drift")
    assert response.status_code == 503 and message in response.json()["detail"]
