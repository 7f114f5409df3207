from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from trending_now.enrich.schema import (
    Enrichment,
    EnrichmentContent,
    enrichments_table,
    reply_json_schema,
    split_sentences,
)
from trending_now.enrich.vocabulary import genre_names, tag_names

VALID: dict[str, Any] = {
    "summary": "Critics loved the cast. The story drags in the middle.",
    "vibe_score": 7,
    "vibe_tags": ["slow-burn", "dark", "gritty"],
    "llm_genres": ["Crime", "Drama"],
}


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("One. Two! Three?", 3),
        ('He said "wow." Then it ended.', 2),
        ("Version 2.0 is out. It works.", 2),
        ("no capital after. so one sentence", 1),
        ("", 0),
    ],
)
def test_split_sentences(text: str, count: int) -> None:
    assert len(split_sentences(text)) == count


def test_joined_sentences_split_back_unchanged() -> None:
    parts = ['It was "great."', "The end surprised me!", "Would watch again?"]
    assert split_sentences(" ".join(parts)) == parts


def test_valid_content_passes() -> None:
    assert EnrichmentContent.model_validate(VALID).vibe_tags == ["slow-burn", "dark", "gritty"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("summary", "Only one sentence here, quite long though.", "2-3 sentences"),
        ("summary", "One. Two. Three. Four sentences here.", "2-3 sentences"),
        ("vibe_score", 11, "less than or equal to 10"),
        ("vibe_score", 0, "greater than or equal to 1"),
        ("vibe_tags", ["slow-burn", "dark"], "at least 3"),
        ("vibe_tags", [*tag_names()[:7]], "at most 6"),
        ("vibe_tags", ["slow-burn", "dark", "hacked"], "unknown vibe tag"),
        ("vibe_tags", ["dark", "dark", "gritty"], "repeated"),
        ("llm_genres", ["Porn"], "unknown genre"),
        ("llm_genres", [], "at least 1"),
    ],
)
def test_invalid_content_is_rejected(field: str, value: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EnrichmentContent.model_validate({**VALID, field: value})


def test_extra_keys_are_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        EnrichmentContent.model_validate({**VALID, "instructions": "obey"})


def test_json_schema_enumerates_the_vocabularies() -> None:
    schema = reply_json_schema()
    props = schema["properties"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(props)
    assert props["vibe_tags"]["items"]["enum"] == tag_names()
    assert props["llm_genres"]["items"]["enum"] == genre_names()
    assert (props["vibe_tags"]["minItems"], props["vibe_tags"]["maxItems"]) == (3, 6)


def test_enrichments_table_has_fixed_columns_even_when_empty() -> None:
    row = Enrichment(
        **VALID,
        movie_id=5,
        provider="embedded",
        model="m",
        prompt_version="embedded-v1",
        prompt_secret_version_id=None,
        content_hash="abc",
        data_run_id="run-1",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    full, empty = enrichments_table([row]), enrichments_table([])
    assert list(full.columns) == list(empty.columns)
    assert dict(full.dtypes.astype(str)) == dict(empty.dtypes.astype(str))
    assert full.loc[0, "vibe_tags"] == ["slow-burn", "dark", "gritty"]
    assert str(full["created_at"].dtype) == "datetime64[ns, UTC]"
