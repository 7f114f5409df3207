"""MLflow tracker: local files in one directory (default var/mlruns), an experiment per pipeline.

Runs live in `<root>/mlflow.db` (SQLite: MLflow 3 keeps its `./mlruns` file store in maintenance
mode and refuses it by default) and artifacts in `<root>/artifacts`. Telemetry is switched off.
Browse with `mlflow ui --backend-store-uri sqlite:///var/mlruns/mlflow.db --host 127.0.0.1`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from trending_now.credentials import redact
from trending_now.tracking.base import flatten, patched_environ

_MAX_PARAM_CHARS = 500
# No telemetry: it would write an installation id under $HOME and call out to the network.
_QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


class MlflowTracker:
    """Runs of `experiment` in the file store at `root_dir`."""

    def __init__(self, root_dir: Path, *, experiment: str = "trending-now-train") -> None:
        self.root_dir = root_dir
        self.experiment = experiment
        self._client: Any = None
        self._run_id: str | None = None

    @property
    def tracking_uri(self) -> str:
        """The SQLite store inside `root_dir`."""
        return f"sqlite:///{(self.root_dir / 'mlflow.db').resolve()}"

    @property
    def artifact_uri(self) -> str:
        """Where the experiment's artifacts go, inside `root_dir`."""
        return (self.root_dir / "artifacts").resolve().as_uri()

    @contextlib.contextmanager
    def start_run(self, name: str, config: Mapping[str, Any]) -> Iterator[None]:
        """Open a run with the config as params (flattened) and config.json; end it on exit."""
        with patched_environ(_QUIET):
            from mlflow.tracking import MlflowClient  # heavy: imported when a run starts

            self.root_dir.mkdir(parents=True, exist_ok=True)
            self._client = MlflowClient(tracking_uri=self.tracking_uri)
            run = self._client.create_run(self._experiment_id(), run_name=name)
            self._run_id = run.info.run_id
            status = "FAILED"
            try:
                self._log_config(redact(config))
                yield
                status = "FINISHED"
            finally:
                self._client.set_terminated(self._run_id, status=status)
                self._run_id = None

    def _experiment_id(self) -> str:
        """The id of the named experiment, created (artifacts inside root_dir) if missing."""
        experiment = self._client.get_experiment_by_name(self.experiment)
        if experiment is not None:
            return str(experiment.experiment_id)
        return str(
            self._client.create_experiment(self.experiment, artifact_location=self.artifact_uri)
        )

    def _log_config(self, config: dict[str, Any]) -> None:
        """Flattened params (values cut to MLflow's limit) and the full config as JSON."""
        for key, value in flatten(config).items():
            text = json.dumps(value) if not isinstance(value, str) else value
            self._client.log_param(self._require_run(), key, text[:_MAX_PARAM_CHARS])
        self._client.log_dict(self._require_run(), config, "config.json")

    def log_metrics(self, metrics: Mapping[str, float], *, step: int | None = None) -> None:
        """Log metrics to the open run."""
        for key, value in metrics.items():
            self._client.log_metric(self._require_run(), key, float(value), step=step or 0)

    def log_artifact(self, path: Path, *, name: str, type: str) -> None:
        """Copy a file or directory into the run's artifacts under `<type>/<name>`."""
        if path.is_dir():
            self._client.log_artifacts(self._require_run(), str(path), f"{type}/{name}")
        else:
            self._client.log_artifact(self._require_run(), str(path), f"{type}/{name}")

    def log_summary(self, summary: Mapping[str, Any]) -> None:
        """Numbers as metrics, everything else as tags."""
        for key, value in summary.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                self._client.log_metric(self._require_run(), f"summary.{key}", float(value))
            else:
                self._client.set_tag(self._require_run(), f"summary.{key}", str(value))

    def _require_run(self) -> str:
        """The open run's id, or a clear error."""
        if self._run_id is None:
            raise RuntimeError("no open MLflow run: use `with tracker.start_run(...)`")
        return self._run_id
