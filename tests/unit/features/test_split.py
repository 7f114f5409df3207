"""Grouped multi-label split: fractions, label coverage, determinism, no leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.utils.factories import make_validated
from trending_now.config import FeaturesParams, load_params
from trending_now.features import make_features
from trending_now.features.labels import label_matrix
from trending_now.features.snapshot import load_snapshot
from trending_now.features.split import assign_splits, popularity_tiers

ROOT = __import__("pathlib").Path(__file__).resolve().parents[3]


def _labels(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = (rng.random((n, 6)) < np.array([0.45, 0.3, 0.2, 0.12, 0.08, 0.05])).astype(int)
    return y


def test_split_fractions_and_every_genre_in_every_split() -> None:
    y = _labels(600)
    split = assign_splits(np.arange(600), y, valid_fraction=0.15, test_fraction=0.15, seed=1)
    counts = pd.Series(split).value_counts()
    assert counts["test"] == pytest.approx(90, abs=3)
    assert counts["valid"] == pytest.approx(90, abs=3)
    for name in ("train", "valid", "test"):
        assert (y[split == name].sum(axis=0) > 0).all(), name


def test_split_prevalence_close_to_overall() -> None:
    y = _labels(600)
    split = assign_splits(np.arange(600), y, valid_fraction=0.2, test_fraction=0.2, seed=4)
    overall = y.mean(axis=0)
    for name in ("valid", "test"):
        assert np.abs(y[split == name].mean(axis=0) - overall).max() < 0.04


def test_split_is_seeded() -> None:
    y = _labels(200)
    first = assign_splits(np.arange(200), y, valid_fraction=0.15, test_fraction=0.15, seed=7)
    again = assign_splits(np.arange(200), y, valid_fraction=0.15, test_fraction=0.15, seed=7)
    other = assign_splits(np.arange(200), y, valid_fraction=0.15, test_fraction=0.15, seed=8)
    assert (first == again).all()
    assert (first != other).any()


def test_split_refuses_duplicate_movie_ids() -> None:
    with pytest.raises(ValueError, match="unique"):
        assign_splits(
            np.array([1, 1, 2]), np.ones((3, 1)), valid_fraction=0.3, test_fraction=0.3, seed=0
        )


def test_popularity_tiers_use_train_edges_only() -> None:
    popularity = pd.Series([1.0, 2.0, 3.0, 4.0, 1000.0, 0.5])
    is_train = pd.Series([True, True, True, True, False, False])
    tiers = popularity_tiers(popularity, is_train, tiers=2)
    assert tiers.tolist() == [1, 1, 2, 2, 2, 1]


def test_make_features_splits_synthetic_movies_once_each() -> None:
    movies, reviews = make_validated(40)
    docs, labels = make_features(movies, reviews, FeaturesParams(min_genre_support=5), seed=0)
    assert docs["id"].is_unique and len(docs) == 40
    assert set(docs["split"]) == {"train", "valid", "test"}
    assert "Western" in labels.excluded


@pytest.mark.slow
def test_no_movie_in_two_splits_on_the_shipped_snapshot() -> None:
    params = load_params(ROOT / "params.yaml")
    movies, reviews = load_snapshot(ROOT / "data" / "snapshot" / "movies.jsonl.xz")
    docs, labels = make_features(movies, reviews, params.features, seed=params.seed)
    assert len(docs) == len(movies) == 621
    by_split = {
        name: set(docs.loc[docs["split"] == name, "id"]) for name in ("train", "valid", "test")
    }
    assert not by_split["train"] & by_split["valid"]
    assert not by_split["train"] & by_split["test"]
    assert not by_split["valid"] & by_split["test"]
    assert set().union(*by_split.values()) == set(movies["id"])
    y = label_matrix(docs["genres"], labels.genres)
    for name in ("valid", "test"):
        assert (y[(docs["split"] == name).to_numpy()].sum(axis=0) > 0).all(), name
    assert labels.excluded == {"Western": 8, "Documentary": 3, "TV Movie": 2}
