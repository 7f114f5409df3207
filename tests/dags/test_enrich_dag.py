"""The enrich DAG: parses, consumes the validated-data Asset, typed params, thin tasks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dag(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow-home")))
    from airflow.dag_processing.dagbag import DagBag

    if str(DAGS_DIR) not in sys.path:
        sys.path.insert(0, str(DAGS_DIR))
    bag = DagBag(dag_folder=str(DAGS_DIR / "trending_enrich.py"))
    assert bag.import_errors == {}
    return bag.dags["trending_enrich"]


def test_scheduled_on_validated_data_and_produces_enrichments(dag) -> None:  # type: ignore[no-untyped-def]
    from assets import ENRICHMENTS, VALIDATED_MOVIES

    consumed = [asset.uri for asset in dag.timetable.asset_condition.objects]
    assert consumed == [VALIDATED_MOVIES.uri]
    assert [asset.uri for asset in dag.get_task("enrich").outlets] == [ENRICHMENTS.uri]
    assert dag.max_active_runs == 1 and dag.catchup is False


def test_params_are_typed_and_hold_no_secrets(dag) -> None:  # type: ignore[no-untyped-def]
    params = dag.params
    assert params.get_param("provider").schema["enum"] == [None, "embedded", "openai"]
    assert params.get_param("concurrency").schema["maximum"] == 16
    assert params.get_param("max_cost_usd").schema["minimum"] == 0
    assert not [name for name in params if "key" in name.lower() or "secret" in name.lower()]


def test_prompt_is_resolved_before_enrich_with_retries(dag) -> None:  # type: ignore[no-untyped-def]
    enrich = dag.get_task("enrich")
    assert enrich.upstream_task_ids == {"resolve_prompt"}
    assert all(task.retries >= 1 and task.owner == "ml-platform" for task in dag.tasks)


def test_dag_file_reads_no_prompt_or_secret_at_parse_time() -> None:
    text = (DAGS_DIR / "trending_enrich.py").read_text()
    top_level = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
    assert not [line for line in top_level if "trending_now" in line or "boto3" in line]
