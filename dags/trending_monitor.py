"""Watch the latest data for drift against the production model's training data; ask for a retrain.

**Trigger**: each new `trending://data/validated` Asset event (every ingest), and daily at 06:00
UTC even without new data (the model keeps ageing), or by hand from the UI.
**Steps**: `monitor` compares the latest validated data with the training data of the production
model (Evidently: the monitored columns, the review text, the predicted genre mix), checks
training/serving skew, macro-F1 on newly labelled movies and finite outputs, writes the reports
(`var/monitor/reports/<date>/<run>/`), adds the run to the Evidently workspace (the drift
dashboard, see `trending stack urls`), writes `var/monitor/latest.json` and a `drift` audit
event. `request_retrain` runs only when a retrain is needed (drift past the thresholds of
`monitor:` in params.yaml, a stale model or a quality drop): it records a `retrain_trigger`
audit event with the reasons and emits `trending://monitor/retrain`, on which `trending_train`
is scheduled, so the retrain run shows as triggered by this Asset event. Otherwise it is
skipped and emits nothing.
**Re-run**: clear `monitor`; each run writes its own report folder.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, task
from assets import RETRAIN_REQUESTED, VALIDATED_MOVIES


@dag(
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 6 * * *", timezone="UTC"), assets=VALIDATED_MOVIES
    ),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer of var/monitor at a time
    doc_md=__doc__,
    tags=["monitor", "drift"],
    default_args={"owner": "ml-platform", "retries": 1, "retry_delay": timedelta(minutes=2)},
)
def trending_monitor() -> None:
    @task(execution_timeout=timedelta(minutes=30))
    def monitor(run_id: str | None = None) -> dict[str, Any]:
        """Run the monitor stage; return the decision and where the reports are."""
        from trending_now.monitor.tasks import monitor

        summary = monitor(run_id=run_id)
        return summary.model_dump(mode="json")

    @task(outlets=[RETRAIN_REQUESTED])
    def request_retrain(summary: dict[str, Any], outlet_events: Any = None) -> list[str]:
        """Emit the retrain Asset with the reasons, or skip (no event) when none is needed."""
        from airflow.sdk.exceptions import AirflowSkipException

        from trending_now.monitor import MonitorSummary

        findings = MonitorSummary.model_validate(summary)
        if not findings.retrain_triggered:
            raise AirflowSkipException("no retrain needed: drift, age and quality within limits")
        from trending_now.monitor.tasks import record_retrain_request

        details = record_retrain_request(findings, trigger=RETRAIN_REQUESTED.uri)
        if outlet_events is not None:
            outlet_events[RETRAIN_REQUESTED].extra = details
        return findings.reasons

    request_retrain(monitor())


trending_monitor()
