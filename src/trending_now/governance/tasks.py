"""Entry points for DAG tasks and the CLI: settings and params in, one governance call, a small
JSON-ready result out (XCom-sized, no paths outside the project)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from trending_now.config import Settings, get_settings, load_params
from trending_now.governance import audit

log = logging.getLogger(__name__)

GOVERNANCE_DIR = Path("governance")
FAMILY_MODEL = {"xgb": "genre-xgb", "bert": "genre-bert"}


def governance_dir(settings: Settings) -> Path:
    """`governance/` under the project directory."""
    return settings.resolve(GOVERNANCE_DIR)


def _is_git(path: Path) -> bool:
    """The project directory is a git checkout (the registry's home), as register_family sees it."""
    return (path / ".git").exists()


def model_fingerprint(model_dir: Path) -> str:
    """A short hash of a model's meta.json and thresholds.json (an unregistered model's id)."""
    digest = hashlib.sha256()
    for name in ("meta.json", "thresholds.json"):
        if (model_dir / name).exists():
            digest.update((model_dir / name).read_bytes())
    return digest.hexdigest()[:12]


def candidate_version(settings: Settings, name: str, *, fast: bool) -> str:
    """The version the registry will give this candidate, or `unregistered-<hash>` when it will
    not be registered (fast mode, or a project directory without git)."""
    from trending_now.registry import next_version

    root = settings.project_dir
    if fast or not _is_git(root):
        return "unregistered-" + model_fingerprint(root / "models" / name)
    return next_version(root, name).version


def gate_candidate(
    family: str, *, fast: bool, settings: Settings | None = None, actor: str | None = None
) -> dict[str, Any]:
    """Run the promotion gate on the family's freshly evaluated model; return the summary."""
    from trending_now.governance.gate import GateInputs, run_gate
    from trending_now.tracking import get_tracker

    settings = settings or get_settings()
    params = load_params(settings.params_path)
    name = FAMILY_MODEL[family]
    root = settings.project_dir
    inputs = GateInputs(
        name=name,
        version=candidate_version(settings, name, fast=fast),
        project_dir=root,
        features_dir=settings.data_path / "features",
        models_dir=root / "models",
        metrics_dir=root / "metrics",
        validated_dir=settings.data_path / "validated",
        governance_dir=governance_dir(settings),
        model_cache=settings.var_path / "models",
        raw_dvc=settings.data_path / "raw.dvc",
        audit_log=audit.default_log_path(settings),
        fast=fast,
        actor=actor,
    )
    tracker = get_tracker(settings.tracker, settings.var_path, pipeline="gate")
    return run_gate(inputs, params, tracker=tracker).summary()


def promote_if_allowed(
    summary: dict[str, Any],
    *,
    settings: Settings | None = None,
    actor: str | None = None,
    approved_by: str | None = None,
) -> str | None:
    """Assign `prod` to the gated version when the gate said promote and it is registered."""
    from trending_now.governance.promotion import promote
    from trending_now.registry import parse_ref

    settings = settings or get_settings()
    if summary["decision"] != "promote":
        log.warning(
            "not promoting %s@%s: blocked by %s",
            summary["name"],
            summary["version"],
            summary["failed"],
        )
        return None
    if not str(summary["version"]).startswith("v"):
        log.info("%s is not a registered version: nothing to promote", summary["version"])
        return None
    ref = parse_ref(f"{summary['name']}@{summary['version']}")
    change = promote(
        settings.project_dir,
        ref,
        governance_dir=governance_dir(settings),
        audit_log=audit.default_log_path(settings),
        reason="the gate passed every check",
        actor=actor,
        approved_by=approved_by,
    )
    log.info("promoted %s to prod (was %s) in %.2f s", ref.tag, change.previous, change.seconds)
    return ref.tag


def gate_enrichment(settings: Settings | None = None, actor: str | None = None) -> dict[str, Any]:
    """Enrichment card + fairness verdict of data/enriched; audited."""
    from trending_now.governance.enrichment import run_enrichment_gate

    settings = settings or get_settings()
    params = load_params(settings.params_path)
    return run_enrichment_gate(
        enriched_dir=settings.data_path / "enriched",
        validated_dir=settings.data_path / "validated",
        governance_dir=governance_dir(settings),
        params=params.gate.enrichment,
        audit_log=audit.default_log_path(settings),
        actor=actor,
    )


def record(kind: str, details: dict[str, Any], *, settings: Settings | None = None) -> None:
    """Append an audit event for a pipeline step; never fails the step itself."""
    settings = settings or get_settings()
    try:
        audit.append_event(audit.default_log_path(settings), kind, details)
    except OSError as exc:
        log.error("could not write the audit event %s: %s", kind, exc)


def latest_wandb_run_id(settings: Settings) -> str | None:
    """The id of the newest offline W&B run under var/ (W&B names its folders `...-<id>`)."""
    runs = sorted((settings.var_path / "wandb").glob("**/offline-run-*"), key=lambda p: p.name)
    return runs[-1].name.rsplit("-", 1)[-1] if runs else None


def enrichment_verdict(
    settings: Settings | None = None, actor: str | None = None
) -> tuple[bool, str]:
    """May data/enriched be published? Judged now (card written, audited) unless the enrichment
    card already judged exactly this enrichments file. The publish stage's input check."""
    from trending_now.governance.enrichment import publishable

    settings = settings or get_settings()
    enriched = settings.data_path / "enriched"
    ok, why = publishable(governance_dir(settings), enriched)
    if why.startswith("not judged") and (enriched / "report.json").exists():
        summary = gate_enrichment(settings, actor=actor)
        ok, why = publishable(governance_dir(settings), enriched)
        log.info("enrichment gate at publish time: %s", summary["decision"])
    return ok, why
