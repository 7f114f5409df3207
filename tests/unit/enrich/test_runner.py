from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.utils.enrich import make_input, repo_prompt
from tests.utils.scripted_provider import GOOD, ScriptedProvider
from trending_now.config import EnrichParams
from trending_now.enrich.cache import EnrichCache
from trending_now.enrich.providers import ProviderError, ProviderReply, ProviderRequest, Usage
from trending_now.enrich.runner import attempt_movie, enrich_movies, make_lineage

PROMPT = repo_prompt("secret-version-1")


def movies(n: int) -> list:  # type: ignore[type-arg]
    return [make_input(i) for i in range(1, n + 1)]


def run(provider: ScriptedProvider, tmp_path: Path, n: int = 3, **params: object):  # type: ignore[no-untyped-def]
    with EnrichCache(tmp_path / "cache.sqlite3") as cache:
        return enrich_movies(
            movies(n),
            provider,
            PROMPT,
            EnrichParams(**params),
            cache=cache,  # type: ignore[arg-type]
        )


def test_valid_replies_are_published_with_lineage(tmp_path: Path) -> None:
    outcome = run(ScriptedProvider(), tmp_path)
    assert [e.movie_id for e in outcome.published] == [1, 2, 3]
    row = outcome.published[0]
    assert (row.provider, row.model, row.prompt_version) == ("scripted", "script-1", "enrich/v1")
    assert row.prompt_secret_version_id == "secret-version-1"
    assert row.data_run_id == "run-1" and row.created_at.tzinfo is not None
    assert outcome.usage == Usage(3, 300, 60, pytest.approx(0.03))  # type: ignore[arg-type]


def test_rerun_with_unchanged_inputs_makes_zero_calls(tmp_path: Path) -> None:
    first = run(ScriptedProvider(), tmp_path)
    second_provider = ScriptedProvider()
    second = run(second_provider, tmp_path)
    assert second_provider.calls == 0 and second.usage.calls == 0 and second.cached == 3
    assert [e.model_dump() for e in second.published] == [e.model_dump() for e in first.published]


def test_a_new_prompt_version_misses_the_cache(tmp_path: Path) -> None:
    run(ScriptedProvider(), tmp_path)
    provider = ScriptedProvider()
    edited = PROMPT.template.make("enrich", "v2", PROMPT.template.system, PROMPT.template.user)
    with EnrichCache(tmp_path / "cache.sqlite3") as cache:
        enrich_movies(
            movies(3), provider, type(PROMPT)(edited, "v2-id"), EnrichParams(), cache=cache
        )
    assert provider.calls == 3


def test_invalid_reply_is_retried_once_with_the_error(tmp_path: Path) -> None:
    replies = iter(["not json at all", json.dumps(GOOD)])
    provider = ScriptedProvider(lambda request: next(replies))
    attempt = attempt_movie(make_input(1), provider, PROMPT)
    assert attempt.content is not None and provider.calls == 2
    retry = provider.requests[1].messages
    assert retry[-2] == {"role": "assistant", "content": "not json at all"}
    assert "not valid JSON" in retry[-1]["content"] and retry[-1]["role"] == "user"


def test_twice_invalid_is_a_failure_and_the_run_continues(tmp_path: Path) -> None:
    def script(request: ProviderRequest) -> str:
        bad = request.movie.movie_id == 2
        return json.dumps({**GOOD, "vibe_tags": ["hacked"]}) if bad else json.dumps(GOOD)

    outcome = run(ScriptedProvider(script), tmp_path)
    assert [e.movie_id for e in outcome.published] == [1, 3]
    assert outcome.failures[0]["movie_id"] == 2
    assert outcome.failures[0]["reason"].startswith("invalid reply:")
    assert outcome.dropped_tags == {"hacked": 2}
    with EnrichCache(tmp_path / "cache.sqlite3") as cache:
        assert len(cache) == 2  # failures are not cached: the next run tries again


def test_refusal_and_provider_errors_become_failures(tmp_path: Path) -> None:
    def script(request: ProviderRequest) -> ProviderReply | Exception:
        if request.movie.movie_id == 1:
            return ProviderReply("", Usage(1), refusal="I can't help with that.")
        return ProviderError("no answer after 4 attempts")

    outcome = run(ScriptedProvider(script), tmp_path, n=2)
    reasons = [f["reason"] for f in outcome.failures]
    assert reasons[0].startswith("invalid reply: the model refused")
    assert reasons[1] == "provider error: no answer after 4 attempts"
    assert outcome.published == []


def test_flagged_results_are_withheld(tmp_path: Path) -> None:
    offensive = {**GOOD, "summary": "A wonderful film, no shit. The director builds real tension."}
    outcome = run(ScriptedProvider(lambda r: json.dumps(offensive)), tmp_path, n=1)
    assert outcome.published == []
    assert outcome.flagged[0]["movie_id"] == 1
    assert outcome.flagged[0]["flags"] == ["offensive: shit"]


def test_cost_cap_stops_new_calls(tmp_path: Path) -> None:
    provider = ScriptedProvider(cost_usd=0.4)
    outcome = run(provider, tmp_path, n=6, concurrency=1, max_cost_usd=1.0)
    assert provider.calls == 3  # 0.4, 0.8, 1.2 >= 1.0: no fourth call
    assert outcome.cost_cap_reached
    assert len(outcome.published) == 3
    assert [f["reason"] for f in outcome.failures] == ["cost cap reached (1.0 USD)"] * 3


def test_concurrency_is_bounded(tmp_path: Path) -> None:
    provider = ScriptedProvider(delay_s=0.05)
    run(provider, tmp_path, n=8, concurrency=3)
    assert provider.max_in_flight == 3


def test_provider_concurrency_limit_wins(tmp_path: Path) -> None:
    provider = ScriptedProvider(delay_s=0.02, max_concurrency=1)
    run(provider, tmp_path, n=4, concurrency=4)
    assert provider.max_in_flight == 1


def test_progress_reaches_the_total(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    with EnrichCache(tmp_path / "c.sqlite3") as cache:
        enrich_movies(
            movies(3), ScriptedProvider(), PROMPT, EnrichParams(), cache=cache,
            on_progress=lambda done, total: seen.append((done, total)),
        )  # fmt: skip
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)


def test_prompt_driven_provider_needs_a_prompt() -> None:
    with pytest.raises(ValueError, match="needs a prompt"):
        make_lineage(ScriptedProvider(), None)
