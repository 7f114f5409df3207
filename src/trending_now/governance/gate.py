"""The promotion gate: gather the evidence, run every check, decide, write the record.

Run after evaluate, before the version is registered: the card and the decision are written for
the version the registry will give the candidate (`registry.next_version`), so the version's
tag carries both. Outputs: `governance/decisions/<model>/<version>.json` (decision, every
check with value, threshold and evidence, the failed ones), `governance/cards/<model>/
<version>.{json,md}`, a tracker run with the card, and a `gate_decision` audit event.
Decision: `promote` when every check passes, else `block` (nothing is assigned).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from trending_now import audit
from trending_now.config import Params
from trending_now.evaluate import TEST_SPLIT
from trending_now.evaluate.metrics import f1_report
from trending_now.features.io import load_documents
from trending_now.features.labels import label_matrix
from trending_now.governance.cards import (
    build_model_card,
    card_paths,
    datasheet,
    genre_support,
    jsonable,
    load_card_text,
    write_card,
)
from trending_now.governance.checks import (
    Check,
    check_baseline,
    check_card,
    check_champion,
    check_data_age,
    check_data_contract,
    check_quality,
    check_reproducibility,
    check_serving,
    check_slices,
)
from trending_now.governance.explain import explain_model
from trending_now.governance.reproducibility import reproduce_candidate
from trending_now.governance.serving import serving_sanity
from trending_now.io import write_json
from trending_now.registry.promotion import BLOCK, PROMOTE, decision_path
from trending_now.registry.versions import RegistryError, fetch_model, production, recorded_metrics
from trending_now.tracking.base import NullTracker, Tracker
from trending_now.train.base import read_meta
from trending_now.train.models import BERT_NAME, load_model
from trending_now.workspace import data_version, git_commit

log = logging.getLogger(__name__)

BASELINES = ("baseline-logreg", "baseline-prior")


@dataclass(frozen=True)
class GateInputs:
    """Where the candidate and its evidence are, and what it is called."""

    name: str
    version: str
    project_dir: Path  # the git checkout holding the registry (may not be a git repository)
    features_dir: Path
    models_dir: Path
    metrics_dir: Path
    validated_dir: Path
    governance_dir: Path
    model_cache: Path
    raw_dvc: Path | None = None
    audit_log: Path | None = None
    fast: bool = False
    actor: str | None = None


@dataclass(frozen=True)
class GateDecision:
    """The outcome: promote or block, every check, and where the records were written."""

    name: str
    version: str
    decision: str
    checks: list[Check]
    decision_file: Path
    card_json: Path
    card_md: Path

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.passed]

    @property
    def promote(self) -> bool:
        return self.decision == PROMOTE

    def summary(self) -> GateSummary:
        """Small and JSON-ready: for XCom, the CLI and the audit log."""
        return GateSummary(
            name=self.name,
            version=self.version,
            decision=self.decision,
            failed=self.failed,
            reasons={c.name: c.reason for c in self.checks if not c.passed},
            decision_file=str(self.decision_file),
            card=str(self.card_json),
        )


class GateSummary(BaseModel):
    """What the gate decided about one candidate version, and where its records are."""

    name: str
    version: str
    decision: str
    failed: list[str]
    reasons: dict[str, str]
    decision_file: str
    card: str

    @property
    def promote(self) -> bool:
        return self.decision == PROMOTE


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def ingestion_time(
    report: dict[str, Any] | None, validated_dir: Path, audit_log: Path | None
) -> tuple[datetime | None, str]:
    """When the validated data was collected: its ingest's audit event, else the report's
    file time (a DVC checkout resets it, so the audit event is preferred)."""
    run_id = (report or {}).get("run_id")
    if audit_log is not None and run_id:
        for entry in reversed(audit.read_entries(audit_log)):
            if entry.get("kind") == "ingest" and entry["details"].get("run_id") == run_id:
                return datetime.fromisoformat(entry["ts"]), f"audit ingest event seq {entry['seq']}"
    path = validated_dir / "report.json"
    if path.exists():
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        return mtime, "file time of the validation report (no ingest audit event)"
    return None, "no validation report and no ingest audit event"


def production_evidence(inputs: GateInputs, test_docs: Any) -> dict[str, Any] | None:
    """The production version's macro-F1, re-scored on this test split when its model can be
    fetched and has the same genres, else as recorded at its registration."""
    if not (inputs.project_dir / ".git").exists():
        return None
    try:
        ref = production(inputs.project_dir, inputs.name)
    except RegistryError as exc:
        log.warning("registry unavailable (%s): no champion to compare with", exc)
        return None
    if ref is None:
        return None
    try:
        champion = load_model(fetch_model(inputs.project_dir, ref, inputs.model_cache))
        genres = list(champion.genres)
        candidate_genres = read_meta(inputs.models_dir / inputs.name)["genres"]
        if genres != candidate_genres:
            raise ValueError(f"label sets differ: {genres} vs {candidate_genres}")
        _, decisions = champion.predict(test_docs)
        truth = label_matrix(test_docs["genres"], genres)
        macro = f1_report(truth, decisions, genres).macro_f1
        how = "re-scored on this test split"
    except (RegistryError, ValueError, OSError) as exc:
        recorded = recorded_metrics(inputs.project_dir, ref)
        if recorded is None:
            return {"version": ref.version, "macro_f1": None, "how": f"unavailable ({exc})"}
        macro = float(recorded["overall"]["macro_f1"])
        how = f"as recorded at registration (could not re-score: {exc})"
    return {"version": ref.version, "macro_f1": float(macro), "how": how}


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def run_gate(inputs: GateInputs, params: Params, *, tracker: Tracker | None = None) -> GateDecision:
    """Every check on the candidate `inputs.name`; the decision and card written to disk."""
    gate = params.gate
    model_dir = inputs.models_dir / inputs.name
    metrics = _read_json(inputs.metrics_dir / f"{inputs.name}.json")
    if metrics is None:
        raise FileNotFoundError(f"no test metrics for {inputs.name}: run evaluate first")
    baselines = {
        b: m for b in BASELINES if (m := _read_json(inputs.metrics_dir / f"{b}.json")) is not None
    }
    report = _read_json(inputs.validated_dir / "report.json")
    ingested_at, age_source = ingestion_time(report, inputs.validated_dir, inputs.audit_log)
    test_docs = load_documents(inputs.features_dir, splits=(TEST_SPLIT,))
    model = load_model(model_dir)
    meta = read_meta(model_dir)
    version_of_data = data_version(inputs.raw_dvc, inputs.validated_dir)
    card = build_model_card(
        name=inputs.name,
        version=inputs.version,
        text=load_card_text(inputs.governance_dir, inputs.name),
        meta=meta,
        metrics=metrics,
        baselines=baselines,
        training_data=datasheet(
            validated_dir=inputs.validated_dir,
            features_dir=inputs.features_dir,
            validation_report=report,
            version_of_data=version_of_data,
            ingested_at=ingested_at.isoformat() if ingested_at else None,
        ),
        genres=genre_support(inputs.features_dir, metrics),
        explanations=explain_model(model, test_docs, n_movies=gate.explain_movies),
        gate=gate,
        lineage={"data_version": version_of_data, "git_commit": git_commit(inputs.project_dir)},
    )
    repro = reproduce_candidate(
        model_dir,
        inputs.features_dir,
        params.train,
        seed=params.seed,
        fast=inputs.fast,
        strategy=gate.repro_strategy,
        refit_max_movies=gate.repro_refit_max_movies,
    )
    tolerance = gate.bert_repro_tolerance if inputs.name == BERT_NAME else gate.xgb_repro_tolerance
    checks = [
        check_data_contract(report, gate, contract_limit=params.validate_.max_quarantine_rate),
        check_quality(metrics, gate),
        check_champion(
            float(metrics["overall"]["macro_f1"]), production_evidence(inputs, test_docs), gate
        ),
        check_baseline(metrics, baselines.get(gate.baseline), gate),
        check_slices(metrics, gate),
        check_reproducibility(repro, tolerance),
        check_serving(
            serving_sanity(model_dir, inputs.validated_dir, n_movies=gate.serving_sample_movies),
            gate,
        ),
        check_card(card, gate.require_card_sections),
        check_data_age(ingested_at, age_source, gate, now=datetime.now(UTC)),
    ]
    return _record(
        inputs,
        params,
        card,
        checks,
        metrics_sha=_sha256(inputs.metrics_dir / f"{inputs.name}.json"),
        tracker=tracker or NullTracker(),
    )


def _record(
    inputs: GateInputs,
    params: Params,
    card: dict[str, Any],
    checks: list[Check],
    *,
    metrics_sha: str | None,
    tracker: Tracker,
) -> GateDecision:
    """Write the decision and the card, track them, audit the decision."""
    failed = [c.name for c in checks if not c.passed]
    decision = PROMOTE if not failed else BLOCK
    path = decision_path(inputs.governance_dir, inputs.name, inputs.version)
    json_card, md_card = card_paths(inputs.governance_dir, inputs.name, inputs.version)
    record = {
        "name": inputs.name,
        "version": inputs.version,
        "decision": decision,
        "failed": failed,
        "checks": [c.model_dump() for c in checks],
        "decided_at": datetime.now(UTC).isoformat(),
        "thresholds": params.gate.model_dump(),
        "inputs": {
            "metrics_sha256": metrics_sha,
            "fast": inputs.fast,
            "data_version": card["lineage"]["data_version"],
            "git_commit": card["lineage"]["git_commit"],
        },
        "card": str(json_card.relative_to(inputs.governance_dir.parent)),
    }
    write_json(path, jsonable(record))
    card["gate"] = {k: record[k] for k in ("decision", "failed", "checks", "decided_at")}
    card["gate"]["record"] = str(path.relative_to(inputs.governance_dir.parent))
    write_card(inputs.governance_dir, card)
    result = GateDecision(inputs.name, inputs.version, decision, checks, path, json_card, md_card)
    _track(tracker, result)
    if inputs.audit_log is not None:
        audit.append_event(
            inputs.audit_log,
            "gate_decision",
            {**result.summary().model_dump(), "data_version": card["lineage"]["data_version"]},
            actor=inputs.actor,
        )
    log_fn = log.info if decision == PROMOTE else log.warning
    log_fn(
        "gate %s@%s: %s %s",
        inputs.name,
        inputs.version,
        decision.upper(),
        {c.name: c.reason for c in checks if not c.passed} or "(every check passed)",
    )
    return result


def _track(tracker: Tracker, result: GateDecision) -> None:
    """The decision and the card as a tracker run (W&B by default) beside the training runs."""
    config = {"model": result.name, "version": result.version, "stage": "gate"}
    with tracker.start_run("gate", config):
        numeric = {
            f"gate/{c.name}/value": float(c.value)
            for c in result.checks
            if isinstance(c.value, int | float) and not isinstance(c.value, bool)
        }
        tracker.log_metrics({**numeric, "gate/passed": float(result.promote)})
        tracker.log_summary({"decision": result.decision, "failed": ",".join(result.failed)})
        tracker.log_artifact(result.card_json, name=f"{result.name}-card", type="model-card")
        tracker.log_artifact(result.card_md, name=f"{result.name}-card-md", type="model-card")
        tracker.log_artifact(result.decision_file, name=f"{result.name}-gate", type="decision")
