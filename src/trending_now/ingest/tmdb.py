"""Async client for the TMDb API v3 (or the replay source): retries, backoff, bounded concurrency.

Responses are shape-checked with small pydantic models but returned as the JSON dicts received,
so the raw run folder stores exactly what the source sent. The API key travels only in the
`Authorization` header: it never appears in URLs, logs, exceptions or reprs.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, Self

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from trending_now.config import IngestParams

logger = logging.getLogger(__name__)

MAX_PAGE = 500  # TMDb refuses pages above 500
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry one request."""

    max_attempts: int
    backoff_base_s: float
    backoff_max_s: float

    @classmethod
    def from_params(cls, params: IngestParams) -> RetryPolicy:
        """The policy configured in params.yaml's `ingest` block."""
        return cls(params.max_attempts, params.backoff_base_s, params.backoff_max_s)

    def backoff_s(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter exponential backoff after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1))
        return rng.uniform(0, ceiling)


class TmdbError(Exception):
    """Base of the client's errors; the message names the URL (path and query only)."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{message} [{url}]")
        self.url = url


class MalformedResponseError(TmdbError):
    """A body that is not JSON or not of the expected shape."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, f"malformed response: {reason}")
        self.reason = reason


class TmdbHTTPError(TmdbError):
    """A non-retryable HTTP error (401, 404, 400 ...)."""

    def __init__(self, url: str, status: int, reason: str) -> None:
        super().__init__(url, f"HTTP {status}: {reason}")
        self.status = status
        self.reason = reason


class RetryBudgetExhaustedError(TmdbError):
    """Every attempt failed with a retryable error; the last reason says how."""

    def __init__(self, url: str, attempts: int, last_reason: str) -> None:
        super().__init__(url, f"gave up after {attempts} attempts, last: {last_reason}")
        self.attempts = attempts
        self.last_reason = last_reason


class _RetryableError(TmdbError):
    """A failed attempt worth repeating; `delay_s` overrides the backoff (Retry-After)."""

    def __init__(self, url: str, reason: str, *, kind: str, delay_s: float | None = None) -> None:
        super().__init__(url, reason)
        self.reason = reason
        self.kind = kind  # the stats bucket: "HTTP 503", "timeout", "malformed" ...
        self.delay_s = delay_s


@dataclass
class ClientStats:
    """Request counters for the ingest report."""

    requests: int = 0
    retries: int = 0
    failures: int = 0
    retry_reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (reasons sorted for deterministic output)."""
        return {
            "requests": self.requests,
            "retries": self.retries,
            "failures": self.failures,
            "retry_reasons": dict(sorted(self.retry_reasons.items())),
        }


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Genre(_Shape):
    id: int
    name: str


class _TrendingItem(_Shape):
    id: int


class _TrendingPage(_Shape):
    page: int
    results: list[_TrendingItem]
    total_pages: int
    total_results: int


class _Details(_Shape):
    id: int
    title: str
    genres: list[_Genre]


class _Review(_Shape):
    id: str
    content: str


class _ReviewsPage(_Shape):
    id: int
    page: int
    results: list[_Review]
    total_pages: int
    total_results: int


class _Providers(_Shape):
    id: int
    results: dict[str, dict[str, Any]]


class _GenreList(_Shape):
    genres: list[_Genre]


def _shape_reason(exc: ValidationError) -> str:
    """Name the first offending field, e.g. `field 'results.3.id': Field required`."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "<root>"
    return f"wrong shape: field '{where}': {first['msg']}"


def _parse(url: str, response: httpx.Response, model: type[_Shape]) -> dict[str, Any]:
    """The JSON object of a 200 response, checked against `model`."""
    try:
        body = response.json()
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise MalformedResponseError(url, f"body is not valid JSON ({exc})") from None
    try:
        model.model_validate(body)
    except ValidationError as exc:
        raise MalformedResponseError(url, _shape_reason(exc)) from None
    result: dict[str, Any] = body
    return result


def _retry_after_s(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _error_message(response: httpx.Response) -> str:
    """TMDb's `status_message` when the error body has one, else the reason phrase."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = body.get("status_message") if isinstance(body, dict) else None
    return message if isinstance(message, str) else response.reason_phrase or "error"


class TmdbClient:
    """TMDb v3 client; use as `async with TmdbClient(...) as client:`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        retry: RetryPolicy,
        timeout_s: float,
        concurrency: int,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if concurrency < 1 or retry.max_attempts < 1:
            raise ValueError("concurrency and max_attempts must be at least 1")
        self.base_url = base_url
        self.retry = retry
        self.concurrency = concurrency
        self.stats = ClientStats()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._semaphore = asyncio.Semaphore(concurrency)
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"TmdbClient(base_url={self.base_url!r}, concurrency={self.concurrency})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def trending(self, window: Literal["day", "week"], *, limit: int) -> list[dict[str, Any]]:
        """The first `limit` trending movies (fewer if the list ends first)."""
        movies: list[dict[str, Any]] = []
        page = 1
        while len(movies) < limit and page <= MAX_PAGE:
            body = await self._get(f"/trending/movie/{window}", _TrendingPage, page=page)
            movies.extend(body["results"])
            if not body["results"] or page >= body["total_pages"]:
                break
            page += 1
        return movies[:limit]

    async def movie_details(self, movie_id: int) -> dict[str, Any]:
        """A movie's details object."""
        return await self._get(f"/movie/{movie_id}", _Details)

    async def movie_reviews(self, movie_id: int, *, max_pages: int) -> list[dict[str, Any]]:
        """A movie's reviews from all pages, at most `max_pages` of them."""
        reviews: list[dict[str, Any]] = []
        for page in range(1, min(max_pages, MAX_PAGE) + 1):
            body = await self._get(f"/movie/{movie_id}/reviews", _ReviewsPage, page=page)
            reviews.extend(body["results"])
            if not body["results"] or page >= body["total_pages"]:
                break
        return reviews

    async def watch_providers(self, movie_id: int, *, region: str = "US") -> dict[str, Any] | None:
        """The movie's providers in `region` (`{link, flatrate?, rent?, buy?}`), None if none."""
        body = await self._get(f"/movie/{movie_id}/watch/providers", _Providers)
        region_providers: dict[str, Any] | None = body["results"].get(region)
        return region_providers

    async def genres(self) -> list[dict[str, Any]]:
        """TMDb's movie genre list (`[{id, name}]`)."""
        body = await self._get("/genre/movie/list", _GenreList)
        genres: list[dict[str, Any]] = body["genres"]
        return genres

    async def _get(self, path: str, model: type[_Shape], **params: int) -> dict[str, Any]:
        """GET with retries: transient failures back off and repeat, others raise at once."""
        url = self._http.build_request("GET", path, params=params or None).url.raw_path.decode()
        last: _RetryableError | None = None
        for attempt in range(1, self.retry.max_attempts + 1):
            try:
                return await self._attempt(path, params, url, model)
            except MalformedResponseError as exc:
                last = _RetryableError(url, exc.reason, kind="malformed")
                last.__cause__ = exc
            except _RetryableError as exc:
                last = exc
            if attempt < self.retry.max_attempts:
                await self._wait_before_retry(url, attempt, last)
        assert last is not None  # the loop ran at least once and only falls through on failure
        self.stats.failures += 1
        logger.warning("giving up on %s after %d attempts: %s", url, attempt, last.reason)
        raise RetryBudgetExhaustedError(url, attempt, last.reason) from last.__cause__ or last

    async def _attempt(
        self, path: str, params: dict[str, int], url: str, model: type[_Shape]
    ) -> dict[str, Any]:
        """One request under the concurrency bound, classified into result or error."""
        self.stats.requests += 1
        try:
            async with self._semaphore:
                response = await self._http.get(path, params=params or None)
        except httpx.TimeoutException as exc:
            raise _RetryableError(url, f"timeout ({type(exc).__name__})", kind="timeout") from None
        except httpx.TransportError as exc:
            reason = f"connection error ({type(exc).__name__})"
            raise _RetryableError(url, reason, kind="connection error") from None
        if response.status_code == 200:
            return _parse(url, response, model)
        status = response.status_code
        if status in RETRYABLE_STATUSES:
            delay = _retry_after_s(response.headers.get("retry-after"))
            raise _RetryableError(url, f"HTTP {status}", kind=f"HTTP {status}", delay_s=delay)
        raise TmdbHTTPError(url, status, _error_message(response))

    async def _wait_before_retry(self, url: str, attempt: int, exc: _RetryableError) -> None:
        """Count the retry and sleep: Retry-After when sent (capped), else jittered backoff."""
        self.stats.retries += 1
        self.stats.retry_reasons[exc.kind] += 1
        if exc.delay_s is not None:
            delay = min(exc.delay_s, self.retry.backoff_max_s)
        else:
            delay = self.retry.backoff_s(attempt, self._rng)
        logger.info("retrying %s in %.2fs after attempt %d: %s", url, delay, attempt, exc.reason)
        await self._sleep(delay)
