"""`trending monitor run` / `show`: the decision, the per-column tests, where the reports are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trending_now import cli
from trending_now.cli import monitor as cli_monitor
from trending_now.config import Settings
from trending_now.project import load_project

SUMMARY = {
    "status": "ok", "run": "r7", "drift_share": 0.25, "retrain_triggered": True,
    "columns": {"popularity": {"method": "ks", "threshold": 0.01, "p_value": 0.0001,
                               "drifted": True},
                "review_text": {"method": "domain_classifier", "threshold": 0.01,
                                "p_value": 0.5, "drifted": False}},
    "prediction_drift": {"method": "tvd_permutation", "threshold": 0.01, "p_value": 0.2,
                         "drifted": False},
    "reasons": ["data drift: 1 of 2 columns drifted"], "alerts": [],
    "report_html": "reports/2026-11-26/r7/data_drift.html",
    "dashboard_url": "http://127.0.0.1:8794/projects/p1",
}  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = Settings(project_dir=tmp_path, var_dir=tmp_path / "var", tracker="none")
    monkeypatch.setattr(cli_monitor, "load_project", lambda: load_project(settings))
    monkeypatch.setattr("trending_now.cli.output.get_settings", lambda: settings)
    return settings


def test_show_prints_the_decision_and_where_to_look(settings: Settings) -> None:
    latest = settings.var_path / "monitor" / "latest.json"
    latest.parent.mkdir(parents=True)
    latest.write_text(json.dumps(SUMMARY))
    result = CliRunner().invoke(cli.app, ["monitor", "show"])
    assert result.exit_code == 0, result.output
    assert "retrain requested" in result.output and "data drift: 1 of 2" in result.output
    assert "predicted genre mix" in result.output and "0.0001" in result.output
    report = settings.var_path / "monitor" / str(SUMMARY["report_html"])
    assert str(report) in result.output
    assert "http://127.0.0.1:8794/projects/p1" in result.output


def test_show_without_a_run_says_so(settings: Settings) -> None:
    result = CliRunner().invoke(cli.app, ["monitor", "show"])
    assert result.exit_code == 1 and "no monitor run yet" in result.output


def test_run_with_nothing_to_compare_reports_why(settings: Settings) -> None:
    (settings.project_dir / "params.yaml").write_text("{}\n")
    result = CliRunner().invoke(cli.app, ["monitor", "run", "--run-id", "first"])
    assert result.exit_code == 0, result.output
    assert "nothing compared" in result.output and "no features" in result.output
