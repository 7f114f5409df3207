"""Experiment tracking behind one small interface: W&B (default, offline) or MLflow (local).

`get_tracker(kind, root_dir)` builds one; training code only sees the `Tracker` protocol.
W&B runs land in `<root_dir>/wandb` (offline; `wandb sync` uploads them later), MLflow runs in
the file store `<root_dir>/mlruns`. `root_dir` is the project's `var/` directory by default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from trending_now.tracking.base import NullTracker, Tracker
from trending_now.tracking.mlflow_tracker import MlflowTracker
from trending_now.tracking.wandb_tracker import WandbTracker

TrackerKind = Literal["wandb", "mlflow", "none"]

__all__ = ["NullTracker", "Tracker", "TrackerKind", "get_tracker", "latest_offline_run_id"]


def get_tracker(kind: TrackerKind, root_dir: Path, *, pipeline: str = "train") -> Tracker:
    """The tracker of `kind`, writing under `root_dir` (W&B: root/wandb, MLflow: root/mlruns)."""
    if kind == "wandb":
        return WandbTracker(root_dir / "wandb", project="trending-now")
    if kind == "mlflow":
        return MlflowTracker(root_dir / "mlruns", experiment=f"trending-now-{pipeline}")
    if kind == "none":
        return NullTracker()
    raise ValueError(f"unknown tracker {kind!r}: use wandb, mlflow or none")


def latest_offline_run_id(root_dir: Path) -> str | None:
    """The id of the newest offline W&B run under `root_dir` (W&B names folders `...-<id>`)."""
    runs = sorted((root_dir / "wandb").glob("**/offline-run-*"), key=lambda p: p.name)
    return runs[-1].name.rsplit("-", 1)[-1] if runs else None
