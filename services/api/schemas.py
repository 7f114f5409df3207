"""Response models of the public API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trending_now.publish.documents import GateDecision, MLTestScore

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

    @field_validator("genre", "platform", "tag")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        # No stored value has control characters, and Postgres refuses NUL in text outright.
        if value is not None and any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError("must not contain control characters")
        return value

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
    """A page of movies, the number matching the filters, and the build they all come from."""

    data: list[MoviePublic]
    count: int
    data_version: str = Field(description="the data version of every movie on the page")
    published_at: datetime = Field(description="when the serving build was published")


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
    """The production model behind the predicted genres: its card and its gate decision."""

    model_name: str | None
    model_version: str | None
    data_version: str
    published_at: datetime
    card: dict[str, Any] = Field(
        description="the governance model card when one was published, else `summary`"
    )
    card_source: str = Field(description="where `card` comes from: a governance/ path or summary")
    markdown: str | None = Field(description="the governance model card as Markdown")
    summary: dict[str, Any] = Field(
        description="test metrics and meta.json of the model, or the reason none was published"
    )
    decision: GateDecision | None = Field(description="the promotion gate's decision")
    missing: dict[str, str] = Field(
        description="governance documents that were not published with this build, and why"
    )


class EnrichmentCard(BaseModel):
    """The card of the latest enrichment run (provider, model, prompt versions, vocabulary,
    failure modes, validation and content-check results, fairness gaps), as governance wrote it.
    """

    model_config = ConfigDict(extra="allow")


class MLTestScorePublic(MLTestScore):
    """The ML Test Score of this repository, per section and final (the lowest section)."""


class DriftSummary(BaseModel):
    """The latest drift run's summary (var/monitor/latest.json), as the monitor wrote it."""

    model_config = ConfigDict(extra="allow")

    generated_at: datetime | None = None
    reference: dict[str, Any] | None = None
    current: dict[str, Any] | None = None
    dataset_drift: bool | None = None
    drift_share: float | None = None
    drifted_columns: list[str] = []
    prediction_drift: dict[str, Any] | None = None
    skew: dict[str, Any] | None = None
    quality: dict[str, Any] | None = None
    stale_model: bool | None = None
    retrain_triggered: bool | None = None
    reasons: list[str] = []
    report_html: str | None = None
    dashboard_url: str | None = None


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    detail: str | None = None
