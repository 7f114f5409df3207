"""The tracking interface every training run talks to, and a run config free of secrets."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from pydantic import SecretStr

log = logging.getLogger(__name__)

_SECRET_WORDS = ("key", "secret", "token", "password", "salt", "credential")


class Tracker(Protocol):
    """A run's config, metrics, artifacts and summary, sent to some tracking backend."""

    def start_run(
        self, name: str, config: Mapping[str, Any]
    ) -> contextlib.AbstractContextManager[None]:
        """A context manager: the run is open inside it and closed (finished) on exit."""
        ...

    def log_metrics(self, metrics: Mapping[str, float], *, step: int | None = None) -> None:
        """Numeric metrics of the open run."""
        ...

    def log_artifact(self, path: Path, *, name: str, type: str) -> None:
        """A file or directory as a named, typed artifact of the open run."""
        ...

    def log_summary(self, summary: Mapping[str, Any]) -> None:
        """Final values of the open run (shown in run tables)."""
        ...


class NullTracker:
    """Tracks nothing; for runs that should leave no tracking files."""

    @contextlib.contextmanager
    def start_run(self, name: str, config: Mapping[str, Any]) -> Iterator[None]:
        """Open a run that records nothing."""
        yield

    def log_metrics(self, metrics: Mapping[str, float], *, step: int | None = None) -> None:
        """Ignore metrics."""

    def log_artifact(self, path: Path, *, name: str, type: str) -> None:
        """Ignore artifacts."""

    def log_summary(self, summary: Mapping[str, Any]) -> None:
        """Ignore the summary."""


@contextlib.contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block, then restore them."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def scrub_secrets(config: Mapping[str, Any]) -> dict[str, Any]:
    """`config` without secret values or keys that name a secret, at any depth."""
    clean: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, SecretStr) or any(w in str(key).lower() for w in _SECRET_WORDS):
            log.debug("dropped %s from the run config", key)
            continue
        clean[key] = scrub_secrets(value) if isinstance(value, Mapping) else value
    return clean


def file_hashes(paths: Sequence[Path]) -> dict[str, str]:
    """sha256 of each existing file (or of each file under a directory), keyed by path."""
    hashes = {}
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                hashes[str(file)] = hashlib.sha256(file.read_bytes()).hexdigest()
    return hashes


def git_commit(repo_dir: Path) -> str | None:
    """The checked-out commit of `repo_dir`, or None when there is none (no git, no commits)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(repo_dir), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def run_config(
    params: Mapping[str, Any], *, data_files: Sequence[Path], repo_dir: Path
) -> dict[str, Any]:
    """A run config: params, data version hashes and git commit; secrets scrubbed."""
    return scrub_secrets(
        {
            "params": dict(params),
            "data": file_hashes(data_files),
            "git_commit": git_commit(repo_dir),
        }
    )


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level of dotted keys (`train.xgb.max_depth`)."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, prefix=f"{name}."))
        else:
            flat[name] = value
    return flat
