"""DVC plot data files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from trending_now.evaluate.metrics import f1_report
from trending_now.evaluate.plots import confusion_rows, cooccurrence_rows, write_plots

GENRES = ["Drama", "Comedy"]
Y_TRUE = np.array([[1, 1], [1, 0], [0, 0]])
Y_PRED = np.array([[1, 0], [0, 0], [0, 1]])


def test_confusion_pairs_show_hits_misses_and_false_alarms() -> None:
    rows = confusion_rows(Y_TRUE, Y_PRED, GENRES)
    assert rows == [
        {"actual": "Drama", "predicted": "Drama"},
        {"actual": "Comedy", "predicted": "Drama"},
        {"actual": "Drama", "predicted": "(none)"},
        {"actual": "(none)", "predicted": "Comedy"},
    ]


def test_cooccurrence_counts_movies_with_both_genres() -> None:
    rows = {(r["genre_a"], r["genre_b"]): r["count"] for r in cooccurrence_rows(Y_TRUE, GENRES)}
    assert rows == {("Drama", "Drama"): 2, ("Drama", "Comedy"): 1, ("Comedy", "Drama"): 1,
                    ("Comedy", "Comedy"): 1}  # fmt: skip


def test_write_plots_writes_json_and_csv(tmp_path: Path) -> None:
    report = f1_report(Y_TRUE, Y_PRED, GENRES)
    paths = write_plots(tmp_path, report, Y_TRUE, Y_PRED, GENRES)
    assert all(p.exists() for p in paths)
    bars = json.loads((tmp_path / "per_genre_f1.json").read_text())
    assert [b["genre"] for b in bars] == GENRES and bars[0]["support"] == 2
    with (tmp_path / "per_genre_f1.csv").open() as fh:
        assert next(csv.DictReader(fh))["genre"] == "Drama"
