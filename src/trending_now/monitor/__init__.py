"""Monitor stage: the latest validated data against the production model's training data.

Inputs: `<validated_dir>/{movies,reviews}.parquet` (current), a `Reference` (reference.py: the
`prod` version's training data and model, or the workspace's, with the reason).
Outputs, under `<monitor_dir>` (`var/monitor`):
- `reports/<YYYY-MM-DD>/<run>/`: `data_drift.{html,json}`, `prediction_drift.{html,json}` (the
  Evidently reports) and `summary.json`; the folder appears whole or not at all;
- the run in the Evidently workspace `workspace/` (project `monitor.project`, its dashboard);
- `latest.json`: the summary of the last run (schema in docs/monitoring.md), replaced atomically.
Checks: data drift of the monitored columns, drift of the predicted genre mix, training/serving
skew, macro-F1 on newly labelled movies, finite probabilities, the model's age.
Params: the `monitor:` block (`MonitorParams`).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel

from trending_now.config import FeaturesParams, MonitorParams
from trending_now.credentials import redact
from trending_now.io import atomic_directory, write_json
from trending_now.monitor.checks import (
    QualityResult,
    SkewResult,
    check_quality,
    check_skew,
    check_stability,
    serving_features,
)
from trending_now.monitor.decision import Decision, decide, model_age_days
from trending_now.monitor.drift import DriftResult, data_drift, prediction_drift
from trending_now.monitor.profile import genre_mix, movie_profile, shares
from trending_now.monitor.reference import Reference
from trending_now.monitor.workspace import add_runs, dashboard_url
from trending_now.tracking.base import Tracker
from trending_now.train.predict import FramePredictions, predict_frames

log = logging.getLogger(__name__)

LATEST_FILE = "latest.json"
SUMMARY_FILE = "summary.json"


@dataclass(frozen=True)
class ModelChecks:
    """Everything that needs the model: prediction drift, skew, quality, stability."""

    prediction: DriftResult
    reference_mix: dict[str, float]
    current_mix: dict[str, float]
    skew: SkewResult
    quality: QualityResult
    stability: dict[str, Any]


@dataclass(frozen=True)
class Assessment:
    """One monitor run's findings and the decision taken on them."""

    data: DriftResult
    model: ModelChecks | None
    decision: Decision
    current_movies: int


def _head(pred: FramePredictions, n: int) -> FramePredictions:
    """The first `n` movies of a prediction batch."""
    return FramePredictions(
        pred.ids[:n], pred.genres, pred.model_name, pred.proba[:n], pred.decisions[:n]
    )


def check_model(
    reference: Reference,
    movies: pd.DataFrame,
    reviews: pd.DataFrame,
    params: MonitorParams,
    *,
    now: datetime,
) -> ModelChecks:
    """Predict both sides through the serving path (train/predict.py) and check the outputs."""
    assert reference.model_dir is not None
    ref_pred = predict_frames(reference.model_dir, reference.movies, reference.reviews)
    cur_pred = predict_frames(reference.model_dir, movies, reviews)
    ref_mix = genre_mix(ref_pred.ids, ref_pred.genres, ref_pred.decisions)
    cur_mix = genre_mix(cur_pred.ids, cur_pred.genres, cur_pred.decisions)
    sample = _head(ref_pred, params.skew_movies)
    return ModelChecks(
        prediction=prediction_drift(ref_mix, cur_mix, params, when=now),
        reference_mix=shares(ref_mix),
        current_mix=shares(cur_mix),
        skew=check_skew(
            reference.model_dir,
            reference.documents,
            sample,
            reference.movies[reference.movies["id"].isin(sample.ids)],
            reference.reviews,
            tolerance=params.skew_tolerance,
        ),
        quality=check_quality(
            cur_pred,
            movies,
            set(reference.seen_ids),
            baseline_macro_f1=reference.baseline_macro_f1,
            max_drop=params.max_quality_drop,
            min_movies=params.min_quality_movies,
        ),
        stability=check_stability(ref_pred, cur_pred),
    )


def assess(
    reference: Reference,
    movies: pd.DataFrame,
    reviews: pd.DataFrame,
    params: MonitorParams,
    *,
    now: datetime,
) -> Assessment:
    """Compare current movies/reviews with the reference and decide whether to retrain."""
    model_dir = reference.model_dir
    features = serving_features(model_dir) if model_dir is not None else FeaturesParams()
    data = data_drift(
        movie_profile(reference.movies, reference.reviews, features),
        movie_profile(movies, reviews, features),
        params,
        when=now,
    )
    model = check_model(reference, movies, reviews, params, now=now) if model_dir else None
    decision = decide(
        params,
        data=data,
        prediction=model.prediction if model else None,
        quality=model.quality if model else None,
        age_days=model_age_days(reference.model_created_at, now),
        skew_passed=model.skew.passed if model else None,
        stability_passed=model.stability["passed"] if model else None,
    )
    return Assessment(data=data, model=model, decision=decision, current_movies=len(movies))


def _finite(value: Any) -> Any:
    """JSON-safe: non-finite floats become None, at any depth."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


class MonitorSummary(BaseModel):
    """One monitor run: what drifted, the model checks and the decision (latest.json's schema,
    docs/monitoring.md). The model checks stay mappings: their fields are each check's own."""

    generated_at: str
    run: str
    status: Literal["ok", "no_reference"]
    reference: dict[str, Any]
    current: dict[str, Any]
    dataset_drift: bool
    drift_share: float
    drifted_columns: list[str]
    columns: dict[str, dict[str, Any]]
    prediction_drift: dict[str, Any]
    skew: dict[str, Any]
    quality: dict[str, Any]
    stability: dict[str, Any]
    stale_model: bool
    model_age_days: float | None
    retrain_triggered: bool
    reasons: list[str]
    alerts: list[str]
    report_html: str | None
    dashboard_url: str


def _model_summary(model: ModelChecks | None) -> dict[str, Any]:
    if model is None:
        skipped = {"skipped": "no trained model to predict with"}
        return {
            "prediction_drift": skipped,
            "skew": skipped,
            "quality": skipped,
            "stability": skipped,
        }
    test = model.prediction.columns[0]
    return {
        "prediction_drift": {
            "method": test.method,
            "threshold": test.threshold,
            "p_value": test.p_value,
            "drifted": test.drifted,
            "reference_genre_mix": model.reference_mix,
            "current_genre_mix": model.current_mix,
        },
        "skew": model.skew.as_dict(),
        "quality": model.quality.as_dict(),
        "stability": model.stability,
    }


def summarise(
    assessment: Assessment,
    *,
    run_id: str,
    now: datetime,
    reference: dict[str, Any],
    current: dict[str, Any],
    report_html: str | None,
    url: str,
) -> MonitorSummary:
    """The run summary written to summary.json and latest.json."""
    data, decision = assessment.data, assessment.decision
    columns = {
        c.column: {"method": c.method, "threshold": c.threshold, "p_value": c.p_value,
                   "drifted": c.drifted}
        for c in data.columns
    }  # fmt: skip
    return MonitorSummary(
        generated_at=now.isoformat(),
        run=run_id,
        status="ok",
        reference=reference,
        current={**current, "movies": assessment.current_movies},
        dataset_drift=decision.dataset_drift,
        drift_share=round(data.drift_share, 4),
        drifted_columns=data.drifted_columns,
        columns=_finite(columns),
        **_finite(_model_summary(assessment.model)),
        stale_model=decision.stale_model,
        model_age_days=decision.model_age_days,
        retrain_triggered=decision.retrain,
        reasons=decision.reasons,
        alerts=decision.alerts,
        report_html=report_html,
        dashboard_url=url,
    )


def _write_reports(run_dir: Path, assessment: Assessment) -> None:
    """The Evidently reports of the run, as HTML and JSON, into the (staging) run folder."""
    reports = {"data_drift": assessment.data}
    if assessment.model is not None:
        reports["prediction_drift"] = assessment.model.prediction
    for name, result in reports.items():
        result.snapshot.save_html(str(run_dir / f"{name}.html"))
        result.snapshot.save_json(str(run_dir / f"{name}.json"))


def run_dir_for(monitor_dir: Path, run_id: str, now: datetime) -> Path:
    """`<monitor_dir>/reports/<YYYY-MM-DD>/<run>`."""
    return monitor_dir / "reports" / now.strftime("%Y-%m-%d") / run_id


def run_stage(
    *,
    reference: Reference,
    validated_dir: Path,
    monitor_dir: Path,
    params: MonitorParams,
    run_id: str,
    now: datetime,
    ui_url: str,
    current_info: dict[str, Any],
    tracker: Tracker,
) -> MonitorSummary:
    """Assess the validated data, write the reports, the workspace run and latest.json."""
    movies = pd.read_parquet(validated_dir / "movies.parquet")
    reviews = pd.read_parquet(validated_dir / "reviews.parquet")
    assessment = assess(reference, movies, reviews, params, now=now)
    snapshots = [assessment.data.snapshot]
    if assessment.model is not None:
        snapshots.append(assessment.model.prediction.snapshot)
    project_id = add_runs(monitor_dir / "workspace", params.project, snapshots)
    run_dir = run_dir_for(monitor_dir, run_id, now)
    summary = summarise(
        assessment,
        run_id=run_id,
        now=now,
        reference=reference.info,
        current=current_info,
        report_html=str((run_dir / "data_drift.html").relative_to(monitor_dir)),
        url=dashboard_url(ui_url, project_id),
    )
    with atomic_directory(run_dir) as staging:
        _write_reports(staging, assessment)
        write_json(staging / SUMMARY_FILE, summary.model_dump(mode="json"))
    write_json(monitor_dir / LATEST_FILE, summary.model_dump(mode="json"))
    track(tracker, summary, run_dir, params)
    log.info(
        "monitor %s: drift share %.2f, retrain %s %s",
        run_id,
        summary.drift_share,
        summary.retrain_triggered,
        summary.reasons,
    )
    return summary


def track(tracker: Tracker, summary: MonitorSummary, run_dir: Path, params: MonitorParams) -> None:
    """The run's numbers, decision and reports as a tracker run (W&B by default)."""
    metrics = {f"drift/{c}/p_value": v["p_value"] for c, v in summary.columns.items()}
    metrics["drift/share"] = summary.drift_share
    if "p_value" in summary.prediction_drift:
        metrics["drift/predicted_genre/p_value"] = summary.prediction_drift["p_value"]
    if summary.quality.get("macro_f1") is not None:
        metrics["quality/macro_f1"] = summary.quality["macro_f1"]
    if summary.model_age_days is not None:
        metrics["model/age_days"] = summary.model_age_days
    metrics["retrain"] = float(summary.retrain_triggered)
    config = redact(
        {
            "monitor": params.model_dump(),
            "reference": summary.reference,
            "current": summary.current,
            "run": summary.run,
        }
    )
    with tracker.start_run("monitor", config):
        tracker.log_metrics({k: float(v) for k, v in metrics.items() if v is not None})
        tracker.log_summary({**metrics, "reasons": json.dumps(summary.reasons)})
        tracker.log_artifact(run_dir, name="drift-report", type="monitor-report")


def unavailable_summary(reason: str, *, run_id: str, now: datetime, url: str) -> MonitorSummary:
    """latest.json when there is nothing to compare with yet (no features, first ingest)."""
    return MonitorSummary.model_validate(
        {
            "generated_at": now.isoformat(),
            "run": run_id,
            "status": "no_reference",
            "reference": {"reason": reason},
            "current": {},
            "dataset_drift": False,
            "drift_share": 0.0,
            "drifted_columns": [],
            "columns": {},
            "prediction_drift": {},
            "skew": {},
            "quality": {},
            "stability": {},
            "stale_model": False,
            "model_age_days": None,
            "retrain_triggered": False,
            "reasons": [],
            "alerts": [],
            "report_html": None,
            "dashboard_url": url,
        }
    )
