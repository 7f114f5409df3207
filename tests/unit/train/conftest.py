"""Small fitted-model fixtures shared by the train tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from tests.utils.factories import make_documents
from trending_now.config import TfidfParams, XgbParams, XgbSearchParams
from trending_now.features.labels import apply_rare_genre_rule, label_matrix


@dataclass(frozen=True)
class Splits:
    genres: list[str]
    train: pd.DataFrame
    y_train: np.ndarray
    valid: pd.DataFrame
    y_valid: np.ndarray
    test: pd.DataFrame
    y_test: np.ndarray


@pytest.fixture(scope="package")
def splits() -> Splits:
    docs = make_documents(80, seed=1)
    genres = apply_rare_genre_rule(docs["genres"], min_genre_support=5).genres
    parts = {name: docs[docs["split"] == name].reset_index(drop=True) for name in
             ("train", "valid", "test")}  # fmt: skip
    y = {name: label_matrix(part["genres"], genres) for name, part in parts.items()}
    return Splits(genres, parts["train"], y["train"], parts["valid"], y["valid"], parts["test"],
                  y["test"])  # fmt: skip


@pytest.fixture
def small_xgb_params() -> XgbParams:
    return XgbParams(
        tfidf=TfidfParams(min_df=1, word_max_features=500, char_max_features=300),
        n_estimators=20,
        max_depth=2,
        features_per_genre=50,
        n_jobs=1,  # the machine is shared: OpenMP threads spin badly when oversubscribed
        selection_folds=0,  # train-only fitting, thresholds on valid: seconds
        embedding_linear_c=0.0,  # no MiniLM scorer
        search=XgbSearchParams(iterations=1, n_estimators=[10, 20], features_per_genre=[30, 50]),
    )
