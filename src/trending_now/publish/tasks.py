"""Entry point for the publish DAG task: settings and params in, one stage call, a summary out."""

from __future__ import annotations

from typing import Any

from trending_now.config import Settings, get_settings, load_params


def publish_serving_db(settings: Settings | None = None) -> dict[str, Any]:
    """Run the publish stage on the project's data and models; return a small summary."""
    from trending_now.publish import run_stage

    settings = settings or get_settings()
    params = load_params(settings.params_path).publish
    root = settings.project_dir
    model_dir = root / "models" / params.model
    result = run_stage(
        validated_dir=settings.data_path / "validated",
        enriched_dir=settings.data_path / "enriched",
        model_dir=model_dir if model_dir.exists() else None,
        db_url=settings.serving_url(),
        params=params,
        metrics_file=root / "metrics" / f"{params.model}.json",
        raw_dvc=settings.data_path / "raw.dvc",
        repo=root,
    )
    return {
        "build": result.build.name,
        "movies": result.movies,
        "enriched": result.enriched,
        "predicted": result.predicted,
        "model_version": result.model_version,
        "data_version": result.data_version,
        "omitted": result.omitted,
    }
