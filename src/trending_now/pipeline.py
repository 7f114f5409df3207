"""Entry points for DAG tasks: settings and params in, one stage call, a small result out.

Airflow tasks call these (never the stages' internals), so a task body stays an import and a call,
and the CLI and DVC run the very same stage functions.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trending_now.config import Settings, get_settings, load_params

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_run_id(run_id: str) -> str:
    """A run id usable as one path component (Airflow's contain ':' and '+')."""
    cleaned = _UNSAFE.sub("-", run_id).strip("-.")
    if not cleaned:
        raise ValueError(f"run id {run_id!r} has no usable characters")
    return cleaned[:120]


def ingest_from_source(
    *,
    run_id: str,
    source: str | None = None,
    time_window: str | None = None,
    movie_limit: int | None = None,
    settings: Settings | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> str:
    """Run the ingest stage against a source with params.yaml's ingest block (overrides win)."""
    from trending_now.ingest import run_stage

    settings = settings or get_settings()
    params = load_params(settings.params_path).ingest
    overrides: dict[str, Any] = {}
    if time_window is not None:
        overrides["time_window"] = time_window
    if movie_limit is not None:
        overrides["movie_limit"] = movie_limit
    params = params.model_validate({**params.model_dump(), **overrides})
    chosen = source or settings.source
    result = run_stage(
        base_url=settings.source_base_url(chosen),
        api_key=settings.require_tmdb_api_key(),
        salt=settings.require_pseudonym_salt(),
        params=params,
        raw_dir=settings.data_path / "raw",
        run_id=safe_run_id(run_id),
        source_name="tmdb-replay" if chosen == "replay" else "tmdb",
        on_progress=on_progress,
    )
    log.info("ingest %s: %s", result.run_dir.name, result.counts)
    details = {"run_id": result.run_dir.name, "source": chosen, "counts": result.counts}
    _audit("ingest", {**details, "params": params.model_dump()}, settings)
    return str(result.run_dir.name)


def _audit(kind: str, details: dict[str, Any], settings: Settings) -> None:
    """One audit event (who/what/when, git commit) for a pipeline step; see governance.audit."""
    from trending_now.governance.tasks import record

    record(kind, details, settings=settings)


def dvc(*args: str, settings: Settings | None = None) -> str:
    """Run a DVC command in the project directory; raise with its output on failure."""
    settings = settings or get_settings()
    bindir = Path(sys.executable).parent
    exe = str(bindir / "dvc")
    # dvc.yaml's commands call `trending`: make sure it is this virtualenv's.
    path = f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "PATH": path}
    proc = subprocess.run(
        [exe, *args], cwd=settings.project_dir, env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"dvc {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}"
        )
    return proc.stdout


def version_raw_data(settings: Settings | None = None) -> str:
    """`dvc add data/raw` and return the recorded md5 of the directory."""
    settings = settings or get_settings()
    dvc("add", "data/raw", settings=settings)
    dvcfile = (settings.data_path / "raw.dvc").read_text()
    match = re.search(r"md5: ([0-9a-f]+)", dvcfile)
    if match is None:
        raise RuntimeError("data/raw.dvc has no md5 after dvc add")
    return match.group(1)


def validate_with_dvc(settings: Settings | None = None) -> dict[str, Any]:
    """`dvc repro validate` (runs `trending validate` when its deps changed); return the report."""
    settings = settings or get_settings()
    dvc("repro", "validate", settings=settings)
    report: dict[str, Any] = json.loads(
        (settings.data_path / "validated" / "report.json").read_text()
    )
    return report


def push_data(settings: Settings | None = None) -> None:
    """`dvc push` everything versioned to the default remote."""
    dvc("push", settings=settings)


FAMILY_MODELS = {
    "xgb": ("genre-xgb", "baseline-prior", "baseline-logreg"),
    "bert": ("genre-bert",),
}
FAMILY_STAGES = {"xgb": "train_xgb", "bert": "train_bert"}
FAMILY_EVALUATE_STAGES = {"xgb": "evaluate", "bert": "evaluate_bert"}


def _trending(*args: str, settings: Settings) -> None:
    """Run a `trending` CLI command of this virtualenv in the project directory."""
    exe = str(Path(sys.executable).parent / "trending")
    proc = subprocess.run([exe, *args], cwd=settings.project_dir, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"trending {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    log.info("%s", proc.stdout[-2000:])


def build_features(settings: Settings | None = None) -> None:
    """`dvc repro features` (a no-op when validated data and params are unchanged)."""
    dvc("repro", "--single-item", "features", settings=settings)


def train_family(family: str, *, fast: bool, settings: Settings | None = None) -> list[str]:
    """Train one model family. Full mode through DVC (a versioned result); fast mode through
    the CLI with `--fast` (a tracked smoke run that leaves dvc.lock alone)."""
    settings = settings or get_settings()
    if family not in FAMILY_STAGES:
        raise ValueError(
            f"unknown model family {family!r}: expected one of {sorted(FAMILY_STAGES)}"
        )
    if fast:
        models = [arg for name in FAMILY_MODELS[family] for arg in ("--model", name)]
        _trending("train", "--fast", "--no-evaluate", *models, settings=settings)
    else:
        dvc("repro", "--single-item", FAMILY_STAGES[family], settings=settings)
    from trending_now.governance.tasks import latest_wandb_run_id

    details = {"family": family, "fast": fast, "models": list(FAMILY_MODELS[family])}
    details |= {"wandb_run": latest_wandb_run_id(settings), "data_dvc": _dvc_hashes(settings)}
    _audit("training", details, settings)
    return list(FAMILY_MODELS[family])


def _dvc_hashes(settings: Settings) -> dict[str, str]:
    """The md5 DVC recorded for each data output in dvc.lock (the data version of a training)."""
    lock = settings.project_dir / "dvc.lock"
    if not lock.exists():
        return {}
    import yaml

    stages = (yaml.safe_load(lock.read_text()) or {}).get("stages", {})
    return {
        out["path"]: str(out.get("md5"))
        for stage in stages.values()
        for out in stage.get("outs", [])
        if str(out.get("path", "")).startswith("data/")
    }


def evaluate_models(
    family: str, *, fast: bool, settings: Settings | None = None
) -> dict[str, float]:
    """Score a family's trained models once on test; return each model's test macro-F1."""
    settings = settings or get_settings()
    if fast:
        models = [arg for name in FAMILY_MODELS[family] for arg in ("--model", name)]
        _trending("evaluate", *models, settings=settings)
    else:
        dvc("repro", "--single-item", FAMILY_EVALUATE_STAGES[family], settings=settings)
    metrics = settings.project_dir / "metrics"
    return {
        name: float(json.loads((metrics / f"{name}.json").read_text())["overall"]["macro_f1"])
        for name in FAMILY_MODELS[family]
    }


def register_family(
    family: str,
    scores: dict[str, float],
    *,
    fast: bool,
    settings: Settings | None = None,
    version: str | None = None,
) -> str | None:
    """Push the data and register the family's model as the next GTO version (full mode only).

    Fast runs are smoke tests, not versions; a project directory that is not a git repository
    has no registry, so nothing is registered there (logged, not an error).
    """
    from trending_now.registry import register

    settings = settings or get_settings()
    if fast:
        log.info("fast mode: not registering a version")
        return None
    if not (settings.project_dir / ".git").exists():
        log.warning("%s is not a git repository: no registry to register in", settings.project_dir)
        return None
    push_data(settings)
    name = FAMILY_MODELS[family][0]
    summary = ", ".join(f"{m} test macro-F1 {s:.4f}" for m, s in sorted(scores.items()))
    return register(settings.project_dir, name, message=summary, version=version).tag
