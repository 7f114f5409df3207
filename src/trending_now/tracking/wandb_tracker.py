"""Weights & Biases tracker: offline by default, every W&B directory inside the project."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from trending_now.credentials import redact
from trending_now.tracking.base import patched_environ

_DIR_VARIABLES = {
    "WANDB_DIR": "runs",
    "WANDB_CACHE_DIR": "cache",
    "WANDB_DATA_DIR": "data",
    "WANDB_CONFIG_DIR": "config",
    "WANDB_ARTIFACT_DIR": "artifacts",
}


def wandb_environment(root_dir: Path, *, mode: str) -> dict[str, str]:
    """The WANDB_* variables that keep W&B inside `root_dir` (nothing in $HOME) in `mode`."""
    env = {var: str(root_dir / sub) for var, sub in _DIR_VARIABLES.items()}
    return {**env, "WANDB_MODE": mode, "WANDB_SILENT": "true", "WANDB_DISABLE_GIT": "true"}


class WandbTracker:
    """Runs in project `project`, written under `root_dir` (default var/wandb); offline by default.

    Upload later with `WANDB_DIR=<root_dir>/runs wandb sync <root_dir>/runs/wandb/offline-run-*`.
    """

    def __init__(self, root_dir: Path, *, project: str = "trending-now", mode: str = "offline"):
        self.root_dir = root_dir
        self.project = project
        self.mode = mode
        self._run: Any = None

    @contextlib.contextmanager
    def start_run(self, name: str, config: Mapping[str, Any]) -> Iterator[None]:
        """Open a W&B run with a secret-free config; finish it on exit."""
        import wandb  # heavy: imported when a run starts, not with the package

        env = wandb_environment(self.root_dir, mode=self.mode)
        for directory in env.values():
            if directory.startswith(str(self.root_dir)):
                Path(directory).mkdir(parents=True, exist_ok=True)
        with patched_environ(env):
            self._run = wandb.init(
                project=self.project,
                name=name,
                config=redact(config),
                dir=env["WANDB_DIR"],
                mode=self.mode,  # type: ignore[arg-type]
                reinit="finish_previous",
            )
            try:
                yield
            finally:
                self._run.finish()
                self._run = None
                # finish() can return before the offline run file is fully written; teardown
                # waits for it, so `wandb sync` (or a reader) sees the whole run at once.
                wandb.teardown()

    def log_metrics(self, metrics: Mapping[str, float], *, step: int | None = None) -> None:
        """Log metrics to the open run."""
        self._require_run().log(dict(metrics), step=step)

    def log_artifact(self, path: Path, *, name: str, type: str) -> None:
        """Log a file or directory as a W&B artifact."""
        import wandb

        artifact = wandb.Artifact(name=name, type=type)
        if path.is_dir():
            artifact.add_dir(str(path))
        else:
            artifact.add_file(str(path))
        self._require_run().log_artifact(artifact)

    def log_summary(self, summary: Mapping[str, Any]) -> None:
        """Set summary values of the open run."""
        self._require_run().summary.update(dict(summary))

    @property
    def run_dir(self) -> Path | None:
        """Local directory of the open run."""
        return Path(self._run.dir) if self._run is not None else None

    def _require_run(self) -> Any:
        """The open run, or a clear error."""
        if self._run is None:
            raise RuntimeError("no open W&B run: use `with tracker.start_run(...)`")
        return self._run
