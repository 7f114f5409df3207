"""Rows of the serving database from validated movies, genre predictions and enrichments."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from trending_now.config import PublishParams
from trending_now.features.text import order_reviews, truncate_text
from trending_now.publish.db import Movie, MovieFacet, Review
from trending_now.train.base import read_meta
from trending_now.train.predict import predict_frames

Prediction = tuple[list[str], dict[str, float]]


@dataclass(frozen=True)
class Lineage:
    """What every published row carries about where it came from."""

    data_version: str
    model_name: str | None
    model_version: str | None
    published_at: datetime


def predict_genres(
    model_dir: Path,
    movies: pd.DataFrame,
    reviews: pd.DataFrame,
    *,
    embedding_cache: Path | None = None,
) -> dict[int, Prediction]:
    """Decided genres and every genre's probability per movie, through the training code path."""
    pred = predict_frames(model_dir, movies, reviews, embedding_cache=embedding_cache)
    return {
        movie_id: (
            [g for g, on in zip(pred.genres, row_decisions, strict=True) if on],
            {g: round(float(p), 6) for g, p in zip(pred.genres, row_proba, strict=True)},
        )
        for movie_id, row_proba, row_decisions in zip(
            pred.ids, pred.proba, pred.decisions, strict=True
        )
    }


def read_enrichments(enriched_dir: Path) -> dict[int, dict[str, Any]]:
    """The published enrichment per movie id ({} when the enrich stage has not run)."""
    path = enriched_dir / "enrichments.parquet"
    if not path.exists():
        return {}
    frame = pd.read_parquet(path)
    return {
        int(row["movie_id"]): {str(k): v for k, v in row.items()}
        for row in frame.to_dict("records")
    }


def model_card(model_dir: Path, metrics_file: Path | None) -> dict[str, Any]:
    """The test-split metrics summary and the model's meta.json (minus bulky search spaces)."""
    meta = read_meta(model_dir)
    params = {k: v for k, v in (meta.get("params") or {}).items() if k != "search"}
    card: dict[str, Any] = {"meta": {**meta, "params": params}, "metrics": None}
    if metrics_file is not None and metrics_file.exists():
        metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
        card["metrics"] = {k: metrics.get(k) for k in ("model", "split", "overall")}
    return card


def _strings(value: Any) -> list[str]:
    """A list column value (list, numpy array or missing) as a list of strings."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [str(v) for v in value]


def _optional(value: Any) -> Any:
    """None for pandas' missing markers, the value otherwise."""
    return None if value is None or pd.isna(value) else value


def _release_date(value: Any) -> date | None:
    """A validated release timestamp as a date (None when missing)."""
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _enrichment_fields(row: dict[str, Any] | None) -> dict[str, Any]:
    """The enrichment columns of a movie row; an unenriched movie is marked as such."""
    if row is None:
        return {
            "is_enriched": False,
            "llm_genres": [],
            "summary": None,
            "vibe_score": None,
            "vibe_tags": [],
            "provider": None,
            "enrichment_model": None,
            "prompt_version": None,
        }
    return {
        "is_enriched": True,
        "llm_genres": _strings(row["llm_genres"]),
        "summary": str(row["summary"]),
        "vibe_score": int(row["vibe_score"]),
        "vibe_tags": _strings(row["vibe_tags"]),
        "provider": str(row["provider"]),
        "enrichment_model": str(row["model"]),
        "prompt_version": str(row["prompt_version"]),
    }


def movie_rows(
    movies: pd.DataFrame,
    predictions: dict[int, Prediction] | None,
    enrichments: dict[int, dict[str, Any]],
    lineage: Lineage,
) -> list[Movie]:
    """One Movie per validated movie; predictions and enrichment joined where present."""
    rows = []
    for movie in movies.to_dict("records"):
        movie_id = int(movie["id"])
        genres = _strings(movie["genres"])
        predicted = (predictions or {}).get(movie_id)
        rows.append(
            Movie(
                id=movie_id,
                title=str(movie["title"]),
                poster_path=_optional(movie["poster_path"]),
                overview=str(movie["overview"] or ""),
                original_language=str(movie["original_language"]),
                release_date=_release_date(movie["release_date"]),
                popularity=float(movie["popularity"]),
                vote_average=float(movie["vote_average"]),
                vote_count=int(movie["vote_count"]),
                trending_rank=int(movie["trending_rank"]),
                primary_genre=genres[0] if genres else None,
                genres=genres,
                platforms=_strings(movie["providers_flatrate"]),
                predicted_genres=predicted[0] if predicted else None,
                genre_probabilities=predicted[1] if predicted else None,
                **_enrichment_fields(enrichments.get(movie_id)),
                data_version=lineage.data_version,
                model_name=lineage.model_name,
                model_version=lineage.model_version,
                published_at=lineage.published_at,
            )
        )
    return rows


def review_rows(reviews: pd.DataFrame, movie_ids: set[int], params: PublishParams) -> list[Review]:
    """Links to the source reviews of published movies, the first few per movie, with excerpts."""
    known = reviews[reviews["movie_id"].isin(movie_ids)]
    ordered = order_reviews(known).drop_duplicates(["movie_id", "review_id"])
    kept = ordered.groupby("movie_id", sort=False).head(params.max_reviews_per_movie)
    return [
        Review(
            id=str(r["review_id"]),
            movie_id=int(r["movie_id"]),
            source=str(r["source"]),
            rating=_optional(r["rating"]),
            url=_optional(r["url"]),
            excerpt=truncate_text(" ".join(str(r["content"]).split()), params.review_excerpt_chars),
        )
        for r in kept.to_dict("records")
    ]


def facet_rows(movies: list[Movie]) -> list[MovieFacet]:
    """The genre, platform and vibe-tag values of each movie, for filters and facet counts."""
    rows = []
    for movie in movies:
        for kind, values in (
            ("genre", movie.genres),
            ("platform", movie.platforms),
            ("tag", movie.vibe_tags),
        ):
            rows += [
                MovieFacet(movie_id=movie.id, kind=kind, value=v) for v in dict.fromkeys(values)
            ]
    return rows
