"""Task entries of `trending evaluate` (DVC's evaluate stages run it) and of the train DAG's
evaluate task (full mode through DVC, fast mode through the CLI)."""

from __future__ import annotations

import json

from trending_now import workspace
from trending_now.evaluate import EvaluateResult, log_evaluation, run_stage
from trending_now.features.io import DOCUMENTS_FILE, LABELS_FILE
from trending_now.project import Project, load_project
from trending_now.tracking import TrackerKind, get_tracker
from trending_now.tracking.base import run_config
from trending_now.train.families import get_family


class NothingToEvaluate(RuntimeError):
    """None of the models asked for has been trained."""


def evaluate(
    *,
    models: list[str] | None = None,
    tracker: TrackerKind | None = None,
    project: Project | None = None,
) -> EvaluateResult:
    """Score each trained model of `train.models` (or `models`) once on the test split."""
    project = project or load_project()
    paths, params = project.paths, project.params
    names = [m for m in models or params.train.models if (paths.models / m).is_dir()]
    if not names:
        raise NothingToEvaluate(f"no trained models under {paths.models}: run train first")
    config = run_config(
        {"seed": params.seed, "evaluate": params.evaluate.model_dump(), "models": names},
        data_files=[paths.features / f for f in (DOCUMENTS_FILE, LABELS_FILE)],
        repo_dir=paths.root,
    )
    run_tracker = get_tracker(tracker or project.settings.tracker, paths.tracking)
    with run_tracker.start_run("evaluate", config):
        result = run_stage(
            features_dir=paths.features,
            models_dir=paths.models,
            metrics_dir=paths.metrics,
            plots_dir=paths.plots,
            model_names=names,
            params=params.evaluate,
            embedding_cache=paths.embedding_cache,
        )
        log_evaluation(run_tracker, result.reports, paths.metrics, paths.plots)
    return result


def evaluate_family(family: str, *, fast: bool, project: Project | None = None) -> dict[str, float]:
    """Score a family's trained models once on test; return each model's test macro-F1."""
    project = project or load_project()
    chosen = get_family(family)
    root = project.paths.root
    if fast:
        workspace.trending(root, "evaluate", *[a for m in chosen.models for a in ("--model", m)])
    else:
        workspace.dvc(root, "repro", "--single-item", chosen.evaluate_stage)
    scores = {}
    for name in chosen.models:
        report = json.loads((project.paths.metrics / f"{name}.json").read_text(encoding="utf-8"))
        scores[name] = float(report["overall"]["macro_f1"])
    return scores
