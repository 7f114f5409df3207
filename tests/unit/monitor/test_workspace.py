"""The Evidently workspace: one project, an idempotent dashboard, one run per report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from trending_now.config import DriftTestParams, MonitorParams
from trending_now.monitor.drift import data_drift
from trending_now.monitor.workspace import add_runs, dashboard_url, open_project

PARAMS = MonitorParams(columns={"popularity": DriftTestParams(method="ks", threshold=0.01)})


def _snapshot(shift: float, when: datetime) -> object:
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"popularity": rng.normal(0, 1, 100)})
    cur = pd.DataFrame({"popularity": rng.normal(shift, 1, 50)})
    return data_drift(ref, cur, PARAMS, when=when).snapshot


def test_project_and_dashboard_are_created_once(tmp_path: Path) -> None:
    first_ws, first = open_project(tmp_path / "ws", "trending-now")
    titles = [p.title for p in first_ws.get_dashboard(first.id).panels]
    second_ws, second = open_project(tmp_path / "ws", "trending-now")
    assert second.id == first.id
    assert [p.name for p in second_ws.list_projects()] == ["trending-now"]
    dashboard = second_ws.get_dashboard(second.id)
    assert [p.title for p in dashboard.panels] == titles and len(dashboard.tabs) == 1
    assert "Share of drifted columns over time" in titles
    assert "Drifted columns over time" in titles


def test_runs_accumulate_in_the_project(tmp_path: Path) -> None:
    now = datetime(2026, 11, 26, tzinfo=UTC)
    project_id = add_runs(tmp_path / "ws", "trending-now", [_snapshot(0, now)])
    again = add_runs(tmp_path / "ws", "trending-now", [_snapshot(3, now + timedelta(days=1))])
    workspace, project = open_project(tmp_path / "ws", "trending-now")
    assert again == project_id == str(project.id)
    assert len(workspace.list_runs(project.id)) == 2


def test_dashboard_url_points_at_the_project() -> None:
    assert dashboard_url("http://127.0.0.1:8794", "abc") == "http://127.0.0.1:8794/projects/abc"
    assert dashboard_url("http://127.0.0.1:8794", None) == "http://127.0.0.1:8794"
