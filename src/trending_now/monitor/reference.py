"""The reference side: the production model and the data it was trained on.

Preferred: the version in the `prod` stage of the registry. Its tag pins dvc.lock, so its
training documents (`data/features`) and the validated tables they were built from
(`data/validated`) are read at that tag through DVC, and its model is fetched like `predict` does.
Fallback, with the reason recorded: the workspace's `data/features`, the validated tables its
features stage consumed (by their hash in dvc.lock, from the DVC cache, so a newer ingest does not
become its own reference) and `models/<publish.model>`.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from trending_now.features.io import DOCUMENTS_FILE
from trending_now.paths import Paths
from trending_now.registry.versions import RegistryError, fetch_model, production, recorded_metrics

log = logging.getLogger(__name__)

VALIDATED_FILES = ("movies.parquet", "reviews.parquet")
FIT_SPLITS = ("train", "valid")  # movies the model was fitted or tuned on


class ReferenceUnavailable(RuntimeError):
    """There is no training data to compare with (yet); the message says why."""


@dataclass(frozen=True)
class Reference:
    """The production model's training data, its model and where both came from."""

    movies: pd.DataFrame  # validated rows of the train-split movies
    reviews: pd.DataFrame
    documents: pd.DataFrame  # their training documents, as the features stage wrote them
    seen_ids: frozenset[int]  # fitted or tuned on: not "newly labelled"
    model_dir: Path | None
    model_created_at: datetime | None
    baseline_macro_f1: float | None  # the model's test-split macro-F1
    info: dict[str, Any] = field(default_factory=dict)


def _from_tables(
    documents: pd.DataFrame,
    validated: dict[str, pd.DataFrame],
    *,
    model_dir: Path | None,
    created_at: datetime | None,
    baseline: float | None,
    info: dict[str, Any],
) -> Reference:
    train = documents[documents["split"] == "train"].reset_index(drop=True)
    ids = set(train["id"].astype(int))
    movies = validated["movies"]
    reviews = validated["reviews"]
    movies = movies[movies["id"].isin(ids)].reset_index(drop=True)
    if len(movies) < len(ids):
        info = {**info, "missing_training_movies": len(ids) - len(movies)}
    seen = documents[documents["split"].isin(FIT_SPLITS)]["id"].astype(int)
    return Reference(
        movies=movies,
        reviews=reviews[reviews["movie_id"].isin(ids)].reset_index(drop=True),
        documents=train[train["id"].isin(set(movies["id"]))].reset_index(drop=True),
        seen_ids=frozenset(seen),
        model_dir=model_dir,
        model_created_at=created_at,
        baseline_macro_f1=baseline,
        info={**info, "movies": len(movies)},
    )


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ReferenceUnavailable(f"git {args[0]} failed: {proc.stderr.strip()[-300:]}")
    return proc.stdout


def _dvc_parquet(repo: Path, path: str, rev: str) -> pd.DataFrame:
    import dvc.api

    with dvc.api.open(path, repo=str(repo), rev=rev, mode="rb") as fh:
        return pd.read_parquet(io.BytesIO(fh.read()))


def _in_repo(paths: Paths, path: Path) -> str:
    """`path` as DVC names it inside the repository (the same at every tag)."""
    return str(path.relative_to(paths.root))


def production_reference(paths: Paths, model_name: str) -> Reference:
    """The training data and model of the `prod` version of `model_name`, read at its tag."""
    repo = paths.root
    if not paths.is_git:
        raise ReferenceUnavailable(f"{repo} is not a git repository, so it has no registry")
    try:
        ref = production(repo, model_name)
    except (RegistryError, OSError) as exc:
        raise ReferenceUnavailable(f"registry not readable: {exc}") from exc
    if ref is None:
        raise ReferenceUnavailable(f"no {model_name} version is in the prod stage")
    try:
        features, validated = _in_repo(paths, paths.features), _in_repo(paths, paths.validated)
        documents = _dvc_parquet(repo, f"{features}/{DOCUMENTS_FILE}", ref.tag)
        tables = {
            name.removesuffix(".parquet"): _dvc_parquet(repo, f"{validated}/{name}", ref.tag)
            for name in VALIDATED_FILES
        }
        model_dir = fetch_model(repo, ref, paths.model_cache)
    except Exception as exc:  # DVC raises many types (missing cache, remote, path)
        raise ReferenceUnavailable(f"{ref.tag}: training data not readable ({exc})") from exc
    created = datetime.fromisoformat(_git(repo, "log", "-1", "--format=%cI", ref.tag).strip())
    metrics = recorded_metrics(repo, ref)
    baseline = float(metrics["overall"]["macro_f1"]) if metrics else None
    info = {"source": "production", "model": model_name, "version": ref.version, "tag": ref.tag}
    return _from_tables(
        documents, tables, model_dir=model_dir, created_at=created, baseline=baseline, info=info
    )


def locked_validated(paths: Paths) -> dict[str, pd.DataFrame] | None:
    """The validated tables the workspace's features were built from, found in the DVC cache by
    the hash dvc.lock recorded for the features stage; None when that is not possible."""
    if not paths.dvc_lock.exists():
        return None
    stages = (yaml.safe_load(paths.dvc_lock.read_text(encoding="utf-8")) or {}).get("stages") or {}
    validated_dir, project_dir = paths.validated, paths.root
    rel = (
        str(validated_dir.relative_to(project_dir))
        if validated_dir.is_relative_to(project_dir)
        else str(validated_dir)
    )
    deps = (stages.get("features") or {}).get("deps") or []
    md5 = next((str(d.get("md5")) for d in deps if d.get("path") == rel), None)
    if md5 is None or not md5.endswith(".dir"):
        return None
    from dvc.repo import Repo

    cache = Repo(str(project_dir)).cache.local
    listing = Path(cache.oid_to_path(md5))
    if not listing.exists():
        return None
    files = {e["relpath"]: e["md5"] for e in json.loads(listing.read_text(encoding="utf-8"))}
    tables = {}
    for name in VALIDATED_FILES:
        blob = Path(cache.oid_to_path(files[name])) if name in files else None
        if blob is None or not blob.exists():
            return None
        tables[name.removesuffix(".parquet")] = pd.read_parquet(blob)
    return tables


def workspace_reference(paths: Paths, model_name: str, *, reason: str) -> Reference:
    """The workspace's features, their training-time validated tables and its trained model."""
    model_dir, metrics_file = paths.models / model_name, paths.metrics / f"{model_name}.json"
    documents_path = paths.features / DOCUMENTS_FILE
    if not documents_path.exists():
        raise ReferenceUnavailable(f"{reason}; and no features in the workspace yet")
    documents = pd.read_parquet(documents_path)
    info: dict[str, Any] = {"source": "workspace", "reason": reason, "model": model_dir.name}
    tables = locked_validated(paths)
    if tables is None:
        tables = {
            n.removesuffix(".parquet"): pd.read_parquet(paths.validated / n)
            for n in VALIDATED_FILES
        }
        info["validated"] = "workspace data/validated (training-time version not in the cache)"
    else:
        info["validated"] = "training-time version from the DVC cache (dvc.lock)"
    has_model = (model_dir / "meta.json").exists()
    created = (
        datetime.fromtimestamp((model_dir / "meta.json").stat().st_mtime, tz=UTC)
        if has_model
        else None
    )
    baseline = None
    if metrics_file.exists():
        baseline = float(
            json.loads(metrics_file.read_text(encoding="utf-8"))["overall"]["macro_f1"]
        )
    return _from_tables(
        documents,
        tables,
        model_dir=model_dir if has_model else None,
        created_at=created,
        baseline=baseline,
        info=info,
    )


def resolve_reference(paths: Paths, model_name: str) -> Reference:
    """The production version's training data, else the workspace's (with the reason why)."""
    try:
        return production_reference(paths, model_name)
    except ReferenceUnavailable as exc:
        reason = str(exc)
        log.warning("reference: %s; using the workspace's features and model", reason)
    return workspace_reference(paths, model_name, reason=reason)
