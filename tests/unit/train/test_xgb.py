"""XGBoost genre model: search, determinism, constant genres, save/load round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from tests.unit.train.conftest import Splits
from trending_now.config import EmbeddingParams, XgbParams
from trending_now.train.xgb import (
    BoosterInput,
    XgbGenreClassifier,
    fit_boosters,
    predict_boosters,
    sample_candidates,
)


def _fit(splits: Splits, params: XgbParams, seed: int = 0) -> XgbGenreClassifier:
    model = XgbGenreClassifier(splits.genres, params, seed=seed, threshold_grid=[0.3, 0.5, 0.7])
    return model.fit(splits.train, splits.y_train, splits.valid, splits.y_valid)


def test_sample_candidates_starts_with_the_default_and_is_seeded(
    small_xgb_params: XgbParams,
) -> None:
    first = sample_candidates(small_xgb_params, iterations=4, seed=5)
    again = sample_candidates(small_xgb_params, iterations=4, seed=5)
    assert first[0] == small_xgb_params
    assert first == again
    assert len({(c.n_estimators, c.features_per_genre, c.max_depth) for c in first}) == len(first)


def test_same_seed_gives_identical_predictions(splits: Splits, small_xgb_params: XgbParams) -> None:
    first = _fit(splits, small_xgb_params).predict_proba(splits.test)
    again = _fit(splits, small_xgb_params).predict_proba(splits.test)
    np.testing.assert_array_equal(first, again)
    assert first.shape == (len(splits.test), len(splits.genres))
    assert np.isfinite(first).all() and (first >= 0).all() and (first <= 1).all()


def test_search_records_every_trial_and_keeps_the_best(
    splits: Splits, small_xgb_params: XgbParams
) -> None:
    search = small_xgb_params.search.model_copy(update={"iterations": 2})
    model = _fit(splits, small_xgb_params.model_copy(update={"search": search}))
    trials = model.search_report.trials
    assert len(trials) == 2
    best = max(range(len(trials)), key=lambda i: trials[i]["valid_macro_f1"])
    assert model.search_report.best_index == best
    assert model.params.n_estimators == trials[best]["n_estimators"]


def test_learns_the_genre_words(splits: Splits, small_xgb_params: XgbParams) -> None:
    model = _fit(splits, small_xgb_params)
    horror = splits.genres.index("Horror")
    docs = splits.test.assign(text=["scream blood ghost terror movie"] * len(splits.test))
    plain = splits.test.assign(text=["laugh funny joke movie"] * len(splits.test))
    assert model.predict_proba(docs)[0, horror] > model.predict_proba(plain)[0, horror]


def test_genre_with_one_class_in_train_gets_a_constant(small_xgb_params: XgbParams) -> None:
    x = BoosterInput(csr_matrix(np.eye(6, dtype=np.float32)), np.zeros((6, 0)))
    y = np.array([[1, 0], [0, 0], [1, 0], [0, 0], [1, 0], [0, 0]])
    boosters = fit_boosters(x, y, small_xgb_params, seed=0)
    assert boosters[1].model is None and boosters[1].constant == 0.0
    assert boosters[0].model is not None


def test_save_load_round_trip_gives_identical_probabilities(
    tmp_path: Path, splits: Splits, small_xgb_params: XgbParams
) -> None:
    model = _fit(splits, small_xgb_params)
    model.save(tmp_path / "xgb")
    loaded = XgbGenreClassifier.load(tmp_path / "xgb")
    assert loaded.genres == model.genres and loaded.params == model.params
    np.testing.assert_array_equal(
        loaded.predict_proba(splits.test), model.predict_proba(splits.test)
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_different_seeds_still_fit(splits: Splits, small_xgb_params: XgbParams, seed: int) -> None:
    model = _fit(splits, small_xgb_params.model_copy(update={"subsample": 0.7}), seed=seed)
    assert len(model.boosters) == len(splits.genres)


def test_blend_weight_moves_output_from_boosters_to_the_stacked_linear_model(
    splits: Splits, small_xgb_params: XgbParams
) -> None:
    model = _fit(splits, small_xgb_params.model_copy(update={"blend_linear_weight": 1.0}))
    assert model.linear is not None
    linear = model.linear.predict_proba(model.vectorizer.transform(splits.test["text"]))
    np.testing.assert_allclose(model.predict_proba(splits.test), linear)
    assert model.blend_weights == {"boosters": 0.0, "linear": 1.0}
    model.blend_weights = {"boosters": 1.0}
    inputs = model.booster_inputs(splits.test)
    boosted = predict_boosters(model.boosters, inputs)
    np.testing.assert_array_equal(model.predict_proba(splits.test), boosted)
    assert inputs.stacked.shape == (len(splits.test), len(splits.genres))


def test_without_stacking_boosters_see_tfidf_only(
    splits: Splits, small_xgb_params: XgbParams
) -> None:
    model = _fit(splits, small_xgb_params.model_copy(update={"stack_linear_c": 0.0}))
    assert model.linear is None
    assert model.booster_inputs(splits.test).stacked.shape == (len(splits.test), 0)


# -- out-of-fold selection on train+valid (selection_folds >= 2), with the MiniLM scorer --------

OOF_GRID = [round(0.05 * i, 2) for i in range(1, 20)]


def _oof_params(small: XgbParams) -> XgbParams:
    return small.model_copy(
        update={
            "selection_folds": 3,
            "embedding_linear_c": 0.05,
            "embeddings": EmbeddingParams(max_length=32, max_windows=1, torch_threads=1),
            "blend_step": 0.25,
        }
    )


def _fit_oof(splits: Splits, params: XgbParams, cache: Path) -> XgbGenreClassifier:
    model = XgbGenreClassifier(
        splits.genres, params, seed=0, threshold_grid=OOF_GRID, embedding_cache=cache
    )
    return model.fit(splits.train, splits.y_train, splits.valid, splits.y_valid)


@pytest.fixture(scope="module")
def oof_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embeddings")


def test_out_of_fold_selection_refits_on_train_and_valid_and_keeps_its_thresholds(
    splits: Splits, small_xgb_params: XgbParams, oof_cache: Path
) -> None:
    model = _fit_oof(splits, _oof_params(small_xgb_params), oof_cache)
    pool = len(splits.train) + len(splits.valid)
    assert len(list(oof_cache.rglob("*.npy"))) == pool  # each document embedded once, cached
    assert model.selection["rows"] == pool and model.selection["folds"] == 3
    assert model.embedding_linear is not None
    assert model.embedding_linear[0].n_samples_seen_ == pool  # refitted on train+valid
    assert set(model.blend_weights) <= {"boosters", "linear", "embedding"}
    assert sum(model.blend_weights.values()) == pytest.approx(1.0)
    assert model.oof_thresholds is not None and model.oof_thresholds.shape == (len(splits.genres),)
    assert set(model.oof_thresholds.tolist()) <= set(OOF_GRID) | {0.5}
    scores = model.selection["members_macro_f1_cross_fitted"]
    assert set(scores) == {"boosters", "linear", "embedding"}
    assert model.oof_macro_f1 == model.selection["blend_macro_f1_cross_fitted"]
    assert 0.0 < model.oof_macro_f1 <= model.selection["blend_macro_f1_tuned_on_same_rows"]
    members = model.member_proba(splits.test)
    expected = sum(w * members[name] for name, w in model.blend_weights.items())
    np.testing.assert_allclose(model.predict_proba(splits.test), expected)
    np.testing.assert_array_equal(
        model.predict_proba(splits.test),
        _fit_oof(splits, _oof_params(small_xgb_params), oof_cache).predict_proba(splits.test),
    )


def test_out_of_fold_model_round_trips_and_the_stage_takes_its_thresholds(
    tmp_path: Path, splits: Splits, small_xgb_params: XgbParams, oof_cache: Path
) -> None:
    from trending_now.config import TrainParams
    from trending_now.train import SelectionData, fit_and_tune
    from trending_now.train.models import load_model, save_model

    data = SelectionData(splits.genres, splits.train, splits.y_train, splits.valid, splits.y_valid)
    params = TrainParams(threshold_grid=OOF_GRID, xgb=_oof_params(small_xgb_params))
    fitted = fit_and_tune("genre-xgb", data, params, seed=0, embedding_cache=oof_cache)
    classifier = fitted.model.classifier
    assert isinstance(classifier, XgbGenreClassifier)
    np.testing.assert_array_equal(fitted.model.thresholds, classifier.oof_thresholds)
    assert fitted.valid_macro_f1 == classifier.oof_macro_f1
    save_model(fitted.model, tmp_path / "xgb")
    loaded = load_model(tmp_path / "xgb", embedding_cache=oof_cache)
    assert isinstance(loaded.classifier, XgbGenreClassifier)
    assert loaded.classifier.blend_weights == classifier.blend_weights
    np.testing.assert_array_equal(loaded.thresholds, fitted.model.thresholds)
    np.testing.assert_array_equal(
        loaded.classifier.predict_proba(splits.test), classifier.predict_proba(splits.test)
    )
