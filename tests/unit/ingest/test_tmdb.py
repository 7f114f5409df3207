"""TmdbClient on httpx.MockTransport: retries, backoff, errors, paging, concurrency, secrecy."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, TypeVar

import httpx
import pytest

from trending_now.config import IngestParams
from trending_now.ingest.tmdb import (
    MalformedResponseError,
    RetryBudgetExhaustedError,
    RetryPolicy,
    TmdbClient,
    TmdbError,
    TmdbHTTPError,
)

BASE_URL = "http://tmdb.test/3"
API_KEY = "sk-super-secret-key-42"
Handler = Callable[[httpx.Request], Any]  # sync or async, as MockTransport allows
T = TypeVar("T")

DETAILS = {"id": 11, "title": "Star Wars", "genres": [{"id": 12, "name": "Adventure"}]}


class FakeSleep:
    """Records requested delays instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def make_client(
    handler: Handler,
    *,
    max_attempts: int = 4,
    backoff_base_s: float = 0.5,
    backoff_max_s: float = 4.0,
    concurrency: int = 4,
    sleep: FakeSleep | None = None,
) -> TmdbClient:
    """A client on a mock transport; sleeping is faked so tests take no time."""
    return TmdbClient(
        BASE_URL,
        API_KEY,
        retry=RetryPolicy(max_attempts, backoff_base_s, backoff_max_s),
        timeout_s=5.0,
        concurrency=concurrency,
        transport=httpx.MockTransport(handler),
        sleep=sleep or FakeSleep(),
        rng=random.Random(7),
    )


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine to completion."""
    return asyncio.run(coro)


async def _with_client(client: TmdbClient, call: Callable[[TmdbClient], Any]) -> Any:
    async with client:
        return await call(client)


def sequence(*responses: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    """A handler answering with `responses` in turn (the last one repeats), and its log."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    return handler, seen


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def page_of(ids: list[int], page: int, total: int, key: str = "results") -> dict[str, Any]:
    return {
        "page": page,
        key: [{"id": i} for i in ids],
        "total_pages": -(-total // 20),
        "total_results": total,
    }


def test_retry_policy_from_params_reads_the_ingest_block() -> None:
    params = IngestParams(max_attempts=3, backoff_base_s=0.1, backoff_max_s=2.0)
    assert RetryPolicy.from_params(params) == RetryPolicy(3, 0.1, 2.0)


def test_backoff_is_full_jitter_under_the_exponential_cap() -> None:
    policy, rng = RetryPolicy(10, 0.5, 3.0), random.Random(1)
    for attempt, cap in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (8, 3.0)]:
        delays = [policy.backoff_s(attempt, rng) for _ in range(200)]
        assert all(0 <= d <= cap for d in delays)
        assert max(delays) > cap * 0.8  # jitter spans the range, not a fixed delay


def test_retries_a_500_then_returns_the_body_unchanged() -> None:
    handler, seen = sequence(httpx.Response(500), httpx.Response(503), ok(DETAILS | {"x": 1}))
    sleep = FakeSleep()
    client = make_client(handler, sleep=sleep)
    details = run(_with_client(client, lambda c: c.movie_details(11)))
    assert details == DETAILS | {"x": 1}  # extra fields kept: raw data is stored as received
    assert [r.url.path for r in seen] == ["/3/movie/11"] * 3
    assert len(sleep.delays) == 2
    assert 0 <= sleep.delays[0] <= 0.5 and 0 <= sleep.delays[1] <= 1.0
    assert client.stats.as_dict() == {
        "requests": 3,
        "retries": 2,
        "failures": 0,
        "retry_reasons": {"HTTP 500": 1, "HTTP 503": 1},
    }


def test_sends_the_key_as_bearer_header_only() -> None:
    handler, seen = sequence(ok(DETAILS))
    run(_with_client(make_client(handler), lambda c: c.movie_details(11)))
    assert seen[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in str(seen[0].url)


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("2", 2.0), ("0", 0.0), ("120", 4.0)],  # 120 s is capped by backoff_max_s
)
def test_honours_retry_after_seconds_capped(retry_after: str, expected: float) -> None:
    limited = httpx.Response(429, headers={"Retry-After": retry_after})
    handler, _ = sequence(limited, ok(DETAILS))
    sleep = FakeSleep()
    run(_with_client(make_client(handler, sleep=sleep), lambda c: c.movie_details(11)))
    assert sleep.delays == [expected]


def test_honours_retry_after_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    handler, _ = sequence(httpx.Response(429, headers={"Retry-After": when}), ok(DETAILS))
    sleep = FakeSleep()
    run(_with_client(make_client(handler, sleep=sleep), lambda c: c.movie_details(11)))
    assert len(sleep.delays) == 1
    assert 1.0 < sleep.delays[0] <= 3.0


def test_budget_exhausted_error_names_url_attempts_and_reason() -> None:
    handler, seen = sequence(httpx.Response(502))
    client = make_client(handler, max_attempts=3)
    with pytest.raises(RetryBudgetExhaustedError) as info:
        run(_with_client(client, lambda c: c.movie_reviews(550, max_pages=2)))
    assert len(seen) == 3
    assert info.value.url == "/3/movie/550/reviews?page=1"
    assert info.value.attempts == 3
    assert info.value.last_reason == "HTTP 502"
    assert "/3/movie/550/reviews?page=1" in str(info.value)
    assert client.stats.failures == 1 and client.stats.retries == 2


def test_timeouts_and_connection_errors_are_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        if len(calls) == 2:
            raise httpx.ConnectError("refused", request=request)
        return ok({"genres": [{"id": 28, "name": "Action"}]})

    client = make_client(handler)
    assert run(_with_client(client, lambda c: c.genres())) == [{"id": 28, "name": "Action"}]
    assert client.stats.retry_reasons == {"timeout": 1, "connection error": 1}


@pytest.mark.parametrize("status", [400, 401, 404])
def test_client_errors_are_not_retried(status: int) -> None:
    body = {"status_code": 7, "status_message": "Invalid API key", "success": False}
    handler, seen = sequence(httpx.Response(status, json=body))
    sleep = FakeSleep()
    with pytest.raises(TmdbHTTPError) as info:
        run(_with_client(make_client(handler, sleep=sleep), lambda c: c.movie_details(11)))
    assert len(seen) == 1 and sleep.delays == []
    assert info.value.status == status
    assert info.value.reason == "Invalid API key"
    assert "/3/movie/11" in str(info.value)


def test_malformed_json_is_retried_then_succeeds() -> None:
    handler, seen = sequence(httpx.Response(200, content=b'{"id": 11, "tit'), ok(DETAILS))
    client = make_client(handler)
    assert run(_with_client(client, lambda c: c.movie_details(11))) == DETAILS
    assert len(seen) == 2
    assert client.stats.retry_reasons == {"malformed": 1}


def test_malformed_json_every_time_ends_in_budget_error() -> None:
    handler, seen = sequence(httpx.Response(200, content=b"<html>oops</html>"))
    with pytest.raises(RetryBudgetExhaustedError) as info:
        run(_with_client(make_client(handler, max_attempts=2), lambda c: c.movie_details(11)))
    assert len(seen) == 2
    assert "not valid JSON" in info.value.last_reason
    assert isinstance(info.value.__cause__, MalformedResponseError)
    assert info.value.__cause__.url == "/3/movie/11"


@pytest.mark.parametrize(
    ("call", "body", "field"),
    [
        (lambda c: c.trending("week", limit=5), {"page": 1, "total_pages": 1}, "results"),
        (lambda c: c.movie_details(11), {"title": "x", "genres": []}, "id"),
        (lambda c: c.movie_details(11), {**DETAILS, "genres": [{"id": "x"}]}, "genres.0.id"),
        (lambda c: c.watch_providers(11), {"id": 11, "results": []}, "results"),
        (lambda c: c.genres(), [1, 2], "<root>"),
    ],
)
def test_wrong_shape_names_the_field(call: Any, body: Any, field: str) -> None:
    handler, _ = sequence(ok(body))
    with pytest.raises(RetryBudgetExhaustedError) as info:
        run(_with_client(make_client(handler, max_attempts=1), call))
    assert f"field '{field}'" in info.value.last_reason
    cause = info.value.__cause__
    assert isinstance(cause, MalformedResponseError)
    assert f"field '{field}'" in cause.reason


def _paged_trending(total: int) -> tuple[Handler, list[int]]:
    """A trending endpoint with `total` movies (ids 1..total), 20 a page; logs pages asked."""
    pages: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        pages.append(page)
        ids = list(range(1, total + 1))[(page - 1) * 20 : page * 20]
        return ok(page_of(ids, page, total))

    return handler, pages


def test_trending_stops_at_the_limit() -> None:
    handler, pages = _paged_trending(100)
    movies = run(_with_client(make_client(handler), lambda c: c.trending("week", limit=45)))
    assert [m["id"] for m in movies] == list(range(1, 46))
    assert pages == [1, 2, 3]


def test_trending_stops_at_the_last_page() -> None:
    handler, pages = _paged_trending(30)
    movies = run(_with_client(make_client(handler), lambda c: c.trending("day", limit=100)))
    assert [m["id"] for m in movies] == list(range(1, 31))
    assert pages == [1, 2]


def test_reviews_collect_all_pages_up_to_max_pages() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        results = [{"id": f"r{page}-{i}", "content": "text"} for i in range(20)]
        return ok(
            {"id": 7, "page": page, "results": results, "total_pages": 5, "total_results": 100}
        )

    client = make_client(handler)
    reviews = run(_with_client(client, lambda c: c.movie_reviews(7, max_pages=3)))
    assert len(reviews) == 60 and reviews[-1]["id"] == "r3-19"
    assert client.stats.requests == 3


def test_watch_providers_returns_the_region_or_none() -> None:
    us = {"link": "l", "flatrate": [{"provider_id": 8, "provider_name": "Netflix"}]}
    handler, _ = sequence(ok({"id": 1, "results": {"US": us}}), ok({"id": 2, "results": {}}))

    async def both(c: TmdbClient) -> tuple[Any, Any]:
        return await c.watch_providers(1), await c.watch_providers(2)

    assert run(_with_client(make_client(handler), both)) == (us, None)


def test_concurrency_bound_is_never_exceeded() -> None:
    in_flight, peak = 0, 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        movie_id = int(request.url.path.rsplit("/", 1)[1])
        return ok(DETAILS | {"id": movie_id})

    async def fetch_many(c: TmdbClient) -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(c.movie_details(i) for i in range(40))))

    results = run(_with_client(make_client(handler, concurrency=3), fetch_many))
    assert [r["id"] for r in results] == list(range(40))
    assert peak == 3


def test_key_never_leaks(caplog: pytest.LogCaptureFixture) -> None:
    handler, _ = sequence(httpx.Response(500), httpx.Response(200, content=b"{bad"))
    client = make_client(handler, max_attempts=3)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TmdbError) as info:
        run(_with_client(client, lambda c: c.movie_details(11)))
    assert any("retrying" in r.getMessage() for r in caplog.records)
    assert all(API_KEY not in record.getMessage() for record in caplog.records)
    assert API_KEY not in caplog.text
    assert API_KEY not in str(info.value) and API_KEY not in repr(info.value)
    assert API_KEY not in str(info.value.__cause__)
    assert API_KEY not in repr(client)
    assert API_KEY not in json.dumps(client.stats.as_dict())
