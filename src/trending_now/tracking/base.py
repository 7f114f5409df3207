"""The tracking interface every tracked run talks to, and a run config free of secrets."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from trending_now.credentials import redact
from trending_now.workspace import git_commit


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


def file_hashes(paths: Sequence[Path]) -> dict[str, str]:
    """sha256 of each existing file (or of each file under a directory), keyed by path."""
    hashes = {}
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                hashes[str(file)] = hashlib.sha256(file.read_bytes()).hexdigest()
    return hashes


def run_config(
    params: Mapping[str, Any], *, data_files: Sequence[Path], repo_dir: Path
) -> dict[str, Any]:
    """A run config: params, data version hashes and git commit; secrets scrubbed."""
    config = {
        "params": dict(params),
        "data": file_hashes(data_files),
        "git_commit": git_commit(repo_dir),
    }
    redacted: dict[str, Any] = redact(config)
    return redacted


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
