"""The enrichment output schema: what a provider must return and what the stage publishes.

`EnrichmentContent` is the provider's reply after safety filtering (tags outside the vocabulary
are dropped before validation); `Enrichment` adds the lineage every published row carries.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from trending_now.enrich.vocabulary import genre_names, tag_names

MIN_SUMMARY_SENTENCES = 2
MAX_SUMMARY_SENTENCES = 3
MAX_SUMMARY_CHARS = 900
MIN_TAGS = 3
MAX_TAGS = 6
MAX_GENRES = 3

# A sentence ends at . ! or ? (optionally closed by a quote or bracket) before a capital letter.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Sentences of `text` by end punctuation followed by a capitalised word."""
    return [part.strip() for part in _SENTENCE_END.split(text.strip()) if part.strip()]


class EnrichmentContent(BaseModel):
    """What a provider produces for one movie, checked against the controlled vocabularies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    summary: str = Field(min_length=20, max_length=MAX_SUMMARY_CHARS)
    vibe_score: int = Field(ge=1, le=10)
    vibe_tags: list[str] = Field(min_length=MIN_TAGS, max_length=MAX_TAGS)
    llm_genres: list[str] = Field(min_length=1, max_length=MAX_GENRES)

    @field_validator("summary")
    @classmethod
    def _two_or_three_sentences(cls, value: str) -> str:
        count = len(split_sentences(value))
        if not MIN_SUMMARY_SENTENCES <= count <= MAX_SUMMARY_SENTENCES:
            raise ValueError(f"summary must be 2-3 sentences, got {count}")
        return value.strip()

    @field_validator("vibe_tags")
    @classmethod
    def _known_tags(cls, value: list[str]) -> list[str]:
        return _check_members(value, tag_names(), "vibe tag")

    @field_validator("llm_genres")
    @classmethod
    def _known_genres(cls, value: list[str]) -> list[str]:
        return _check_members(value, genre_names(), "genre")


def _check_members(values: list[str], allowed: list[str], what: str) -> list[str]:
    """`values` if each is allowed and none repeats; else a ValueError naming the problem."""
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"unknown {what}(s) {unknown}; allowed: {allowed}")
    if len(set(values)) != len(values):
        raise ValueError(f"repeated {what}s in {values}")
    return values


class Enrichment(EnrichmentContent):
    """One published enrichment row: the content plus its lineage."""

    movie_id: int
    provider: str  # "embedded" or "openai-compat": the web app says how the text was made
    model: str
    prompt_version: str
    prompt_secret_version_id: str | None  # AWS Secrets Manager VersionId; None = no prompt used
    content_hash: str  # of the movie's inputs (see inputs.content_hash)
    data_run_id: str  # the validated data's run id
    created_at: datetime


def reply_json_schema() -> dict[str, Any]:
    """The JSON schema sent as `response_format` (strict: enums, bounds, no extra keys)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["summary", "vibe_score", "vibe_tags", "llm_genres"],
        "properties": {
            "summary": {"type": "string", "description": "2-3 sentences summarising the reviews"},
            "vibe_score": {"type": "integer", "minimum": 1, "maximum": 10},
            "vibe_tags": {
                "type": "array",
                "items": {"type": "string", "enum": tag_names()},
                "minItems": MIN_TAGS,
                "maxItems": MAX_TAGS,
            },
            "llm_genres": {
                "type": "array",
                "items": {"type": "string", "enum": genre_names()},
                "minItems": 1,
                "maxItems": MAX_GENRES,
            },
        },
    }


ENRICHMENT_DTYPES: dict[str, str] = {
    "movie_id": "int64",
    "summary": "string",
    "vibe_score": "int64",
    "vibe_tags": "object",
    "llm_genres": "object",
    "provider": "string",
    "model": "string",
    "prompt_version": "string",
    "prompt_secret_version_id": "string",
    "content_hash": "string",
    "data_run_id": "string",
    "created_at": "datetime64[ns, UTC]",
}


def enrichments_table(rows: list[Enrichment]) -> pd.DataFrame:
    """Published rows as the `enrichments.parquet` table (fixed columns and dtypes, even empty)."""
    records = [row.model_dump() for row in rows]
    frame = pd.DataFrame(records, columns=list(ENRICHMENT_DTYPES))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame.astype(ENRICHMENT_DTYPES)
