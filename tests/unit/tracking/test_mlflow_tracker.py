"""MLflow: local store under the given directory, a named experiment, nothing in $HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from trending_now.tracking.mlflow_tracker import MlflowTracker


@pytest.mark.slow
def test_run_logs_params_metrics_artifacts_locally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    artifact_dir = tmp_path / "model"
    artifact_dir.mkdir()
    (artifact_dir / "meta.json").write_text("{}")
    tracker = MlflowTracker(tmp_path / "mlruns", experiment="trending-now-unit")
    with tracker.start_run("unit", {"params": {"depth": 3}, "api_key": "leak"}):
        tracker.log_metrics({"valid/macro_f1": 0.5})
        tracker.log_artifact(artifact_dir, name="genre-xgb", type="model")
        tracker.log_summary({"test/macro_f1": 0.4, "note": "ok"})

    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracker.tracking_uri)
    experiment = client.get_experiment_by_name("trending-now-unit")
    assert experiment is not None
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FINISHED"
    assert run.data.params == {"params.depth": "3", "api_key": "[redacted]"}
    assert run.data.metrics["valid/macro_f1"] == 0.5
    assert run.data.metrics["summary.test/macro_f1"] == 0.4
    assert run.data.tags["summary.note"] == "ok"
    assert list((tmp_path / "mlruns" / "artifacts").rglob("model/genre-xgb/meta.json"))
    assert list(home.iterdir()) == []


@pytest.mark.slow
def test_failed_run_is_marked_failed(tmp_path: Path) -> None:
    tracker = MlflowTracker(tmp_path / "mlruns", experiment="e")
    with pytest.raises(ValueError, match="boom"), tracker.start_run("bad", {}):
        raise ValueError("boom")
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracker.tracking_uri)
    (run,) = client.search_runs([client.get_experiment_by_name("e").experiment_id])
    assert run.info.status == "FAILED"
