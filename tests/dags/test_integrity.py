"""Every DAG imports cleanly and carries the operational metadata the team relies on."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("airflow-home")
    os.environ.setdefault("AIRFLOW_HOME", str(home))  # importing airflow creates its home
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    # Airflow's bundle parser puts the DAG folder on sys.path (for `from assets import ...`).
    if str(DAGS_DIR) not in sys.path:
        sys.path.insert(0, str(DAGS_DIR))

    return DagBag(dag_folder=str(DAGS_DIR))


def test_no_import_errors(dagbag) -> None:  # type: ignore[no-untyped-def]
    assert dagbag.import_errors == {}


def test_expected_dags_present(dagbag) -> None:  # type: ignore[no-untyped-def]
    assert {"trending_ingest", "trending_train", "trending_enrich"} <= set(dagbag.dag_ids)


def test_train_runs_features_then_train_then_evaluate(dagbag) -> None:  # type: ignore[no-untyped-def]
    dag = dagbag.dags["trending_train"]
    assert dag.get_task("train").upstream_task_ids == {"features"}
    assert dag.get_task("evaluate").upstream_task_ids == {"train"}
    assert dag.get_task("gate").upstream_task_ids == {"evaluate"}
    assert dag.get_task("register").upstream_task_ids == {"evaluate", "gate"}
    assert dag.params.get_param("family").schema["enum"] == ["xgb", "bert"]


def test_train_promotes_only_through_the_gate_and_optional_approval(dagbag) -> None:  # type: ignore[no-untyped-def]
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    dag = dagbag.dags["trending_train"]
    assert dag.get_task("decide").upstream_task_ids == {"gate", "register"}
    assert isinstance(dag.get_task("approval"), ApprovalOperator)
    assert dag.get_task("approval").upstream_task_ids == {"decide"}
    promote = dag.get_task("promote")
    assert promote.upstream_task_ids == {"decide", "approval", "gate", "register"}
    assert promote.trigger_rule == "none_failed_min_one_success"
    assert [o.uri for o in promote.outlets] == ["trending://models/genre"]
    assert dag.params["require_approval"] is False


class _RuntimeTI:
    """What SkipMixin.skip uses of the runtime task instance: its map index and XCom push."""

    map_index = -1

    def __init__(self) -> None:
        self.xcom: dict[str, object] = {}

    def xcom_push(self, key: str, value: object) -> None:
        self.xcom[key] = value


def _answer(option: str) -> dict[str, object]:
    from datetime import UTC, datetime

    user = {"id": "ml-reviewer", "name": "ml-reviewer"}
    return {"chosen_options": [option], "params_input": {}, "responded_at": datetime.now(UTC),
            "responded_by_user": user}  # fmt: skip


def test_train_reject_skips_promote_and_approve_does_not(dagbag) -> None:  # type: ignore[no-untyped-def]
    """The operator's own resume code on a Reject answer skips `promote` (whatever its trigger
    rule: a skip is final) without failing the run; on Approve it skips nothing."""
    from airflow.sdk.exceptions import DownstreamTasksSkipped

    approval = dagbag.dags["trending_train"].get_task("approval")
    assert approval.options == ["Approve", "Reject"] and approval.defaults is None
    assert approval.fail_on_reject is False  # a Reject is a decision, not a failed run
    assert approval.downstream_task_ids == {"promote"}
    ti = _RuntimeTI()
    with pytest.raises(DownstreamTasksSkipped) as skipped:
        approval.execute_complete(context={"task": approval, "ti": ti}, event=_answer("Reject"))
    assert skipped.value.tasks == ["promote"]
    assert ti.xcom == {"skipmixin_key": {"skipped": ["promote"]}}
    ti = _RuntimeTI()
    ok = approval.execute_complete(context={"task": approval, "ti": ti}, event=_answer("Approve"))
    assert ok["responded_by_user"]["name"] == "ml-reviewer" and ti.xcom == {}


def test_dag_id_is_file_name(dagbag) -> None:  # type: ignore[no-untyped-def]
    for dag_id, dag in dagbag.dags.items():
        assert Path(dag.fileloc).stem == dag_id


def test_every_dag_documented_and_tagged(dagbag) -> None:  # type: ignore[no-untyped-def]
    for dag_id, dag in dagbag.dags.items():
        assert dag.doc_md and len(dag.doc_md) > 80, f"{dag_id} has no doc_md"
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.catchup is False, f"{dag_id} would backfill on first start"


def test_every_task_has_retries_and_owner(dagbag) -> None:  # type: ignore[no-untyped-def]
    for dag_id, dag in dagbag.dags.items():
        for task in dag.tasks:
            assert task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"
            assert task.owner and task.owner != "airflow", f"{dag_id}.{task.task_id} has no owner"


def test_ingest_dag_params_are_typed(dagbag) -> None:  # type: ignore[no-untyped-def]
    params = dagbag.dags["trending_ingest"].params
    assert params.get_param("source").schema["enum"] == [None, "replay", "tmdb"]
    assert params.get_param("movie_limit").schema["minimum"] == 1
    assert params.get_param("time_window").schema["enum"] == [None, "day", "week"]


PARAMS_YAML_BACKED = {
    "trending_ingest": {"time_window": "ingest.time_window", "movie_limit": "ingest.movie_limit"},
    "trending_enrich": {
        "provider": "enrich.provider",
        "concurrency": "enrich.concurrency",
        "max_cost_usd": "enrich.max_cost_usd",
        "movie_limit": "enrich.movie_limit",
    },
}


def test_params_yaml_values_are_not_repeated_as_dag_defaults(dagbag) -> None:  # type: ignore[no-untyped-def]
    """An untouched trigger form means params.yaml: the default is None, and the form's
    description shows what params.yaml says now."""
    shipped = yaml.safe_load((DAGS_DIR.parent / "params.yaml").read_text())
    for dag_id, backed in PARAMS_YAML_BACKED.items():
        params = dagbag.dags[dag_id].params
        for name, dotted in backed.items():
            assert params[name] is None, f"{dag_id}.{name} repeats a params.yaml default"
            block, key = dotted.split(".")
            description = params.get_param(name).description
            assert f"params.yaml's {dotted} (now {shipped[block][key]!r})" in description


def test_dag_files_import_no_heavy_libraries() -> None:
    """DAG files are parsed every 30 s: stage code must be imported inside tasks only."""
    heavy = ("trending_now", "pandas", "torch", "xgboost", "sklearn", "transformers", "dvc")
    for path in DAGS_DIR.glob("*.py"):
        top_level = [
            line for line in path.read_text().splitlines() if line.startswith(("import ", "from "))
        ]
        for line in top_level:
            assert not any(f" {mod}" in line for mod in heavy), f"{path.name}: {line}"
