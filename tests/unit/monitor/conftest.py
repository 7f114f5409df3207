"""A small monitored world: validated tables, features with the real split, a fitted model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from tests.utils.factories import make_validated, project_paths
from tests.utils.training import train_and_evaluate
from trending_now.config import (
    EvaluateParams,
    FeaturesParams,
    LogregParams,
    TfidfParams,
    TrainParams,
)
from trending_now.features import run_stage as features_stage
from trending_now.io import atomic_write_parquet
from trending_now.monitor.reference import Reference, workspace_reference

MODEL = "baseline-logreg"


@dataclass(frozen=True)
class World:
    """A project directory with data/validated, data/features, models/ and metrics/."""

    project: Path
    movies: pd.DataFrame
    reviews: pd.DataFrame

    @property
    def model_dir(self) -> Path:
        return self.project / "models" / MODEL

    def reference(self) -> Reference:
        return workspace_reference(
            project_paths(self.project), MODEL, reason="unit test: no registry"
        )


def build_world(root: Path, n: int = 120, seed: int = 3) -> World:
    """Validate-stage output, the features stage and a logistic-regression model, for real."""
    movies, reviews = make_validated(n, seed=seed)
    data = root / "data"
    atomic_write_parquet(data / "validated" / "movies.parquet", movies)
    atomic_write_parquet(data / "validated" / "reviews.parquet", reviews)
    features_stage(validated_dir=data / "validated", out_dir=data / "features",
                   params=FeaturesParams(min_genre_support=5), seed=seed)  # fmt: skip
    params = TrainParams(
        models=[MODEL], logreg=LogregParams(tfidf=TfidfParams(min_df=1, char_max_features=0))
    )
    train_and_evaluate(root, data / "features", params, EvaluateParams(), seed=seed)
    return World(root, movies, reviews)


@pytest.fixture(scope="package")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("monitored"))
