"""The OpenAI-compatible provider against a real chat-completions server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from pydantic import SecretStr

from tests.utils.enrich import (
    HOSTILE_REVIEWS,
    make_input,
    repo_prompt,
    snapshot_subset,
    write_validated,
)
from tests.utils.fake_llm_server import start_fake_llm_server
from trending_now.config import EnrichParams, LlmParams
from trending_now.enrich import run_stage
from trending_now.enrich.cache import EnrichCache
from trending_now.enrich.providers.openai_compat import OpenAICompatProvider
from trending_now.enrich.runner import attempt_movie, enrich_movies
from trending_now.enrich.vocabulary import genre_names, tag_names

pytestmark = pytest.mark.integration
API_KEY = "sk-test-not-a-real-key-0123456789"
PROMPT = repo_prompt("secret-vid")
FAST = LlmParams(backoff_base_s=0.01, backoff_max_s=0.05, timeout_s=5.0)


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with start_fake_llm_server() as url:
        yield url


@pytest.fixture(autouse=True)
def _reset(llm_url: str) -> None:
    httpx.post(llm_url.replace("/v1", "/_reset"))


def recorded(llm_url: str) -> list[dict]:  # type: ignore[type-arg]
    return list(httpx.get(llm_url.replace("/v1", "/_requests")).json())


def provider(url: str, model: str, params: LlmParams = FAST) -> OpenAICompatProvider:
    return OpenAICompatProvider(
        base_url=url, model=model, api_key=SecretStr(API_KEY), params=params
    )


def test_valid_reply_with_schema_constrained_output_and_accounting(llm_url: str) -> None:
    attempt = attempt_movie(make_input(1), provider(llm_url, "fake-valid"), PROMPT)
    assert attempt.content is not None and attempt.reason is None
    assert attempt.usage.calls == 1 and attempt.usage.prompt_tokens > 100
    expected = attempt.usage.prompt_tokens * 0.00015 + attempt.usage.completion_tokens * 0.0006
    assert attempt.usage.cost_usd == pytest.approx(expected / 1000)
    (request,) = recorded(llm_url)
    assert request["authorization"] == f"Bearer {API_KEY}"
    schema = request["response_format"]["json_schema"]["schema"]
    assert request["response_format"]["type"] == "json_schema"
    assert schema["properties"]["vibe_tags"]["items"]["enum"] == tag_names()
    assert [m["role"] for m in request["messages"]] == ["system", "user"]


def test_malformed_twice_is_a_failure_after_one_corrective_retry(llm_url: str) -> None:
    attempt = attempt_movie(make_input(1), provider(llm_url, "fake-malformed"), PROMPT)
    assert attempt.content is None and attempt.reason is not None
    assert attempt.reason.startswith("invalid reply: the reply is not valid JSON")
    _first, second = recorded(llm_url)
    assert len(second["messages"]) == 4 and "rejected" in second["messages"][-1]["content"]


def test_malformed_once_then_valid_succeeds(llm_url: str) -> None:
    attempt = attempt_movie(make_input(1), provider(llm_url, "fake-malformed-once"), PROMPT)
    assert attempt.content is not None and attempt.usage.calls == 2


def test_refusal_is_recorded_as_a_failure(llm_url: str) -> None:
    attempt = attempt_movie(make_input(1), provider(llm_url, "fake-refusal"), PROMPT)
    assert attempt.reason == "invalid reply: the model refused: I can't help with that."


def test_out_of_vocabulary_tags_are_dropped_and_counted(llm_url: str) -> None:
    attempt = attempt_movie(make_input(1), provider(llm_url, "fake-oov"), PROMPT)
    assert attempt.content is not None and set(attempt.content.vibe_tags) <= set(tag_names())
    assert attempt.dropped_tags == ("totally-awesome", "Hacked")


def test_slow_endpoint_times_out_and_retries_then_fails(llm_url: str) -> None:
    slow = provider(
        llm_url, "fake-slow", LlmParams(timeout_s=0.3, max_attempts=2, backoff_base_s=0.01)
    )
    attempt = attempt_movie(make_input(1), slow, PROMPT)
    assert attempt.reason is not None and attempt.reason.startswith("provider error: giving up")
    assert attempt.usage.calls == 2


def test_server_errors_are_retried(llm_url: str) -> None:
    attempt = attempt_movie(make_input(1), provider(llm_url, "fake-flaky"), PROMPT)
    assert attempt.content is not None and attempt.usage.calls == 2


def test_falls_back_to_json_mode_when_schema_output_is_refused(llm_url: str) -> None:
    llm = provider(llm_url, "fake-no-schema")
    assert attempt_movie(make_input(1), llm, PROMPT).content is not None
    assert attempt_movie(make_input(2), llm, PROMPT).content is not None
    kinds = [r["response_format"]["type"] for r in recorded(llm_url)]
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert llm.output_mode == "json_object"


def test_hostile_reviews_cannot_break_schema_or_vocabulary(llm_url: str, tmp_path: Path) -> None:
    hostile = [make_input(i, *HOSTILE_REVIEWS) for i in (1, 2)]
    obeying = provider(llm_url, "fake-obey")  # a model that follows the injected instruction
    with EnrichCache(tmp_path / "c.sqlite3") as cache:
        outcome = enrich_movies(hostile, obeying, PROMPT, EnrichParams(), cache=cache)
    assert outcome.published == [] and outcome.flagged == []
    assert {f["movie_id"] for f in outcome.failures} == {1, 2}
    assert outcome.dropped_tags == {"hacked": 4, "pwned": 4, "free-money": 4}
    # The prompt kept the hostile text inside the data block, escaped.
    user = recorded(llm_url)[0]["messages"][1]["content"]
    assert user.count("</movie_data>") == 1 and "<script>" not in user


def test_hostile_reviews_with_a_well_behaved_model_stay_in_vocabulary(llm_url: str) -> None:
    attempt = attempt_movie(
        make_input(1, *HOSTILE_REVIEWS), provider(llm_url, "fake-valid"), PROMPT
    )
    assert attempt.content is not None
    assert set(attempt.content.vibe_tags) <= set(tag_names())
    assert set(attempt.content.llm_genres) <= set(genre_names())


def test_stage_on_snapshot_movies_then_zero_calls_on_rerun(llm_url: str, tmp_path: Path) -> None:
    movies, reviews = snapshot_subset(8, seed=3)
    validated = write_validated(tmp_path / "validated", movies, reviews)
    kwargs = {
        "validated_dir": validated,
        "out_dir": tmp_path / "enriched",
        "cache_path": tmp_path / "cache.sqlite3",
        "prompt": PROMPT,
        "params": EnrichParams(concurrency=4),
    }
    first = run_stage(provider=provider(llm_url, "fake-offensive"), **kwargs)  # type: ignore[arg-type]
    assert first.calls == 8 and first.movies["flagged"] == 8 and first.movies["enriched"] == 0
    assert all(any(f.startswith("offensive") for f in item["flags"]) for item in first.flagged)
    run_stage(provider=provider(llm_url, "fake-valid"), **kwargs)  # type: ignore[arg-type]
    httpx.post(llm_url.replace("/v1", "/_reset"))
    second = run_stage(provider=provider(llm_url, "fake-valid"), **kwargs)  # type: ignore[arg-type]
    assert second.calls == 0 and recorded(llm_url) == [] and second.movies["cached"] == 8
    table = pd.read_parquet(tmp_path / "enriched" / "enrichments.parquet")
    assert len(table) + second.movies["flagged"] + second.movies["failed"] == 8
    assert set(table["provider"]) == {"openai-compat"} and set(table["model"]) == {"fake-valid"}
    assert set(table["prompt_secret_version_id"]) == {"secret-vid"}
    written = "".join(p.read_text(errors="ignore") for p in (tmp_path / "enriched").glob("*.json*"))
    assert API_KEY not in written and API_KEY not in json.dumps(second.model_dump(mode="json"))
