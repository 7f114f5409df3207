"""The reference side: the prod version's training data at its tag, else the workspace's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.unit.monitor.conftest import MODEL, World
from tests.utils.factories import project_paths
from trending_now.io import atomic_write_parquet
from trending_now.monitor.reference import (
    ReferenceUnavailable,
    locked_validated,
    production_reference,
    resolve_reference,
    workspace_reference,
)

BIN = Path(sys.executable).parent


def _run(cwd: Path, *args: str | Path) -> str:
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _copy_world(world: World, dest: Path) -> Path:
    for part in ("data/validated", "data/features", f"models/{MODEL}", "metrics"):
        shutil.copytree(world.project / part, dest / part)
    return dest


def _other_validated(world: World) -> dict[str, pd.DataFrame]:
    """A later ingest: other movies entirely."""
    movies = world.movies.assign(id=world.movies["id"] + 10_000)
    reviews = world.reviews.assign(movie_id=world.reviews["movie_id"] + 10_000)
    return {"movies": movies, "reviews": reviews}


def _write_validated(root: Path, tables: dict[str, pd.DataFrame]) -> None:
    for name, frame in tables.items():
        atomic_write_parquet(root / "data" / "validated" / f"{name}.parquet", frame)


def _train_ids(world: World) -> set[int]:
    docs = pd.read_parquet(world.project / "data" / "features" / "documents.parquet")
    return set(docs.loc[docs["split"] == "train", "id"].astype(int))


def test_features_lock_finds_the_training_time_validated_data(world: World, tmp_path: Path) -> None:
    ws = _copy_world(world, tmp_path / "ws")
    _run(ws, BIN / "dvc", "init", "--no-scm", "-q")
    _run(ws, BIN / "dvc", "add", "-q", "data/validated")
    stage = {"cmd": "echo built", "deps": ["data/validated"]}
    (ws / "dvc.yaml").write_text(yaml.safe_dump({"stages": {"features": stage}}))
    _run(ws, BIN / "dvc", "repro", "-q", "features")
    _write_validated(ws, _other_validated(world))  # the next ingest replaced data/validated

    tables = locked_validated(project_paths(ws))
    assert tables is not None
    pd.testing.assert_frame_equal(tables["movies"], world.movies)

    ref = resolve_reference(project_paths(ws, var=tmp_path / "cache"), MODEL)
    assert ref.info["source"] == "workspace" and "not a git repository" in ref.info["reason"]
    assert "DVC cache" in ref.info["validated"]
    assert set(ref.movies["id"]) == _train_ids(world) == set(ref.documents["id"])
    assert ref.model_dir == ws / "models" / MODEL and ref.baseline_macro_f1 is not None


def test_without_a_lock_the_workspace_tables_stand_in_and_say_so(
    world: World, tmp_path: Path
) -> None:
    ws = _copy_world(world, tmp_path / "ws")
    ref = workspace_reference(project_paths(ws), MODEL, reason="r")
    assert "training-time version not in the cache" in ref.info["validated"]
    assert set(ref.movies["id"]) == _train_ids(world)
    assert ref.seen_ids > frozenset(ref.movies["id"])  # valid movies count as seen too


def test_no_features_means_no_reference(tmp_path: Path) -> None:
    with pytest.raises(ReferenceUnavailable, match="no features"):
        workspace_reference(project_paths(tmp_path), MODEL, reason="no registry")


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Monitor Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "monitor@test.invalid")


@pytest.mark.usefixtures("git_env")
def test_prod_version_is_read_at_its_tag_not_from_the_workspace(
    world: World, tmp_path: Path
) -> None:
    repo = _copy_world(world, tmp_path / "repo")
    _run(repo, "git", "init", "-q")
    _run(repo, BIN / "dvc", "init", "-q")
    _run(repo, BIN / "dvc", "add", "-q", "data/validated", "data/features", f"models/{MODEL}")
    _run(repo, "git", "add", "-A")
    _run(repo, "git", "commit", "-qm", "v1 data")
    _run(repo, BIN / "gto", "register", MODEL, "--version", "v1.0.0")
    _run(repo, BIN / "gto", "assign", MODEL, "--version", "v1.0.0", "--stage", "prod")
    _write_validated(repo, _other_validated(world))  # newer data in the workspace, committed
    _run(repo, BIN / "dvc", "add", "-q", "data/validated")
    _run(repo, "git", "commit", "-qam", "newer data")

    ref = production_reference(project_paths(repo, var=tmp_path / "cache"), MODEL)
    assert ref.info == {**ref.info, "source": "production", "version": "v1.0.0",
                        "tag": f"{MODEL}@v1.0.0"}  # fmt: skip
    assert set(ref.movies["id"]) == _train_ids(world)
    assert (ref.model_dir / "meta.json").exists() and ref.model_created_at is not None
    metrics = json.loads((world.project / "metrics" / f"{MODEL}.json").read_text())
    assert ref.baseline_macro_f1 == metrics["overall"]["macro_f1"]
    assert (
        resolve_reference(project_paths(repo, var=tmp_path / "c2"), MODEL).info["source"]
        == "production"
    )


@pytest.mark.usefixtures("git_env")
def test_a_registry_without_prod_falls_back_with_the_reason(world: World, tmp_path: Path) -> None:
    repo = _copy_world(world, tmp_path / "repo")
    _run(repo, "git", "init", "-q")
    _run(repo, "git", "add", "-A")
    _run(repo, "git", "commit", "-qm", "no versions")
    ref = resolve_reference(project_paths(repo, var=tmp_path / "cache"), MODEL)
    assert ref.info["source"] == "workspace"
    assert ref.info["reason"] == f"no {MODEL} version is in the prod stage"
