"""DVC plot data: per-genre F1 bars, true-vs-predicted genre pairs and genre co-occurrence."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from trending_now.evaluate.metrics import F1Report
from trending_now.io import atomic_write_json, atomic_write_text

NO_GENRE = "(none)"
PER_GENRE_JSON = "per_genre_f1.json"
PER_GENRE_CSV = "per_genre_f1.csv"
CONFUSION_CSV = "confusion.csv"
COOCCURRENCE_CSV = "cooccurrence.csv"


def per_genre_rows(report: F1Report) -> list[dict[str, Any]]:
    """One row per genre: genre, precision, recall, f1, support (bar-chart data)."""
    return [{"genre": g, **score.model_dump()} for g, score in report.per_genre.items()]


def confusion_rows(
    y_true: np.ndarray, y_pred: np.ndarray, genres: Sequence[str]
) -> list[dict[str, str]]:
    """(actual, predicted) pairs: every true genre of a movie against each genre predicted for it.

    A movie with no predictions pairs its true genres with "(none)", and predictions for a movie
    with no true genre pair with "(none)" as actual, so misses and false alarms both show.
    """
    rows = []
    for truth, pred in zip(np.asarray(y_true, bool), np.asarray(y_pred, bool), strict=True):
        actual = [genres[int(j)] for j in np.flatnonzero(truth)] or [NO_GENRE]
        predicted = [genres[int(j)] for j in np.flatnonzero(pred)] or [NO_GENRE]
        rows += [{"actual": a, "predicted": p} for a in actual for p in predicted]
    return rows


def cooccurrence_rows(y: np.ndarray, genres: Sequence[str]) -> list[dict[str, Any]]:
    """Movies carrying both genres, for every ordered genre pair (the diagonal = support)."""
    y_int = np.asarray(y).astype(int)
    counts = y_int.T @ y_int
    return [
        {"genre_a": a, "genre_b": b, "count": int(counts[i, j])}
        for i, a in enumerate(genres)
        for j, b in enumerate(genres)
    ]


def write_plots(
    out_dir: Path, report: F1Report, y_true: np.ndarray, y_pred: np.ndarray, genres: Sequence[str]
) -> list[Path]:
    """Write the plot data files under `out_dir`; return their paths."""
    bars = per_genre_rows(report)
    atomic_write_json(out_dir / PER_GENRE_JSON, bars)
    _write_csv(out_dir / PER_GENRE_CSV, bars)
    _write_csv(out_dir / CONFUSION_CSV, confusion_rows(y_true, y_pred, genres))
    _write_csv(out_dir / COOCCURRENCE_CSV, cooccurrence_rows(y_true, genres))
    return [
        out_dir / name for name in (PER_GENRE_JSON, PER_GENRE_CSV, CONFUSION_CSV, COOCCURRENCE_CSV)
    ]


def _write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Rows as CSV with a header (from the first row), atomically."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())
