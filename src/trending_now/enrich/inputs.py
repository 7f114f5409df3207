"""Per-movie inputs of the enrichment: cleaned text, ratings, and a hash of all of it.

Built from the validated tables with the features stage's cleaning, so the LLM, the embedded
provider and the cache all see the same text. Known TMDb genres are kept for evaluation only:
they are never shown to a provider (LLM genres are a prediction, not a copy).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field

import pandas as pd

from trending_now.config import EnrichParams
from trending_now.features.text import clean_text, order_reviews, truncate_text


@dataclass(frozen=True)
class ReviewText:
    """One cleaned review with its 1-10 rating (None when the author gave none)."""

    review_id: str
    source: str
    text: str
    rating: float | None


@dataclass(frozen=True)
class MovieInput:
    """Everything a provider may read about one movie."""

    movie_id: int
    title: str
    overview: str
    reviews: tuple[ReviewText, ...]
    vote_average: float | None
    vote_count: int
    data_run_id: str
    known_genres: tuple[str, ...] = field(default=(), compare=False)

    @property
    def source_text(self) -> str:
        """Overview and reviews as one text (what summaries must be supported by)."""
        return "\n\n".join([self.overview, *(r.text for r in self.reviews)])


def build_inputs(
    movies_df: pd.DataFrame, reviews_df: pd.DataFrame, params: EnrichParams
) -> list[MovieInput]:
    """One MovieInput per validated movie (input order), reviews cleaned, cut and capped."""
    by_movie = _reviews_by_movie(reviews_df, params)
    inputs = []
    for row in movies_df.to_dict("records"):
        movie_id = int(row["id"])
        inputs.append(
            MovieInput(
                movie_id=movie_id,
                title=clean_text(_text(row.get("title"))),
                overview=clean_text(_text(row.get("overview"))),
                reviews=tuple(by_movie.get(movie_id, [])[: params.max_reviews]),
                vote_average=_number(row.get("vote_average")),
                vote_count=int(_number(row.get("vote_count")) or 0),
                data_run_id=_text(row.get("run_id")),
                known_genres=tuple(str(g) for g in _list(row.get("genres"))),
            )
        )
    return inputs


def _reviews_by_movie(
    reviews_df: pd.DataFrame, params: EnrichParams
) -> dict[int, list[ReviewText]]:
    """Cleaned non-empty reviews per movie id, in the features stage's document order."""
    grouped: dict[int, list[ReviewText]] = {}
    if reviews_df.empty:
        return grouped
    for row in order_reviews(reviews_df).to_dict("records"):
        text = truncate_text(clean_text(_text(row["content"])), params.max_review_chars)
        if text:
            review = ReviewText(
                str(row["review_id"]), _text(row["source"]), text, _number(row["rating"])
            )
            grouped.setdefault(int(row["movie_id"]), []).append(review)
    return grouped


def _list(value: object) -> list[object]:
    """A list-like cell (list, tuple or array) as a list; missing values become empty."""
    return [] if value is None or isinstance(value, str) else list(value)  # type: ignore[call-overload]


def _text(value: object) -> str:
    """A text field as a string; missing values (None, NA) become empty."""
    return value if isinstance(value, str) else ""


def _number(value: object) -> float | None:
    """A finite float, or None for missing values."""
    if value is None or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def content_hash(movie: MovieInput, *, salt: str = "") -> str:
    """sha256 of the movie's provider-visible inputs (plus `salt`: settings that change output)."""
    payload = asdict(movie)
    payload.pop("known_genres")
    payload.pop("data_run_id")  # the same text from another run needs no new call
    blob = json.dumps([payload, salt], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def rating_score(movie: MovieInput, *, vote_weight: float) -> float | None:
    """A 1-10 score from the review ratings and TMDb's vote average; None when neither exists."""
    ratings = [r.rating for r in movie.reviews if r.rating is not None]
    reviews_mean = sum(ratings) / len(ratings) if ratings else None
    votes = movie.vote_average if movie.vote_count > 0 and movie.vote_average else None
    if reviews_mean is None and votes is None:
        return None
    if reviews_mean is None or votes is None:
        value = reviews_mean if reviews_mean is not None else votes
    else:
        value = vote_weight * votes + (1 - vote_weight) * reviews_mean
    assert value is not None
    return min(10.0, max(1.0, value))
