"""Task entries of the train DAG's gate/register/promote tasks, the enrich DAG's fairness task,
publish's enrichment check and the `trending gate|enrichment-gate|mltestscore` commands: the
project in, one governance call, a typed result out (XCom-sized, no paths outside the project).
"""

from __future__ import annotations

import logging
from typing import Any

from trending_now import workspace
from trending_now.governance.enrichment import (
    EnrichmentVerdict,
    publishable,
    run_enrichment_gate,
)
from trending_now.governance.gate import GateInputs, GateSummary, run_gate
from trending_now.project import Project, load_project
from trending_now.registry.promotion import promote
from trending_now.registry.versions import (
    next_version,
    parse_ref,
    register,
    unregistered_version,
)
from trending_now.tracking import get_tracker
from trending_now.train.families import get_family

log = logging.getLogger(__name__)


def candidate_version(project: Project, name: str, *, fast: bool) -> str:
    """The version the registry will give this candidate, or `unregistered-<hash>` when it will
    not be registered (fast mode, or a project directory without git)."""
    if fast or not project.paths.is_git:
        return unregistered_version(project.paths.models / name)
    return next_version(project.paths.root, name).version


def gate_candidate(
    family: str, *, fast: bool, actor: str | None = None, project: Project | None = None
) -> GateSummary:
    """Run the promotion gate on the family's freshly evaluated candidate."""
    project = project or load_project()
    paths = project.paths
    name = get_family(family).candidate
    inputs = GateInputs(
        name=name,
        version=candidate_version(project, name, fast=fast),
        project_dir=paths.root,
        features_dir=paths.features,
        models_dir=paths.models,
        metrics_dir=paths.metrics,
        validated_dir=paths.validated,
        governance_dir=paths.governance,
        model_cache=paths.model_cache,
        raw_dvc=paths.raw_dvc,
        audit_log=paths.audit_log,
        fast=fast,
        actor=actor,
    )
    tracker = get_tracker(project.settings.tracker, paths.tracking, pipeline="gate")
    return run_gate(inputs, project.params, tracker=tracker).summary()


def register_candidate(
    family: str,
    scores: dict[str, float],
    *,
    fast: bool,
    version: str | None = None,
    project: Project | None = None,
) -> str | None:
    """Push the data and register the family's candidate as the next GTO version.

    Fast runs are smoke tests, not versions; a project directory that is not a git repository
    has no registry, so nothing is registered there (logged, not an error).
    """
    project = project or load_project()
    if fast:
        log.info("fast mode: not registering a version")
        return None
    if not project.paths.is_git:
        log.warning("%s is not a git repository: no registry to register in", project.paths.root)
        return None
    workspace.dvc(project.paths.root, "push")
    summary = ", ".join(f"{m} test macro-F1 {s:.4f}" for m, s in sorted(scores.items()))
    name = get_family(family).candidate
    return register(project.paths.root, name, message=summary, version=version).tag


def promote_if_allowed(
    summary: GateSummary,
    *,
    actor: str | None = None,
    approved_by: str | None = None,
    project: Project | None = None,
) -> str | None:
    """Assign `prod` to the gated version when the gate said promote and it is registered."""
    project = project or load_project()
    if not summary.promote:
        log.warning("not promoting %s@%s: blocked by %s", summary.name, summary.version,
                    summary.failed)  # fmt: skip
        return None
    if not summary.version.startswith("v"):
        log.info("%s is not a registered version: nothing to promote", summary.version)
        return None
    ref = parse_ref(f"{summary.name}@{summary.version}")
    change = promote(
        project.paths.root,
        ref,
        governance_dir=project.paths.governance,
        audit_log=project.paths.audit_log,
        reason="the gate passed every check",
        actor=actor,
        approved_by=approved_by,
    )
    log.info("promoted %s to prod (was %s) in %.2f s", ref.tag, change.previous, change.seconds)
    return ref.tag


def gate_enrichment(
    *, actor: str | None = None, project: Project | None = None
) -> EnrichmentVerdict:
    """The enrichment card and fairness verdict of data/enriched (audited)."""
    project = project or load_project()
    paths = project.paths
    return run_enrichment_gate(
        enriched_dir=paths.enriched,
        validated_dir=paths.validated,
        governance_dir=paths.governance,
        params=project.params.gate.enrichment,
        audit_log=paths.audit_log,
        actor=actor,
    )


def enrichment_verdict(
    *, actor: str | None = None, project: Project | None = None
) -> tuple[bool, str]:
    """May data/enriched be published? Judged now (card written, audited) unless the enrichment
    card already judged exactly this enrichments file. The publish stage's input check."""
    project = project or load_project()
    paths = project.paths
    ok, why = publishable(paths.governance, paths.enriched)
    if why.startswith("not judged") and (paths.enriched / "report.json").exists():
        verdict = gate_enrichment(actor=actor, project=project)
        ok, why = publishable(paths.governance, paths.enriched)
        log.info("enrichment gate at publish time: %s", verdict.decision)
    return ok, why


def mltestscore(project: Project | None = None) -> dict[str, Any]:
    """Write governance/mltestscore.{json,md} from the rubric's mapping; return the report."""
    from trending_now.governance.mltestscore import write_report

    project = project or load_project()
    return write_report(project.paths.root, project.paths.governance)
