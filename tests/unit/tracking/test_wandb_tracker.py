"""W&B offline: run files under the given directory, nothing in $HOME, no secrets in config."""

from __future__ import annotations

from pathlib import Path

import pytest

from trending_now.tracking.wandb_tracker import WandbTracker, wandb_environment


def test_environment_keeps_every_wandb_directory_under_root(tmp_path: Path) -> None:
    env = wandb_environment(tmp_path, mode="offline")
    assert env["WANDB_MODE"] == "offline"
    for var in ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR", "WANDB_CONFIG_DIR"):
        assert env[var].startswith(str(tmp_path))


@pytest.mark.slow
def test_offline_run_writes_local_files_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("WANDB_MODE", "offline")
    artifact = tmp_path / "model.txt"
    artifact.write_text("weights")
    tracker = WandbTracker(tmp_path / "wandb")
    with tracker.start_run("unit", {"params": {"depth": 3}, "tmdb_api_key": "leak"}):
        tracker.log_metrics({"valid/macro_f1": 0.5}, step=1)
        tracker.log_artifact(artifact, name="model", type="model")
        tracker.log_summary({"test/macro_f1": 0.4})
        run_dir = tracker.run_dir
    runs = list((tmp_path / "wandb" / "runs" / "wandb").glob("offline-run-*"))
    assert len(runs) == 1 and run_dir is not None and run_dir.is_relative_to(runs[0])
    (log_file,) = runs[0].glob("run-*.wandb")  # the offline record `wandb sync` uploads
    record = log_file.read_bytes()
    assert b"depth" in record and b"valid/macro_f1" in record
    assert b"leak" not in record and b"[redacted]" in record
    assert list(home.iterdir()) == []


def test_logging_outside_a_run_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="no open W&B run"):
        WandbTracker(tmp_path).log_metrics({"a": 1.0})
