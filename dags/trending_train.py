"""Train the genre classifiers whenever new validated data lands, and score them once on test.

**Trigger**: the `trending://data/validated` Asset (each successful ingest), or by hand from the UI
with the params below. **Steps**: `features` (`dvc repro features`: cleaned documents, the
grouped train/valid/test split), `train` (the chosen model family: XGBoost + the baselines, or
the fine-tuned BERT; full mode runs the DVC stage so the result is versioned in dvc.lock, fast
mode is a tracked smoke run), `evaluate` (the single test-split evaluation of every trained model,
metrics and plots as DVC metrics and in W&B), `gate` (every promotion check with its evidence:
the decision and the model card under `governance/`, an audit event; docs/governance.md),
`register` (full mode, in a git checkout: `dvc push`, commit dvc.lock, params, metrics and the
card, tag the next GTO version such as `genre-xgb@v2.0.0`; blocked versions are registered too,
for the record), `decide` (a branch: a blocked or unregistered candidate skips the rest, the
failing checks in its log), `approval` (only with `require_approval`: Approve/Reject in the
Airflow UI, Required Actions), `promote` (assign GTO stage `prod`, audited).
**Produces** the `trending://models/genre` Asset when production changes (publish serves `prod`).
**Blocked?** The run still succeeds: `decide` logs `BLOCKED` with each failing check and
`approval`/`promote` show as skipped; the decision record says the same.
**Re-run**: clear a task; unchanged inputs make the DVC stages no-ops.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Param, dag, get_current_context, task
from assets import GENRE_MODELS, RETRAIN_REQUESTED, VALIDATED_MOVIES


@task
def features() -> None:
    """Build the documents and the split (`dvc repro features`)."""
    from trending_now.features.tasks import features_with_dvc

    features_with_dvc()


@task(execution_timeout=timedelta(hours=2))
def train(params: dict[str, Any] | None = None) -> list[str]:
    """Train the chosen family on train, tune thresholds on valid; return the model names."""
    from trending_now.train.tasks import train_family

    assert params is not None
    return train_family(params["family"], fast=bool(params["fast"]))


@task
def evaluate(models: list[str], params: dict[str, Any] | None = None) -> dict[str, float]:
    """Score every trained model once on the test split; return test macro-F1 per model."""
    from trending_now.evaluate.tasks import evaluate_family

    assert params is not None
    return evaluate_family(params["family"], fast=bool(params["fast"]))


@task(execution_timeout=timedelta(hours=1))
def gate(scores: dict[str, float], params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every promotion check; the decision record and model card; an audit event."""
    from trending_now.governance.tasks import gate_candidate

    assert params is not None
    summary = gate_candidate(params["family"], fast=bool(params["fast"]), actor=_actor())
    return summary.model_dump()


@task
def register(
    scores: dict[str, float], decision: dict[str, Any], params: dict[str, Any] | None = None
) -> str | None:
    """`dvc push`, commit dvc.lock/params/metrics/card and tag the version the gate judged."""
    from trending_now.governance.tasks import register_candidate

    assert params is not None
    return register_candidate(
        params["family"], scores, fast=bool(params["fast"]), version=decision["version"]
    )


@task.branch
def decide(
    decision: dict[str, Any], tag: str | None, params: dict[str, Any] | None = None
) -> str | None:
    """Promote (through approval if required), or skip the rest and log why."""
    import logging

    from trending_now.governance.gate import GateSummary

    assert params is not None
    summary = GateSummary.model_validate(decision)
    log = logging.getLogger("airflow.task")
    if not summary.promote:
        reasons = "; ".join(f"{k}: {v}" for k, v in summary.reasons.items())
        log.warning("BLOCKED %s@%s by: %s", summary.name, summary.version, reasons)
        return None
    if tag is None:
        log.info("%s passed the gate but is not a registered version", summary.version)
        return None
    return "approval" if params["require_approval"] else "promote"


@task(trigger_rule="none_failed_min_one_success", outlets=[GENRE_MODELS])
def promote(decision: dict[str, Any], tag: str | None) -> str | None:
    """Assign GTO stage `prod` to the version (audited, with the approver if any)."""
    from trending_now.governance.gate import GateSummary
    from trending_now.governance.tasks import promote_if_allowed

    answer = get_current_context()["ti"].xcom_pull(task_ids="approval") or {}
    approver = answer.get("responded_by_user") or {}  # a HITLUser: {"id": ..., "name": ...}
    summary = GateSummary.model_validate(decision)
    return promote_if_allowed(summary, actor=_actor(), approved_by=approver.get("name"))


def _actor() -> str:
    """Who acts in the audit log: this DAG run."""
    context = get_current_context()
    return f"airflow:{context['dag'].dag_id}:{context['run_id']}"


@dag(
    schedule=(VALIDATED_MOVIES | RETRAIN_REQUESTED),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # DVC stages share the workspace: one training at a time
    doc_md=__doc__,
    tags=["train", "models"],
    default_args={
        "owner": "ml-platform",
        "retries": 1,
        "retry_delay": timedelta(minutes=1),
    },
    params={
        "family": Param(
            "xgb",
            enum=["xgb", "bert"],
            title="Model family",
            description="xgb = XGBoost + prior and logistic-regression baselines",
        ),
        "fast": Param(
            False,
            type="boolean",
            title="Fast mode",
            description="params.yaml's train.fast block: minutes, not a model version",
        ),
        "require_approval": Param(
            False,
            type="boolean",
            title="Require human approval",
            description="Pause for Approve/Reject in the Airflow UI before assigning production",
        ),
    },
)
def trending_train() -> None:
    models = train()
    features() >> models
    scores = evaluate(models)
    decision = gate(scores)
    tag = register(scores, decision)
    route = decide(decision, tag)
    promoted = promote(decision, tag)
    approval = ApprovalOperator(
        task_id="approval",
        subject="Promote {{ ti.xcom_pull(task_ids='register') }} to production?",
        body="Every gate check passed; the decision record and the model card are under "
        "governance/ (see the gate task's return value).",
        response_timeout=timedelta(days=3),
    )
    route >> [approval, promoted]
    approval >> promoted


trending_train()
