"""The monitor stage end to end on a small world: reports, workspace run, latest.json, decision."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.unit.monitor.conftest import World
from trending_now.config import MonitorParams
from trending_now.io import atomic_write_parquet
from trending_now.monitor import LATEST_FILE, SUMMARY_FILE, run_stage
from trending_now.monitor.profile import COLUMNS

NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
SPEC_KEYS = {
    "generated_at", "reference", "current", "dataset_drift", "drift_share", "drifted_columns",
    "prediction_drift", "skew", "quality", "stale_model", "retrain_triggered", "reasons",
    "report_html", "dashboard_url",
}  # fmt: skip


class RecordingTracker:
    """Keeps what a tracker run would send (in-process fake for this unit test)."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []

    @contextlib.contextmanager
    def start_run(self, name: str, config: Mapping[str, Any]) -> Iterator[None]:
        self.runs.append({"name": name, "config": dict(config), "metrics": {}, "artifacts": []})
        yield

    def log_metrics(self, metrics: Mapping[str, float], *, step: int | None = None) -> None:
        self.runs[-1]["metrics"].update(metrics)

    def log_artifact(self, path: Path, *, name: str, type: str) -> None:
        self.runs[-1]["artifacts"].append(path)

    def log_summary(self, summary: Mapping[str, Any]) -> None:
        self.runs[-1]["summary"] = dict(summary)


def _run(world: World, validated: Path, out: Path, run_id: str) -> tuple[dict[str, Any], Any]:
    tracker = RecordingTracker()
    summary = run_stage(reference=world.reference(), validated_dir=validated, monitor_dir=out,
                        params=MonitorParams(), run_id=run_id, now=NOW,
                        ui_url="http://127.0.0.1:8794", current_info={"data_version": "x"},
                        tracker=tracker)  # fmt: skip
    return summary, tracker


def _drifted(world: World, root: Path) -> Path:
    """The same movies served shifted: other languages, far more popular, one-line reviews."""
    movies = world.movies.assign(
        original_language="ko", popularity=world.movies["popularity"] + 500
    )
    reviews = world.reviews.assign(content=world.reviews["content"].str.slice(0, 12))
    atomic_write_parquet(root / "movies.parquet", movies)
    atomic_write_parquet(root / "reviews.parquet", reviews)
    return root


def test_unchanged_data_writes_everything_and_asks_for_nothing(
    world: World, tmp_path: Path
) -> None:
    out = tmp_path / "monitor"
    summary, tracker = _run(world, world.project / "data" / "validated", out, "run-1")
    assert set(summary.model_dump()) >= SPEC_KEYS and summary.status == "ok"
    assert not summary.retrain_triggered and summary.reasons == []
    assert summary.drift_share == 0.0 and set(summary.columns) == set(COLUMNS)
    assert summary.skew["passed"] and summary.stability["passed"]
    assert summary.prediction_drift["drifted"] is False
    run_dir = out / "reports" / "2026-11-26" / "run-1"
    assert summary.report_html == "reports/2026-11-26/run-1/data_drift.html"
    names = {"data_drift.html", "data_drift.json", "prediction_drift.html", "prediction_drift.json"}
    assert {p.name for p in run_dir.iterdir()} == names | {SUMMARY_FILE}
    assert json.loads((out / LATEST_FILE).read_text()) == summary.model_dump(mode="json")
    assert summary.dashboard_url.startswith("http://127.0.0.1:8794/projects/")
    assert (out / "workspace").is_dir()
    assert tracker.runs[0]["metrics"]["drift/share"] == 0.0 and tracker.runs[0]["artifacts"] == [
        run_dir
    ]


def test_shifted_data_is_flagged_with_its_reasons(world: World, tmp_path: Path) -> None:
    summary, tracker = _run(world, _drifted(world, tmp_path / "validated"), tmp_path / "m", "r2")
    assert summary.dataset_drift and summary.retrain_triggered
    assert {"original_language", "popularity", "review_length"} <= set(summary.drifted_columns)
    assert summary.reasons[0].startswith("data drift:")
    assert tracker.runs[0]["metrics"]["retrain"] == 1.0
    # The same movies were re-featurised from their training-time data: no skew.
    assert summary.skew["passed"]


def test_runs_accumulate_and_latest_names_the_last(world: World, tmp_path: Path) -> None:
    out = tmp_path / "monitor"
    _run(world, world.project / "data" / "validated", out, "first")
    second, _ = _run(world, _drifted(world, tmp_path / "validated"), out, "second")
    latest = json.loads((out / LATEST_FILE).read_text())
    assert latest["run"] == "second" == second.run
    assert sorted(p.name for p in (out / "reports" / "2026-11-26").iterdir()) == ["first", "second"]


@pytest.fixture
def no_model_world(world: World, tmp_path: Path) -> World:
    import shutil

    shutil.copytree(world.project / "data", tmp_path / "p" / "data")
    return World(tmp_path / "p", world.movies, world.reviews)


def test_without_a_model_data_drift_is_still_reported(
    no_model_world: World, tmp_path: Path
) -> None:
    summary, _ = _run(no_model_world, no_model_world.project / "data" / "validated",
                      tmp_path / "m", "r")  # fmt: skip
    assert summary.prediction_drift == {"skipped": "no trained model to predict with"}
    assert summary.drift_share == 0.0 and not pd.isna(summary.columns["popularity"]["p_value"])
