"""Skew between training and serving features, quality on new labels, finite outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.unit.monitor.conftest import World
from trending_now.features.labels import label_matrix
from trending_now.monitor.checks import check_quality, check_skew, check_stability
from trending_now.train.predict import FramePredictions, predict_frames


def test_serving_path_reproduces_the_training_features(world: World) -> None:
    ref = world.reference()
    served = predict_frames(world.model_dir, ref.movies, ref.reviews)
    skew = check_skew(world.model_dir, ref.documents, served, ref.movies, ref.reviews,
                      tolerance=1e-9)  # fmt: skip
    assert skew.movies == len(ref.movies) > 0
    assert skew.documents_equal == skew.movies and skew.max_abs_diff <= 1e-9
    assert skew.passed and skew.as_dict()["passed"] is True


def test_skew_is_caught_when_serving_builds_documents_differently(
    world: World, tmp_path: Path
) -> None:
    model_dir = tmp_path / "model"
    shutil.copytree(world.model_dir, model_dir)
    meta = json.loads((model_dir / "meta.json").read_text())
    meta["features"]["max_reviews"] = 1  # serving would keep one review, training kept all
    (model_dir / "meta.json").write_text(json.dumps(meta))
    ref = world.reference()
    served = predict_frames(model_dir, ref.movies, ref.reviews)
    skew = check_skew(model_dir, ref.documents, served, ref.movies, ref.reviews, tolerance=1e-9)
    assert not skew.passed
    assert skew.documents_equal < skew.movies and skew.max_abs_diff > 1e-9
    assert skew.mismatched_ids


def _predictions(ids: list[int], genres: list[str], decisions: np.ndarray) -> FramePredictions:
    proba = decisions.astype(float) * 0.9 + 0.05
    return FramePredictions(ids, genres, "test", proba, decisions.astype(bool))


def test_quality_scores_only_movies_the_model_never_fitted_on(world: World) -> None:
    genres = ["Drama", "Comedy", "Horror", "Animation"]
    truth = label_matrix(world.movies["genres"], genres)
    ids = [int(i) for i in world.movies["id"]]
    perfect = _predictions(ids, genres, truth)
    seen = set(ids[:50])
    quality = check_quality(perfect, world.movies, seen, baseline_macro_f1=0.8, max_drop=0.1,
                            min_movies=20)  # fmt: skip
    assert quality.movies == len(ids) - 50
    assert quality.macro_f1 == pytest.approx(1.0) and quality.passed is True
    wrong = _predictions(ids, genres, 1 - truth)
    bad = check_quality(wrong, world.movies, seen, baseline_macro_f1=0.8, max_drop=0.1,
                        min_movies=20)  # fmt: skip
    assert bad.macro_f1 is not None and bad.macro_f1 < 0.5 and bad.passed is False


def test_stability_flags_nan_infinite_and_out_of_range_probabilities() -> None:
    good = FramePredictions([1], ["a", "b"], "m", np.array([[0.1, 0.9]]), np.array([[0, 1]]))
    bad = FramePredictions([2], ["a", "b"], "m", np.array([[np.nan, 1.5]]), np.array([[0, 1]]))
    assert check_stability(good)["passed"] is True
    result = check_stability(good, bad)
    assert result == {"values": 4, "non_finite": 1, "out_of_range": 1, "passed": False}
