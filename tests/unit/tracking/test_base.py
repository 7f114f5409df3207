"""Run config: secrets scrubbed, data hashes, git commit; flattening; the null tracker."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from pydantic import SecretStr

from trending_now.credentials import REDACTED, redact
from trending_now.tracking.base import (
    NullTracker,
    file_hashes,
    flatten,
    patched_environ,
    run_config,
)
from trending_now.workspace import git_commit


def test_run_configs_redact_secret_values_and_secret_keys_at_any_depth() -> None:
    config = {
        "seed": 1,
        "tmdb_api_key": "abc",
        "nested": {"pseudonym_salt": "s", "token": "t", "depth": 3, "x": SecretStr("hidden")},
        "llm": {"max_output_tokens": 400},  # names a count, not a secret
    }
    assert redact(config) == {
        "seed": 1,
        "tmdb_api_key": REDACTED,
        "nested": {"pseudonym_salt": REDACTED, "token": REDACTED, "depth": 3, "x": REDACTED},
        "llm": {"max_output_tokens": 400},
    }


def test_flatten_uses_dotted_keys() -> None:
    assert flatten({"train": {"xgb": {"max_depth": 3}}, "seed": 1}) == {
        "train.xgb.max_depth": 3,
        "seed": 1,
    }


def test_file_hashes_cover_files_and_directories(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_bytes(b"a")
    (tmp_path / "b.txt").write_bytes(b"b")
    hashes = file_hashes([tmp_path / "d", tmp_path / "b.txt", tmp_path / "missing"])
    assert hashes == {
        str(tmp_path / "d" / "a.txt"): hashlib.sha256(b"a").hexdigest(),
        str(tmp_path / "b.txt"): hashlib.sha256(b"b").hexdigest(),
    }


def test_git_commit_is_none_outside_a_repository_and_the_head_inside(tmp_path: Path) -> None:
    assert git_commit(tmp_path) is None
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}  # fmt: skip
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=env)
    subprocess.run(["git", "-C", str(tmp_path), "commit", "-q", "--allow-empty", "-m", "x"],
                   check=True, env=env)  # fmt: skip
    commit = git_commit(tmp_path)
    assert commit is not None and len(commit) == 40


def test_run_config_has_params_data_and_commit_but_no_secrets(tmp_path: Path) -> None:
    (tmp_path / "data.parquet").write_bytes(b"x")
    config = run_config({"seed": 1, "api_key": "k"}, data_files=[tmp_path / "data.parquet"],
                        repo_dir=tmp_path)  # fmt: skip
    assert config["params"] == {"seed": 1, "api_key": REDACTED}
    assert list(config["data"]) == [str(tmp_path / "data.parquet")]
    assert config["git_commit"] is None


def test_patched_environ_restores_previous_values(monkeypatch: object) -> None:
    os.environ.pop("TRENDING_TEST_VAR", None)
    with patched_environ({"TRENDING_TEST_VAR": "1"}):
        assert os.environ["TRENDING_TEST_VAR"] == "1"
    assert "TRENDING_TEST_VAR" not in os.environ


def test_null_tracker_accepts_everything(tmp_path: Path) -> None:
    tracker = NullTracker()
    with tracker.start_run("x", {}):
        tracker.log_metrics({"a": 1.0})
        tracker.log_artifact(tmp_path, name="n", type="t")
        tracker.log_summary({"b": 2})
