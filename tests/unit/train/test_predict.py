"""Batch prediction for unseen movies in the snapshot's schema."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from tests.unit.features.test_snapshot import RECORD
from tests.unit.train.conftest import Splits
from trending_now.config import LogregParams, TfidfParams, TrainParams
from trending_now.features.snapshot import UnusableRecordsError
from trending_now.train.base import ThresholdedModel
from trending_now.train.models import make_classifier, save_model
from trending_now.train.predict import predict_movies


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, splits: Splits) -> Path:
    params = TrainParams(logreg=LogregParams(tfidf=TfidfParams(min_df=1, char_max_features=0)))
    classifier = make_classifier("baseline-logreg", splits.genres, params, seed=0)
    classifier.fit(splits.train, splits.y_train, splits.valid, splits.y_valid)
    path = tmp_path_factory.mktemp("models") / "baseline-logreg"
    save_model(ThresholdedModel(classifier, np.full(len(splits.genres), 0.5)), path,
               features_config={"max_review_chars": 500})  # fmt: skip
    return path


def _record(movie_id: int, text: str) -> dict[str, object]:
    record = copy.deepcopy(RECORD)
    record.update(id=movie_id, title=f"Film {movie_id}", overview=text, reviews=[])
    return record


def test_predicts_probabilities_and_decisions_per_movie(model_dir: Path, splits: Splits) -> None:
    records = [_record(1, "scream blood ghost terror"), _record(2, "laugh funny joke hilarious")]
    out = predict_movies(model_dir, records)
    assert [o["id"] for o in out] == [1, 2]
    assert list(out[0]["probabilities"]) == splits.genres
    assert out[0]["probabilities"]["Horror"] > out[1]["probabilities"]["Horror"]
    assert "Horror" in out[0]["genres"] and "Comedy" in out[1]["genres"]
    assert out[0]["model"] == "baseline-logreg"


def test_prediction_uses_the_training_cleaning(model_dir: Path) -> None:
    plain = predict_movies(model_dir, [_record(1, "scream ghost")])
    marked = predict_movies(model_dir, [_record(1, "<em>**scream**</em><br />ghost")])
    assert plain[0]["probabilities"] == pytest.approx(marked[0]["probabilities"])


def test_unusable_records_raise_one_error_listing_all(model_dir: Path) -> None:
    bad_type = _record(3, "fine") | {"popularity": "high"}
    no_text = _record(4, "") | {"overview": None, "reviews": []}
    with pytest.raises(UnusableRecordsError) as caught:
        predict_movies(model_dir, [_record(1, "ok"), bad_type, no_text])
    assert [p.index for p in caught.value.problems] == [1, 2]
    assert "popularity" in str(caught.value) and "no overview and no reviews" in str(caught.value)
