"""Evaluate stage: the single look at the test split, after selection and thresholds on valid.

Inputs: `<features_dir>/documents.parquet` (test rows only) and `labels.json`; the selected,
thresholded models under `<models_dir>/<name>/`.
Outputs: `<metrics_dir>/<name>.json` (DVC metrics: micro/macro/weighted/samples F1, per genre,
per slice) and `<plots_dir>/<name>/` (per-genre F1 bars, confusion pairs, co-occurrence).
Params: the `evaluate:` block (`EvaluateParams`).

Model selection and threshold tuning never see test rows: they get train/valid documents only,
and `evaluate_on_test` is the one function that takes the test documents.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from trending_now.config import EvaluateParams
from trending_now.evaluate.metrics import F1Report, f1_report, slice_reports
from trending_now.evaluate.plots import write_plots
from trending_now.features.io import load_documents, load_labels
from trending_now.features.labels import label_matrix
from trending_now.features.text import Documents
from trending_now.io import atomic_write_json
from trending_now.tracking.base import Tracker
from trending_now.train.base import ThresholdedModel
from trending_now.train.models import load_model

log = logging.getLogger(__name__)

TEST_SPLIT = "test"


class EvaluationReport(BaseModel):
    """A model's test-split scores: overall, per slice, and the thresholds it was judged with."""

    model: str
    split: str = TEST_SPLIT
    overall: F1Report
    slices: dict[str, F1Report]
    thresholds: dict[str, float]


@dataclass(frozen=True)
class EvaluateResult:
    """Reports and the files written, per model name."""

    reports: dict[str, EvaluationReport]
    metrics_files: dict[str, Path]
    plot_files: dict[str, list[Path]]


def evaluate_on_test(
    model: ThresholdedModel, test_docs: Documents, y_test: np.ndarray, params: EvaluateParams
) -> tuple[EvaluationReport, np.ndarray]:
    """The final report of a selected, thresholded model on the test documents (and decisions)."""
    _, decisions = model.predict(test_docs)
    report = EvaluationReport(
        model=model.name,
        overall=f1_report(y_test, decisions, model.genres),
        slices=slice_reports(test_docs, y_test, decisions, model.genres, params),
        thresholds={g: float(t) for g, t in zip(model.genres, model.thresholds, strict=True)},
    )
    return report, decisions


def run_stage(
    *,
    features_dir: Path,
    models_dir: Path,
    metrics_dir: Path,
    plots_dir: Path,
    model_names: Sequence[str],
    params: EvaluateParams,
    embedding_cache: Path | None = None,
) -> EvaluateResult:
    """Score each saved model once on the test split; write metrics JSON and plot data.

    `embedding_cache`: where MiniLM document vectors are cached (None: encoded afresh)."""
    genres = load_labels(features_dir).genres
    test_docs = load_documents(features_dir, splits=(TEST_SPLIT,))
    y_test = label_matrix(test_docs["genres"], genres)
    reports, metrics_files, plot_files = {}, {}, {}
    for name in model_names:
        model = load_model(models_dir / name, embedding_cache=embedding_cache)
        if model.genres != genres:
            raise ValueError(f"{name}: trained on {model.genres}, labels.json has {genres}")
        report, decisions = evaluate_on_test(model, test_docs, y_test, params)
        metrics_files[name] = metrics_dir / f"{name}.json"
        atomic_write_json(metrics_files[name], report.model_dump())
        plot_files[name] = write_plots(plots_dir / name, report.overall, y_test, decisions, genres)
        reports[name] = report
        log.info(
            "test %s: micro-F1 %.4f macro-F1 %.4f",
            name,
            report.overall.micro_f1,
            report.overall.macro_f1,
        )
    return EvaluateResult(reports=reports, metrics_files=metrics_files, plot_files=plot_files)


def log_evaluation(
    tracker: Tracker, reports: dict[str, EvaluationReport], metrics_dir: Path, plots_dir: Path
) -> None:
    """Test metrics and the summary of the open run; metrics and plots as its artifacts."""
    summary: dict[str, float] = {}
    for name, report in reports.items():
        for average in ("micro_f1", "macro_f1", "weighted_f1", "samples_f1"):
            summary[f"test/{name}/{average}"] = getattr(report.overall, average)
        tracker.log_artifact(plots_dir / name, name=f"{name}-plots", type="plots")
    tracker.log_metrics(summary)
    tracker.log_summary(summary)
    tracker.log_artifact(metrics_dir, name="metrics", type="metrics")
