"""The GTO-tag registry: refs, versions, what a version commit holds, and a fresh machine."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from trending_now.registry.versions import RegistryError, parse_ref, register, versions


@pytest.mark.parametrize(
    ("ref", "tag"),
    [
        ("genre-xgb@v1", "genre-xgb@v1.0.0"),
        ("genre-xgb@v2.1", "genre-xgb@v2.1.0"),
        ("genre-bert@v3.0.4", "genre-bert@v3.0.4"),
    ],
)
def test_parse_ref_normalises_to_semver(ref: str, tag: str) -> None:
    assert parse_ref(ref).tag == tag


@pytest.mark.parametrize("bad", ["genre-xgb", "genre-xgb@1", "genre-xgb@latest", "@v1", "X@v1"])
def test_parse_ref_refuses_anything_else(bad: str) -> None:
    with pytest.raises(RegistryError, match="<model>@<version>"):
        parse_ref(bad)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository on a machine with no git identity at all (no global or repo config)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "repo"
    path.mkdir()
    _git(path, "init", "-q")
    (path / "params.yaml").write_text("seed: 1\n")
    (path / "notes.txt").write_text("unrelated\n")
    _git(path, "add", "-A")
    _git(path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    return path


def test_versions_commit_only_the_versioned_files(repo: Path) -> None:
    (repo / "dvc.lock").write_text("stages: {}\n")
    (repo / "metrics").mkdir()
    (repo / "metrics" / "genre-xgb.json").write_text('{"overall": {"macro_f1": 0.5}}')
    (repo / "notes.txt").write_text("work in progress\n")
    first = register(repo, "genre-xgb", message="v1")
    (repo / "params.yaml").write_text("seed: 2\n")
    second = register(repo, "genre-xgb", message="v2")

    assert (first.tag, second.tag) == ("genre-xgb@v1.0.0", "genre-xgb@v2.0.0")
    assert [r["version"] for r in versions(repo)] == ["v1.0.0", "v2.0.0"]
    commit = f"{first.tag}^{{commit}}"
    committed = _git(repo, "diff-tree", "--no-commit-id", "--name-only", "-r", commit).split()
    assert sorted(committed) == ["dvc.lock", "metrics/genre-xgb.json"]
    assert "notes.txt" in _git(repo, "status", "--short"), "unrelated work must stay uncommitted"
    assert _git(repo, "log", "-1", "--format=%ae").strip() == "pipeline@trending-now.invalid"
