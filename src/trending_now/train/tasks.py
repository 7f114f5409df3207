"""Task entries of `trending train` / `trending predict` (DVC's train stages run the first) and
of the train DAG's train task (full mode through DVC, fast mode through the CLI)."""

from __future__ import annotations

import logging
from pathlib import Path

from trending_now import audit, workspace
from trending_now.io import read_records, write_jsonl
from trending_now.project import Project, load_project
from trending_now.registry.versions import resolve_model_dir
from trending_now.tracking import TrackerKind, get_tracker, latest_offline_run_id
from trending_now.train import TrainResult, run_stage
from trending_now.train.families import get_family
from trending_now.train.predict import predict_movies

log = logging.getLogger(__name__)


def train(
    *,
    models: list[str] | None = None,
    fast: bool = False,
    tracker: TrackerKind | None = None,
    project: Project | None = None,
) -> TrainResult:
    """Fit `train.models` (or `models`) on train, tune thresholds on valid, save and track them.

    Fast mode (`fast`) merges params.yaml's `train.fast` block over `train:` (CI-sized runs).
    """
    project = project or load_project()
    params = project.params.train
    paths = project.paths
    return run_stage(
        features_dir=paths.features,
        models_dir=paths.models,
        params=params.in_fast_mode() if fast else params,
        seed=project.params.seed,
        tracker=get_tracker(tracker or project.settings.tracker, paths.tracking),
        repo_dir=paths.root,
        only=models,
        embedding_cache=paths.embedding_cache,
    )


def train_family(family: str, *, fast: bool, project: Project | None = None) -> list[str]:
    """Train one model family and audit it; return the names of the models it trained.

    Full mode runs the family's DVC stage (a versioned result in dvc.lock); fast mode runs
    `trending train --fast` (a tracked smoke run that leaves dvc.lock alone)."""
    project = project or load_project()
    chosen = get_family(family)
    root = project.paths.root
    if fast:
        models = [arg for name in chosen.models for arg in ("--model", name)]
        workspace.trending(root, "train", "--fast", *models)
    else:
        workspace.dvc(root, "repro", "--single-item", chosen.train_stage)
    details = {
        "family": family,
        "fast": fast,
        "models": list(chosen.models),
        "wandb_run": latest_offline_run_id(project.paths.tracking),
        "data_dvc": workspace.locked_data_hashes(project.paths.dvc_lock),
    }
    audit.append_event(project.paths.audit_log, "training", details)
    return list(chosen.models)


def predict(*, model: str, input: Path, output: Path, project: Project | None = None) -> int:
    """Predict genres for the movies in `input` with `model` (`name@version` or a directory);
    write JSON Lines to `output` (whole or not at all); return how many were predicted."""
    project = project or load_project()
    paths = project.paths
    model_dir = resolve_model_dir(paths.root, model, paths.model_cache)
    rows = predict_movies(
        model_dir, list(read_records(input)), embedding_cache=paths.embedding_cache
    )
    write_jsonl(output, rows)
    return len(rows)
