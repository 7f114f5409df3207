"""Response models of the public API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

MAX_LIMIT = 500
MAX_OFFSET = 100_000


class MovieFilter(BaseModel):
    """Filters and pagination of the movie list."""

    genre: str | None = Field(default=None, max_length=100, description="TMDb genre name")
    platform: str | None = Field(default=None, max_length=100, description="US streaming service")
    tag: str | None = Field(default=None, max_length=100, description="vibe tag")
    min_score: int | None = Field(default=None, ge=1, le=10, description="lowest vibe score")
    max_score: int | None = Field(default=None, ge=1, le=10, description="highest vibe score")
    limit: int = Field(default=100, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)

    @model_validator(mode="after")
    def _ordered_scores(self) -> MovieFilter:
        low, high = self.min_score, self.max_score
        if low is not None and high is not None and low > high:
            raise ValueError("min_score must not be greater than max_score")
        return self


class Lineage(BaseModel):
    """Where a served item came from."""

    data_version: str
    model_name: str | None
    model_version: str | None
    prompt_version: str | None
    provider: str | None
    published_at: datetime


class MoviePublic(BaseModel):
    """A movie as the bubble chart needs it."""

    id: int
    title: str
    poster_path: str | None
    primary_genre: str | None
    genres: list[str]
    platforms: list[str]
    vibe_score: int | None
    vibe_tags: list[str]
    popularity: float
    vote_average: float
    is_enriched: bool
    provider: str | None = Field(description="who generated the AI fields (None: not enriched)")


class MoviesPublic(BaseModel):
    """A page of movies and the number matching the filters."""

    data: list[MoviePublic]
    count: int


class GenreProbability(BaseModel):
    """One genre's predicted probability and whether the model's threshold decided it."""

    genre: str
    probability: float
    predicted: bool


class ReviewLink(BaseModel):
    """A source review: where it is and a short excerpt."""

    id: str
    source: str
    rating: float | None
    url: str | None
    excerpt: str


class MovieDetail(MoviePublic):
    """Everything published about one movie."""

    overview: str
    original_language: str
    release_date: date | None
    vote_count: int
    trending_rank: int
    predicted_genres: list[str] | None
    genre_probabilities: list[GenreProbability] | None
    llm_genres: list[str]
    summary: str | None
    reviews: list[ReviewLink]
    lineage: Lineage


class FacetValue(BaseModel):
    """A facet value and how many movies carry it."""

    value: str
    count: int


class Facets(BaseModel):
    """The values the list can be filtered and grouped by."""

    genres: list[FacetValue]
    platforms: list[FacetValue]
    tags: list[FacetValue]
    min_score: int | None
    max_score: int | None


class ModelCard(BaseModel):
    """The production model behind the predicted genres."""

    model_name: str | None
    model_version: str | None
    data_version: str
    published_at: datetime
    card: dict[str, Any]


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    detail: str | None = None
