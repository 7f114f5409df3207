"""The prior and logistic-regression baselines behind the same interface."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.unit.train.conftest import Splits
from trending_now.config import LogregParams, TfidfParams
from trending_now.train.baselines import LogregClassifier, PriorClassifier


def test_prior_predicts_training_prevalence_for_every_movie(splits: Splits) -> None:
    model = PriorClassifier(splits.genres).fit(splits.train, splits.y_train, splits.valid,
                                               splits.y_valid)  # fmt: skip
    proba = model.predict_proba(splits.test)
    np.testing.assert_allclose(proba, np.tile(splits.y_train.mean(axis=0), (len(splits.test), 1)))


def test_prior_round_trip(tmp_path: Path, splits: Splits) -> None:
    model = PriorClassifier(splits.genres).fit(splits.train, splits.y_train, splits.valid,
                                               splits.y_valid)  # fmt: skip
    model.save(tmp_path / "prior")
    np.testing.assert_array_equal(
        PriorClassifier.load(tmp_path / "prior").predict_proba(splits.test),
        model.predict_proba(splits.test),
    )


def test_logreg_learns_and_round_trips(tmp_path: Path, splits: Splits) -> None:
    params = LogregParams(tfidf=TfidfParams(min_df=1, char_max_features=0), c=2.0)
    model = LogregClassifier(splits.genres, params, seed=0)
    model.fit(splits.train, splits.y_train, splits.valid, splits.y_valid)
    proba = model.predict_proba(splits.test)
    comedy = splits.genres.index("Comedy")
    has = splits.y_test[:, comedy] == 1
    assert proba[has, comedy].mean() > proba[~has, comedy].mean() + 0.1
    model.save(tmp_path / "logreg")
    loaded = LogregClassifier.load(tmp_path / "logreg")
    assert loaded.params == params
    np.testing.assert_array_equal(loaded.predict_proba(splits.test), proba)
