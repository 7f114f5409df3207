"""The F1 family, per genre and per slice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from trending_now.config import EvaluateParams
from trending_now.evaluate.metrics import f1_report, slice_masks, slice_reports

GENRES = ["Drama", "Comedy", "War"]
Y_TRUE = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 0]])
Y_PRED = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 1], [1, 0, 0]])


def test_f1_report_matches_sklearn_and_counts_support() -> None:
    report = f1_report(Y_TRUE, Y_PRED, GENRES)
    assert report.n_movies == 4
    assert report.micro_f1 == pytest.approx(f1_score(Y_TRUE, Y_PRED, average="micro"))
    assert report.samples_f1 == pytest.approx(
        f1_score(Y_TRUE, Y_PRED, average="samples", zero_division=0)
    )
    assert report.per_genre["Drama"].precision == pytest.approx(0.5)
    assert report.per_genre["Drama"].recall == pytest.approx(0.5)
    assert report.per_genre["Comedy"].f1 == pytest.approx(1.0)
    assert report.per_genre["War"].support == 0
    # macro over genres present in the set: War has no true movie here
    assert report.macro_f1 == pytest.approx((0.5 + 1.0) / 2)


def _docs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "original_language": ["en", "en", "fr", "ja"],
            "decade": [1990, 2000, 2000, 1990],
            "popularity_tier": [1, 2, 3, 1],
        }
    )


def test_slice_masks_cover_language_decade_and_tier() -> None:
    masks = slice_masks(_docs(), EvaluateParams(min_language_movies=1))
    assert masks["language=en"].tolist() == [True, True, False, False]
    assert masks["language=non-en"].tolist() == [False, False, True, True]
    assert masks["language=fr"].tolist() == [False, False, True, False]
    assert masks["decade=1990"].tolist() == [True, False, False, True]
    assert masks["popularity_tier=3"].tolist() == [False, False, True, False]


def test_small_languages_and_slices_are_left_out() -> None:
    masks = slice_masks(_docs(), EvaluateParams(min_language_movies=2, min_slice_movies=2))
    assert "language=fr" not in masks
    assert "popularity_tier=3" not in masks
    assert "language=non-en" in masks


def test_slice_reports_score_only_their_rows() -> None:
    reports = slice_reports(_docs(), Y_TRUE, Y_PRED, GENRES, EvaluateParams())
    assert reports["language=en"].n_movies == 2
    assert reports["language=en"].per_genre["Drama"].support == 2
