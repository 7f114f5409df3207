"""Task entry of the publish DAG and `trending publish`: the project in, one stage call, a result
out."""

from __future__ import annotations

import logging

from trending_now.governance.tasks import enrichment_verdict
from trending_now.project import Project, load_project
from trending_now.publish import PublishResult, run_stage

log = logging.getLogger(__name__)

WITHHELD = "withheld-by-the-enrichment-gate"  # a folder that never exists: no enrichments read


def publish(project: Project | None = None) -> PublishResult:
    """Build the serving database from the project's data and models and make it current."""
    project = project or load_project()
    paths, params = project.paths, project.params.publish
    model_dir = paths.models / params.model
    # The enrichment gate: a run whose fairness gaps exceed gate.enrichment is not published
    # (movies go out unenriched; the enrichment card served beside the data says why).
    enrich_ok, enrich_why = enrichment_verdict(actor="publish", project=project)
    if not enrich_ok:
        log.warning("publish: enrichments withheld, %s", enrich_why)
    result = run_stage(
        validated_dir=paths.validated,
        enriched_dir=paths.enriched if enrich_ok else paths.enriched / WITHHELD,
        model_dir=model_dir if model_dir.exists() else None,
        db_url=project.settings.serving_url(),
        params=params,
        metrics_file=paths.metrics / f"{params.model}.json",
        raw_dvc=paths.raw_dvc,
        repo=paths.root,
        governance_dir=paths.governance,
        model_cache=paths.model_cache,
        embedding_cache=paths.embedding_cache,
    )
    return result.model_copy(update={"enrichments": enrich_why})
