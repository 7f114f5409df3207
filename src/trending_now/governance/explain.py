"""What drives predictions, for the model card: feature importance and SHAP values.

XGBoost: each genre's booster sees its chi2-selected TF-IDF columns plus the stacked linear
scores of every genre (`linear:<genre>`). Importance is the booster's total gain per feature;
SHAP values come from `shap.TreeExplainer` on a few sample movies (exact TreeSHAP, in the
booster's log-odds, before the blend with the stacked linear model). TF-IDF + logistic
regression: the largest coefficients per genre. Other models (BERT) have no explainer here: the
card's `explanations` section stays empty and the gate says so.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from trending_now.features.text import Documents
from trending_now.train.base import ThresholdedModel

log = logging.getLogger(__name__)


def _top(names: Sequence[str] | np.ndarray, values: np.ndarray, k: int) -> list[dict[str, Any]]:
    """The k largest |values| with their names, signed, rounded."""
    order = np.argsort(-np.abs(values), kind="stable")[:k]
    return [{"feature": str(names[i]), "value": round(float(values[i]), 5)} for i in order]


def _xgb_feature_names(classifier: Any, n_stacked: int) -> np.ndarray:
    names = np.asarray(classifier.vectorizer.get_feature_names_out(), dtype=object)
    stacked = [f"linear:{g}" for g in classifier.genres][:n_stacked]
    return np.concatenate([names, np.asarray(stacked, dtype=object)])


def explain_xgb(
    model: ThresholdedModel, docs: Documents, *, n_movies: int, top_k: int = 8
) -> dict[str, Any]:
    """Gain importance per genre and overall, and SHAP values for `n_movies` sample documents."""
    with warnings.catch_warnings():  # shap's colour maps warn about matplotlib at import
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        import shap

    clf: Any = model.classifier
    inputs = clf.booster_inputs(docs)  # the booster inputs, exactly as predict_proba builds them
    n_tfidf, n_stacked = inputs.tfidf.shape[1], inputs.stacked.shape[1]
    all_names = _xgb_feature_names(clf, n_stacked)
    stacked_idx = np.arange(n_tfidf, n_tfidf + n_stacked)
    per_genre: dict[str, list[dict[str, Any]]] = {}
    overall: dict[str, float] = {}
    column_names: list[np.ndarray] = []
    for genre, booster in zip(clf.genres, clf.boosters, strict=True):
        names = all_names[np.concatenate([booster.columns, stacked_idx]).astype(int)]
        column_names.append(names)
        if booster.model is None:
            per_genre[genre] = []
            continue
        gains = booster.model.get_booster().get_score(importance_type="gain")
        values = np.zeros(len(names))
        for key, gain in gains.items():
            values[int(key[1:])] = float(gain)
        total = values.sum() or 1.0
        per_genre[genre] = _top(names, values / total, top_k)
        for name, share in zip(names, values / total, strict=True):
            if share > 0:
                overall[str(name)] = overall.get(str(name), 0.0) + float(share) / len(clf.genres)
    ranked = sorted(overall.items(), key=lambda kv: -kv[1])[: top_k * 2]
    sample = docs.head(n_movies)
    proba, decisions = model.predict(sample)
    movies = []
    for row in range(len(sample)):
        chosen = [int(j) for j in np.flatnonzero(decisions[row])] or [int(np.argmax(proba[row]))]
        genres = []
        for j in chosen[:3]:
            booster = clf.boosters[j]
            if booster.model is None:
                continue
            x = inputs.select(booster.columns)[row]
            explainer = shap.TreeExplainer(booster.model)
            values = np.asarray(explainer.shap_values(x)).reshape(-1)
            genres.append(
                {
                    "genre": clf.genres[j],
                    "probability": round(float(proba[row, j]), 4),
                    "base_value_log_odds": round(float(np.ravel(explainer.expected_value)[0]), 5),
                    "top_shap": _top(column_names[j], values, 6),
                }
            )
        movies.append(
            {
                "id": int(sample["id"].iloc[row]),
                "title": str(sample["text"].iloc[row]).split("\n")[0],
                "true_genres": list(sample["genres"].iloc[row]),
                "explained": genres,
            }
        )
    return {
        "method": "XGBoost gain importance per genre booster; SHAP TreeExplainer (log-odds)",
        "blend_linear_weight": float(getattr(clf.params, "blend_linear_weight", 0.0)),
        "importance_overall": [{"feature": k, "value": round(v, 5)} for k, v in ranked],
        "importance_per_genre": per_genre,
        "shap_samples": movies,
    }


def explain_linear(model: ThresholdedModel, *, top_k: int = 8) -> dict[str, Any]:
    """The largest logistic-regression coefficients per genre (TF-IDF + logreg)."""
    clf: Any = model.classifier
    names = np.asarray(clf.vectorizer.get_feature_names_out(), dtype=object)
    per_genre = {}
    for genre, estimator in zip(clf.genres, clf.estimator.estimators_, strict=True):
        coef = np.ravel(getattr(estimator, "coef_", np.zeros(len(names))))
        order = np.argsort(-coef, kind="stable")[:top_k]
        per_genre[genre] = [
            {"feature": str(names[i]), "value": round(float(coef[i]), 5)} for i in order
        ]
    return {"method": "largest logistic-regression coefficients", "coefficients": per_genre}


def explain_model(model: ThresholdedModel, docs: Documents, *, n_movies: int) -> dict[str, Any]:
    """Explanations for the card; {} when this model family has no explainer (or it failed)."""
    clf = model.classifier
    try:
        if hasattr(clf, "boosters") and hasattr(clf, "booster_inputs"):
            return explain_xgb(model, docs, n_movies=n_movies)
        if hasattr(clf, "estimator") and hasattr(clf, "vectorizer"):
            return explain_linear(model)
    except Exception:  # an explainer bug must not hide the card; the gate reports the gap
        log.exception("explaining %s failed", model.name)
        return {}
    log.warning("no explainer for %s: the card's explanations section stays empty", model.name)
    return {}
