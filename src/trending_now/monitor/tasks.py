"""Entry points for the monitor DAG tasks and the CLI: settings in, one stage call, a summary out.

The audit log gets a `drift` event for every run and a `retrain_trigger` event when a retrain is
requested (the DAG task that emits the retrain Asset calls `record_retrain_request`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trending_now.config import Settings, get_settings, load_params
from trending_now.io import write_json

log = logging.getLogger(__name__)


def ui_base_url(settings: Settings) -> str:
    """The Evidently UI of the local stack."""
    return f"http://{settings.host}:{settings.evidently_port}"


def monitor_dir(settings: Settings) -> Path:
    """`var/monitor`: reports, the Evidently workspace and latest.json."""
    return settings.var_path / "monitor"


def dashboard_link(settings: Settings) -> str:
    """The project dashboard of the last monitor run, else the Evidently UI's start page."""
    import json

    latest = monitor_dir(settings) / "latest.json"
    if latest.exists():
        url = json.loads(latest.read_text(encoding="utf-8")).get("dashboard_url")
        if isinstance(url, str) and url.startswith(ui_base_url(settings)):
            return url
    return ui_base_url(settings)


def _current_info(settings: Settings) -> dict[str, Any]:
    """The data version and validation counts of the latest validated data."""
    import json

    from trending_now.publish.lineage import data_version

    validated = settings.data_path / "validated"
    info: dict[str, Any] = {"data_version": data_version(settings.data_path / "raw.dvc", validated)}
    report = validated / "report.json"
    if report.exists():
        counts = json.loads(report.read_text(encoding="utf-8"))
        info["run_id"] = counts.get("run_id")
        info["validated"] = {k: counts[k] for k in ("movies", "reviews") if k in counts}
    return info


def monitor_latest(
    *, run_id: str | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """Run the monitor stage on the project's latest validated data; return its summary."""
    from trending_now.monitor import LATEST_FILE, run_stage, unavailable_summary
    from trending_now.monitor.reference import ReferenceUnavailable, resolve_reference
    from trending_now.pipeline import safe_run_id
    from trending_now.tracking import get_tracker

    settings = settings or get_settings()
    params = load_params(settings.params_path)
    now = datetime.now(UTC)
    rid = safe_run_id(run_id or "manual-" + now.strftime("%Y%m%dT%H%M%SZ"))
    out = monitor_dir(settings)
    try:
        reference = resolve_reference(
            settings.project_dir,
            settings.data_path,
            params.publish.model,
            cache_dir=settings.var_path / "models",
        )
    except ReferenceUnavailable as exc:
        log.warning("monitor %s: nothing to compare with: %s", rid, exc)
        summary = unavailable_summary(str(exc), run_id=rid, now=now, url=ui_base_url(settings))
        write_json(out / LATEST_FILE, summary)
        return summary
    summary = run_stage(
        reference=reference,
        validated_dir=settings.data_path / "validated",
        monitor_dir=out,
        params=params.monitor,
        run_id=rid,
        now=now,
        ui_url=ui_base_url(settings),
        current_info=_current_info(settings),
        tracker=get_tracker(settings.tracker, settings.var_path, pipeline="monitor"),
    )
    record_drift(summary, settings=settings)
    return summary


def _audit_details(summary: dict[str, Any]) -> dict[str, Any]:
    keys = ("run", "dataset_drift", "drift_share", "drifted_columns", "stale_model",
            "retrain_triggered", "reasons", "alerts", "report_html", "reference")  # fmt: skip
    details = {k: summary.get(k) for k in keys}
    details["prediction_drift"] = (summary.get("prediction_drift") or {}).get("drifted")
    return details


def record_drift(summary: dict[str, Any], *, settings: Settings | None = None) -> None:
    """Append the run's findings and decision to the audit log (`drift` event)."""
    from trending_now.governance.audit import append_event, default_log_path

    settings = settings or get_settings()
    append_event(default_log_path(settings), "drift", _audit_details(summary))


def record_retrain_request(
    summary: dict[str, Any], *, trigger: str, settings: Settings | None = None
) -> dict[str, Any]:
    """Append why a retrain is requested (`retrain_trigger` event); return the event details."""
    from trending_now.governance.audit import append_event, default_log_path

    settings = settings or get_settings()
    details = {
        "run": summary.get("run"),
        "reasons": summary.get("reasons", []),
        "trigger": trigger,
        "report_html": summary.get("report_html"),
    }
    append_event(default_log_path(settings), "retrain_trigger", details)
    return details
