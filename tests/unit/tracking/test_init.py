"""The tracker factory."""

from __future__ import annotations

from pathlib import Path

import pytest

from trending_now.tracking import NullTracker, get_tracker
from trending_now.tracking.mlflow_tracker import MlflowTracker
from trending_now.tracking.wandb_tracker import WandbTracker


def test_get_tracker_builds_each_kind_under_root(tmp_path: Path) -> None:
    wandb = get_tracker("wandb", tmp_path)
    mlflow = get_tracker("mlflow", tmp_path, pipeline="train")
    assert isinstance(wandb, WandbTracker) and wandb.root_dir == tmp_path / "wandb"
    assert wandb.mode == "offline"
    assert isinstance(mlflow, MlflowTracker) and mlflow.root_dir == tmp_path / "mlruns"
    assert mlflow.experiment == "trending-now-train"
    assert isinstance(get_tracker("none", tmp_path), NullTracker)


def test_unknown_tracker_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown tracker"):
        get_tracker("neptune", tmp_path)  # type: ignore[arg-type]
