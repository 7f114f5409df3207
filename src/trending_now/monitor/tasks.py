"""Task entries of the monitor DAG and `trending monitor`: the project in, one stage call, a
summary out.

The audit log gets a `drift` event for every run and a `retrain_trigger` event when a retrain is
requested (the DAG task that emits the retrain Asset calls `record_retrain_request`).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from trending_now import audit
from trending_now.config import Settings
from trending_now.io import write_json
from trending_now.monitor import LATEST_FILE, MonitorSummary, run_stage, unavailable_summary
from trending_now.monitor.reference import ReferenceUnavailable, resolve_reference
from trending_now.paths import Paths, safe_run_id
from trending_now.project import Project, load_project
from trending_now.tracking import get_tracker
from trending_now.workspace import data_version

log = logging.getLogger(__name__)


def ui_base_url(settings: Settings) -> str:
    """The Evidently UI of the local stack."""
    return f"http://{settings.host}:{settings.evidently_port}"


def dashboard_link(settings: Settings, paths: Paths) -> str:
    """The project dashboard of the last monitor run, else the Evidently UI's start page."""
    base = ui_base_url(settings)
    latest = paths.monitor / LATEST_FILE
    if latest.exists():
        url = json.loads(latest.read_text(encoding="utf-8")).get("dashboard_url")
        if isinstance(url, str) and url.startswith(base):
            return url
    return base


def _current_info(paths: Paths) -> dict[str, Any]:
    """The data version and validation counts of the latest validated data."""
    info: dict[str, Any] = {"data_version": data_version(paths.raw_dvc, paths.validated)}
    report = paths.validated / "report.json"
    if report.exists():
        counts = json.loads(report.read_text(encoding="utf-8"))
        info["run_id"] = counts.get("run_id")
        info["validated"] = {k: counts[k] for k in ("movies", "reviews") if k in counts}
    return info


def monitor(*, run_id: str | None = None, project: Project | None = None) -> MonitorSummary:
    """Run the monitor stage on the project's latest validated data; audit its findings."""
    project = project or load_project()
    paths, settings = project.paths, project.settings
    now = datetime.now(UTC)
    rid = safe_run_id(run_id or "manual-" + now.strftime("%Y%m%dT%H%M%SZ"))
    try:
        reference = resolve_reference(paths, project.params.publish.model)
    except ReferenceUnavailable as exc:
        log.warning("monitor %s: nothing to compare with: %s", rid, exc)
        summary = unavailable_summary(str(exc), run_id=rid, now=now, url=ui_base_url(settings))
        write_json(paths.monitor / LATEST_FILE, summary.model_dump(mode="json"))
        return summary
    summary = run_stage(
        reference=reference,
        validated_dir=paths.validated,
        monitor_dir=paths.monitor,
        params=project.params.monitor,
        run_id=rid,
        now=now,
        ui_url=ui_base_url(settings),
        current_info=_current_info(paths),
        tracker=get_tracker(settings.tracker, paths.tracking, pipeline="monitor"),
    )
    audit.append_event(paths.audit_log, "drift", _audit_details(summary))
    return summary


def _audit_details(summary: MonitorSummary) -> dict[str, Any]:
    keys = (
        "run",
        "dataset_drift",
        "drift_share",
        "drifted_columns",
        "stale_model",
        "retrain_triggered",
        "reasons",
        "alerts",
        "report_html",
        "reference",
    )
    details = summary.model_dump(include=set(keys))
    details["prediction_drift"] = summary.prediction_drift.get("drifted")
    return details


def record_retrain_request(
    summary: MonitorSummary, *, trigger: str, project: Project | None = None
) -> dict[str, Any]:
    """Append why a retrain is requested (`retrain_trigger` event); return the event details."""
    project = project or load_project()
    details = {
        "run": summary.run,
        "reasons": summary.reasons,
        "trigger": trigger,
        "report_html": summary.report_html,
    }
    audit.append_event(project.paths.audit_log, "retrain_trigger", details)
    return details
