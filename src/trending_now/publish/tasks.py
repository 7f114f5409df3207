"""Entry point for the publish DAG task: settings and params in, one stage call, a summary out."""

from __future__ import annotations

import logging
from typing import Any

from trending_now.config import Settings, get_settings, load_params

log = logging.getLogger(__name__)


def publish_serving_db(settings: Settings | None = None) -> dict[str, Any]:
    """Run the publish stage on the project's data and models; return a small summary."""
    from trending_now.governance.tasks import enrichment_verdict
    from trending_now.publish import run_stage

    settings = settings or get_settings()
    params = load_params(settings.params_path).publish
    root = settings.project_dir
    model_dir = root / "models" / params.model
    # The enrichment gate: a run whose fairness gaps exceed gate.enrichment is not published
    # (movies go out unenriched; the enrichment card served beside the data says why).
    enrich_ok, enrich_why = enrichment_verdict(settings, actor="publish")
    if not enrich_ok:
        log.warning("publish: enrichments withheld, %s", enrich_why)
    enriched = settings.data_path / "enriched"
    result = run_stage(
        validated_dir=settings.data_path / "validated",
        enriched_dir=enriched if enrich_ok else enriched / "withheld-by-the-enrichment-gate",
        model_dir=model_dir if model_dir.exists() else None,
        db_url=settings.serving_url(),
        params=params,
        metrics_file=root / "metrics" / f"{params.model}.json",
        raw_dvc=settings.data_path / "raw.dvc",
        repo=root,
        governance_dir=root / "governance",
        model_cache=settings.var_path / "models",
    )
    return {
        "build": result.build,
        "movies": result.movies,
        "enriched": result.enriched,
        "predicted": result.predicted,
        "model_version": result.model_version,
        "data_version": result.data_version,
        "omitted": result.omitted,
        "enrichments": enrich_why,
    }
