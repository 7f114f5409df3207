"""The entry points the DAG and the CLI call: settings in, audit events out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from tests.unit.monitor.conftest import MODEL, World
from trending_now.config import Settings
from trending_now.governance.audit import read_entries, verify
from trending_now.monitor.tasks import (
    dashboard_link,
    monitor_latest,
    record_retrain_request,
    ui_base_url,
)


def _settings(project: Path, tmp_path: Path) -> Settings:
    (project / "params.yaml").write_text(yaml.safe_dump({"publish": {"model": MODEL}}))
    return Settings(project_dir=project, var_dir=tmp_path / "var", tracker="none",
                    evidently_port=18794)  # fmt: skip


def test_a_run_writes_latest_and_a_drift_audit_event(world: World, tmp_path: Path) -> None:
    project = tmp_path / "project"
    for part in ("data", "models", "metrics"):
        shutil.copytree(world.project / part, project / part)
    settings = _settings(project, tmp_path)
    summary = monitor_latest(run_id="scheduled__2026-11-26T06:00:00+00:00", settings=settings)
    assert summary["run"] == "scheduled__2026-11-26T06-00-00-00-00"  # safe as a folder name
    assert summary["reference"]["source"] == "workspace"
    assert summary["current"]["data_version"].startswith("validated-sha256:")
    latest = settings.var_path / "monitor" / "latest.json"
    assert json.loads(latest.read_text())["run"] == summary["run"]
    assert dashboard_link(settings) == summary["dashboard_url"]
    log = settings.var_path / "audit" / "audit.jsonl"
    [event] = read_entries(log)
    assert event["kind"] == "drift" and event["details"]["run"] == summary["run"]
    assert event["details"]["retrain_triggered"] is False

    details = record_retrain_request({**summary, "reasons": ["stale model"]}, trigger="test",
                                     settings=settings)  # fmt: skip
    assert details["reasons"] == ["stale model"]
    kinds = [e["kind"] for e in read_entries(log)]
    assert kinds == ["drift", "retrain_trigger"] and verify(log).ok


def test_nothing_to_compare_with_is_a_summary_not_a_failure(tmp_path: Path) -> None:
    project = tmp_path / "empty"
    project.mkdir()
    settings = _settings(project, tmp_path)
    summary = monitor_latest(run_id="first", settings=settings)
    assert summary["status"] == "no_reference" and not summary["retrain_triggered"]
    assert "no features" in summary["reference"]["reason"]
    assert (settings.var_path / "monitor" / "latest.json").exists()
    assert dashboard_link(settings) == ui_base_url(settings) == "http://127.0.0.1:18794"
