"""The entry points the DAG and the CLI call: the project in, audit events out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from tests.unit.monitor.conftest import MODEL, World
from trending_now.audit import read_entries, verify
from trending_now.config import Settings
from trending_now.monitor.tasks import (
    dashboard_link,
    monitor,
    record_retrain_request,
    ui_base_url,
)
from trending_now.project import Project, load_project


def _project(root: Path, tmp_path: Path) -> Project:
    (root / "params.yaml").write_text(yaml.safe_dump({"publish": {"model": MODEL}}))
    settings = Settings(project_dir=root, var_dir=tmp_path / "var", tracker="none",
                        evidently_port=18794)  # fmt: skip
    return load_project(settings)


def test_a_run_writes_latest_and_a_drift_audit_event(world: World, tmp_path: Path) -> None:
    project = tmp_path / "project"
    for part in ("data", "models", "metrics"):
        shutil.copytree(world.project / part, project / part)
    ctx = _project(project, tmp_path)
    summary = monitor(run_id="scheduled__2026-11-26T06:00:00+00:00", project=ctx)
    assert summary.run == "scheduled__2026-11-26T06-00-00-00-00"  # safe as a folder name
    assert summary.reference["source"] == "workspace"
    assert summary.current["data_version"].startswith("validated-sha256:")
    latest = tmp_path / "var" / "monitor" / "latest.json"
    assert json.loads(latest.read_text())["run"] == summary.run
    assert dashboard_link(ctx.settings, ctx.paths) == summary.dashboard_url
    log = tmp_path / "var" / "audit" / "audit.jsonl"
    [event] = read_entries(log)
    assert event["kind"] == "drift" and event["details"]["run"] == summary.run
    assert event["details"]["retrain_triggered"] is False

    stale = summary.model_copy(update={"reasons": ["stale model"]})
    details = record_retrain_request(stale, trigger="test", project=ctx)
    assert details["reasons"] == ["stale model"]
    kinds = [e["kind"] for e in read_entries(log)]
    assert kinds == ["drift", "retrain_trigger"] and verify(log).ok


def test_nothing_to_compare_with_is_a_summary_not_a_failure(tmp_path: Path) -> None:
    project = tmp_path / "empty"
    project.mkdir()
    ctx = _project(project, tmp_path)
    summary = monitor(run_id="first", project=ctx)
    assert summary.status == "no_reference" and not summary.retrain_triggered
    assert "no features" in summary.reference["reason"]
    assert (tmp_path / "var" / "monitor" / "latest.json").exists()
    assert (
        dashboard_link(ctx.settings, ctx.paths)
        == ui_base_url(ctx.settings)
        == "http://127.0.0.1:18794"
    )
