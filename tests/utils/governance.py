"""A small trained project for gate tests: validated data with a validation report, features,
fast XGBoost + both baselines trained and scored on test, the card text, optionally git."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd

from tests.utils.factories import FILLER, make_validated
from tests.utils.training import train_and_evaluate
from trending_now.config import (
    EvaluateParams,
    FeaturesParams,
    GateParams,
    Params,
    TfidfParams,
    TrainParams,
    XgbParams,
    XgbSearchParams,
)
from trending_now.features import run_stage as features_stage
from trending_now.governance.gate import GateInputs
from trending_now.io import atomic_write_parquet, write_json
from trending_now.validate.quarantine import TableCounts, ValidationReport

ROOT = Path(__file__).resolve().parents[2]
MODELS = ["genre-xgb", "baseline-prior", "baseline-logreg"]
XGB = XgbParams(
    tfidf=TfidfParams(min_df=1, word_max_features=500, char_max_features=0),
    n_estimators=30,
    max_depth=2,
    features_per_genre=40,
    n_jobs=1,
    stack_folds=3,
    selection_folds=0,  # train-only fitting, thresholds on valid: seconds
    embedding_linear_c=0.0,  # no MiniLM scorer
    search=XgbSearchParams(iterations=1, n_estimators=[30]),
)
# Thresholds for 200 synthetic movies (30 in test): slices of 5+ test movies are judged.
GATE = GateParams(
    min_macro_f1=0.6,
    min_genre_f1=0.3,
    min_genre_support=3,
    baseline_margin=0.0,
    min_slice_movies=5,
    min_slice_f1=0.6,
    max_slice_gap=0.35,
    serving_sample_movies=20,
    max_latency_ms=2000,
    explain_movies=2,
)


def params(*, seed: int = 0, xgb: XgbParams = XGB, gate: GateParams = GATE) -> Params:
    """The project's params: what trained the models and what the gate holds them to."""
    train = TrainParams(models=MODELS, xgb=xgb)  # type: ignore[arg-type]
    return Params(seed=seed, train=train, evaluate=EvaluateParams(min_language_movies=3), gate=gate)


def _silence_non_english(movies: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """Reviews of non-English movies without any genre word: nothing to learn them from."""
    foreign = set(movies.loc[movies["original_language"] != "en", "id"])
    reviews = reviews.copy()
    mask = reviews["movie_id"].isin(foreign)
    reviews.loc[mask, "content"] = " ".join(FILLER * 2)
    return reviews


def build_project(
    root: Path, *, n: int = 200, unfair: bool = False, project: Params | None = None
) -> Path:
    """Validated data (+ report.json), features, trained and evaluated models, card text."""
    movies, reviews = make_validated(n, seed=3)
    if unfair:
        reviews = _silence_non_english(movies, reviews)
    validated = root / "data" / "validated"
    atomic_write_parquet(validated / "movies.parquet", movies)
    atomic_write_parquet(validated / "reviews.parquet", reviews)
    report = ValidationReport(
        run_id="r1",
        movies=TableCounts(fetched=n, valid=n, quarantined=0),
        reviews=TableCounts(fetched=len(reviews), valid=len(reviews), quarantined=0),
        quarantine_reasons={},
        quarantine_rate=0.0,
    )
    write_json(validated / "report.json", report.model_dump())
    features_stage(
        validated_dir=validated,
        out_dir=root / "data" / "features",
        params=FeaturesParams(min_genre_support=5),
        seed=0,
    )
    retrain(root, project or params())
    shutil.copytree(ROOT / "governance" / "card_text", root / "governance" / "card_text")
    return root


def retrain(root: Path, project: Params, only: list[str] | None = None) -> None:
    """Train (and score on test) the project's models with these params."""
    train_and_evaluate(
        root, root / "data" / "features", project.train, project.evaluate,
        seed=project.seed, only=only,
    )  # fmt: skip


def inputs(root: Path, version: str = "v1.0.0", *, audit: bool = True) -> GateInputs:
    """The gate's inputs for the project's genre-xgb as `version`."""
    return GateInputs(
        name="genre-xgb",
        version=version,
        project_dir=root,
        features_dir=root / "data" / "features",
        models_dir=root / "models",
        metrics_dir=root / "metrics",
        validated_dir=root / "data" / "validated",
        governance_dir=root / "governance",
        model_cache=root / "var" / "models",
        audit_log=root / "var" / "audit" / "audit.jsonl" if audit else None,
        actor="test",
    )


def git_init(root: Path) -> None:
    """Make the project a git checkout with one commit (the registry's home)."""
    for args in (
        ["init", "-q", "-b", "main"],
        ["config", "user.email", "ci@trending.invalid"],
        ["config", "user.name", "CI"],
        ["add", "-A"],
        ["commit", "-qm", "project"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
