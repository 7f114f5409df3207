"""Saving and loading thresholded models by name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.unit.train.conftest import Splits
from trending_now.config import TrainParams
from trending_now.train.base import ThresholdedModel
from trending_now.train.models import load_model, make_classifier, save_model


def test_save_load_keeps_classifier_thresholds_and_features_config(
    tmp_path: Path, splits: Splits
) -> None:
    classifier = make_classifier("baseline-logreg", splits.genres, TrainParams(), seed=0)
    classifier.fit(splits.train, splits.y_train, splits.valid, splits.y_valid)
    thresholds = np.linspace(0.2, 0.5, len(splits.genres))
    save_model(
        ThresholdedModel(classifier, thresholds),
        tmp_path / "m",
        features_config={"max_review_chars": 123},
    )
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["name"] == "baseline-logreg"
    assert meta["genres"] == splits.genres
    assert meta["features"] == {"max_review_chars": 123}
    assert "scikit-learn" in meta["libraries"]
    assert sorted(meta["thresholds"]) == sorted(splits.genres)
    loaded = load_model(tmp_path / "m")
    np.testing.assert_allclose(loaded.thresholds, thresholds)
    first, decided = loaded.predict(splits.test)
    np.testing.assert_array_equal(first, classifier.predict_proba(splits.test))
    assert (decided == (first >= thresholds)).all()


def test_save_replaces_an_existing_model_directory(tmp_path: Path, splits: Splits) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "stale.joblib").write_text("old")
    prior = make_classifier("baseline-prior", splits.genres, TrainParams(), seed=0)
    prior.fit(splits.train, splits.y_train, splits.valid, splits.y_valid)
    save_model(ThresholdedModel(prior, np.full(len(splits.genres), 0.5)), tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["meta.json", "thresholds.json"]


def test_unknown_model_name_is_refused(splits: Splits) -> None:
    with pytest.raises(ValueError, match="unknown model"):
        make_classifier("genre-svm", splits.genres, TrainParams(), seed=0)
