"""The monitor DAG's wiring: after every ingest and daily, and the retrain Asset the train DAG
waits on is emitted by one dedicated task."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
VALIDATED, RETRAIN = "trending://data/validated", "trending://monitor/retrain"


@pytest.fixture(scope="module")
def dags(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow-home")))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    if str(DAGS_DIR) not in sys.path:
        sys.path.insert(0, str(DAGS_DIR))
    found = {}
    for name in ("trending_monitor", "trending_train"):
        bag = DagBag(dag_folder=str(DAGS_DIR / f"{name}.py"))
        assert bag.import_errors == {}
        found.update(bag.dags)
    return found


def test_runs_after_each_ingest_and_daily(dags: dict[str, Any]) -> None:
    from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable

    timetable = dags["trending_monitor"].timetable
    assert isinstance(timetable, AssetOrTimeSchedule)
    assert timetable.asset_condition.uri == VALIDATED
    assert isinstance(timetable.timetable, CronTriggerTimetable)
    assert timetable.timetable.expression == "0 6 * * *"  # daily, 06:00 UTC


def test_only_request_retrain_emits_the_retrain_asset(dags: dict[str, Any]) -> None:
    dag = dags["trending_monitor"]
    assert dag.get_task("request_retrain").upstream_task_ids == {"monitor"}
    emitting = {t.task_id for t in dag.tasks if any(o.uri == RETRAIN for o in t.outlets)}
    assert emitting == {"request_retrain"}


def test_train_is_scheduled_on_validated_data_or_a_retrain_request(dags: dict[str, Any]) -> None:
    condition = dags["trending_train"].timetable.asset_condition
    assert type(condition).__name__ == "AssetAny"
    assert {a.uri for a in condition.objects} == {VALIDATED, RETRAIN}
