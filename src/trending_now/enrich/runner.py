"""The core of the stage: enrich movies with a provider, through the cache, within a cost cap.

Per movie: render the prompt (prompt-driven providers), call the provider, validate the reply;
an invalid reply is retried once with the validation error, then the movie is a failure (the run
goes on). Valid results are cached by (content hash, prompt version, provider, model) and then
pass the content check: flagged results are withheld from publication, with their reasons.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trending_now.config import EnrichParams
from trending_now.enrich.cache import CacheKey, EnrichCache
from trending_now.enrich.inputs import MovieInput, content_hash, rating_score
from trending_now.enrich.prompts import FetchedPrompt, render_messages
from trending_now.enrich.providers import (
    Provider,
    ProviderError,
    ProviderReply,
    ProviderRequest,
    Usage,
)
from trending_now.enrich.safety import CheckedReply, ReplyError, check_content, check_reply
from trending_now.enrich.schema import Enrichment, EnrichmentContent

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
CORRECTION = (
    "Your previous reply was rejected: {error}\n"
    "Reply again with only the JSON object, following the rules and the lists exactly."
)


@dataclass(frozen=True)
class Lineage:
    """What every output row of one run records about how it was made."""

    provider: str
    model: str
    prompt_version: str
    prompt_secret_version_id: str | None
    cache_version: str  # prompt_version plus the template's hash: edits in place miss the cache


@dataclass(frozen=True)
class Attempt:
    """The result of working on one movie: validated content or a failure reason."""

    movie: MovieInput
    usage: Usage
    content: EnrichmentContent | None = None
    reason: str | None = None
    dropped_tags: tuple[str, ...] = ()
    dropped_genres: tuple[str, ...] = ()


@dataclass
class EnrichOutcome:
    """Everything one run produced, in input order."""

    lineage: Lineage
    published: list[Enrichment] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    cached: int = 0
    dropped_tags: Counter[str] = field(default_factory=Counter)
    dropped_genres: Counter[str] = field(default_factory=Counter)
    cost_cap_reached: bool = False


def make_lineage(provider: Provider, prompt: FetchedPrompt | None) -> Lineage:
    """The run's lineage; a prompt-driven provider needs a fetched prompt."""
    if not provider.uses_prompt:
        return Lineage(provider.name, provider.model, provider.version, None, provider.version)
    if prompt is None:
        raise ValueError(f"provider {provider.name} needs a prompt from Secrets Manager")
    template = prompt.template
    version = f"{template.name}/{template.version}"
    cache_version = f"{version}@{template.sha256[:12]}"
    return Lineage(provider.name, provider.model, version, prompt.version_id, cache_version)


def attempt_movie(movie: MovieInput, provider: Provider, prompt: FetchedPrompt | None) -> Attempt:
    """Call the provider for one movie; one corrective retry on an invalid reply."""
    messages = render_messages(prompt.template, movie) if provider.uses_prompt and prompt else []
    usage = Usage()
    dropped: list[str] = []
    tries = 2 if provider.retries_invalid else 1
    for attempt in range(1, tries + 1):
        try:
            reply = provider.complete(ProviderRequest(movie, messages))
        except ProviderError as exc:
            return Attempt(movie, usage + exc.usage, reason=f"provider error: {exc}")
        usage += reply.usage
        try:
            checked = _check(reply)
        except ReplyError as exc:
            dropped += exc.dropped_tags
            if attempt == tries:
                return Attempt(
                    movie, usage, reason=f"invalid reply: {exc}", dropped_tags=tuple(dropped)
                )
            messages = [*messages, *_correction(reply, exc)]
            continue
        dropped += checked.dropped_tags
        return Attempt(movie, usage, checked.content, None, tuple(dropped), checked.dropped_genres)
    raise AssertionError("unreachable")


def _check(reply: ProviderReply) -> CheckedReply:
    """A refusal is an invalid reply too."""
    if reply.refusal:
        raise ReplyError(f"the model refused: {reply.refusal[:200]}")
    return check_reply(reply.text)


def _correction(reply: ProviderReply, error: ReplyError) -> list[dict[str, str]]:
    """The rejected reply and the validation error, as the next two chat messages."""
    rejected = reply.text or f"(refusal) {reply.refusal or ''}"
    return [
        {"role": "assistant", "content": rejected[:4000]},
        {"role": "user", "content": CORRECTION.format(error=str(error)[:1500])},
    ]


def enrich_movies(
    movies: list[MovieInput],
    provider: Provider,
    prompt: FetchedPrompt | None,
    params: EnrichParams,
    *,
    cache: EnrichCache,
    on_progress: Progress | None = None,
) -> EnrichOutcome:
    """Enrich every movie (cache first), bounded by `params.concurrency` and the cost cap."""
    lineage = make_lineage(provider, prompt)
    outcome = EnrichOutcome(lineage)
    results: dict[int, tuple[Attempt, datetime]] = {}
    misses = []
    for movie in movies:
        hit = cache.get(_cache_key(movie, provider, lineage))
        if hit is None:
            misses.append(movie)
            continue
        results[movie.movie_id] = (
            _from_cache(movie, hit),
            datetime.fromisoformat(hit["created_at"]),
        )
        outcome.cached += 1
    done = len(results)
    _report(on_progress, done, len(movies))
    for attempt in _run_pool(misses, provider, prompt, params, outcome):
        created = datetime.now(UTC)
        if attempt.content is not None:
            cache.put(_cache_key(attempt.movie, provider, lineage), _payload(attempt, created))
        results[attempt.movie.movie_id] = (attempt, created)
        done += 1
        _report(on_progress, done, len(movies))
    for movie in movies:
        _collect(outcome, movie, *results[movie.movie_id], params)
    return outcome


def _run_pool(
    movies: list[MovieInput],
    provider: Provider,
    prompt: FetchedPrompt | None,
    params: EnrichParams,
    outcome: EnrichOutcome,
) -> Iterator[Attempt]:
    """Attempts as they finish; no new movie starts once the cost reached the cap."""
    workers = max(1, min(params.concurrency, provider.max_concurrency))
    queue = iter(movies)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="enrich") as pool:
        pending: set[Future[Attempt]] = set()
        while True:
            while len(pending) < workers and not outcome.cost_cap_reached:
                movie = next(queue, None)
                if movie is None:
                    break
                pending.add(pool.submit(attempt_movie, movie, provider, prompt))
            if not pending:
                break
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                attempt = future.result()
                _account(outcome, attempt, params)
                yield attempt
    for movie in queue:  # left over after the cap
        yield Attempt(movie, Usage(), reason=f"cost cap reached ({params.max_cost_usd} USD)")


def _account(outcome: EnrichOutcome, attempt: Attempt, params: EnrichParams) -> None:
    """Add an attempt's usage and drops; note when the cost cap is reached."""
    outcome.usage += attempt.usage
    outcome.dropped_tags.update(attempt.dropped_tags)
    outcome.dropped_genres.update(attempt.dropped_genres)
    spent = outcome.usage.cost_usd
    if spent > 0 and spent >= params.max_cost_usd and not outcome.cost_cap_reached:
        log.warning("cost cap reached: %.4f USD >= %.4f USD", spent, params.max_cost_usd)
        outcome.cost_cap_reached = True


def _collect(
    outcome: EnrichOutcome,
    movie: MovieInput,
    attempt: Attempt,
    created: datetime,
    params: EnrichParams,
) -> None:
    """File one movie's result as published, flagged (withheld) or failed."""
    lineage = outcome.lineage
    if attempt.content is None:
        outcome.failures.append(
            {"movie_id": movie.movie_id, "reason": attempt.reason, **_lineage_fields(lineage)}
        )
        return
    ratings = rating_score(movie, vote_weight=params.vote_weight)
    flags = check_content(attempt.content, movie, ratings=ratings, params=params.safety)
    row = Enrichment(
        **attempt.content.model_dump(),
        movie_id=movie.movie_id,
        **_lineage_fields(lineage),
        content_hash=content_hash(movie, salt=""),
        data_run_id=movie.data_run_id,
        created_at=created,
    )
    if flags:
        outcome.flagged.append({**row.model_dump(mode="json"), "flags": flags})
    else:
        outcome.published.append(row)


def _lineage_fields(lineage: Lineage) -> dict[str, Any]:
    """The lineage columns of an output row."""
    return {
        "provider": lineage.provider,
        "model": lineage.model,
        "prompt_version": lineage.prompt_version,
        "prompt_secret_version_id": lineage.prompt_secret_version_id,
    }


def _cache_key(movie: MovieInput, provider: Provider, lineage: Lineage) -> CacheKey:
    """The cache key of a movie's result with this provider and prompt."""
    digest = content_hash(movie, salt=provider.fingerprint)
    return CacheKey(digest, lineage.cache_version, provider.name, provider.model)


def _payload(attempt: Attempt, created: datetime) -> dict[str, Any]:
    """What the cache stores: the validated content and when it was made."""
    assert attempt.content is not None
    return {"content": attempt.content.model_dump(), "created_at": created.isoformat()}


def _from_cache(movie: MovieInput, payload: dict[str, Any]) -> Attempt:
    """An attempt rebuilt from a cache entry (no calls, no usage)."""
    return Attempt(movie, Usage(), EnrichmentContent.model_validate(payload["content"]))


def _report(on_progress: Progress | None, done: int, total: int) -> None:
    """Tell the caller how far the run is."""
    if on_progress is not None:
        on_progress(done, total)


def elapsed_since(start: float) -> float:
    """Seconds since a `time.perf_counter()` reading, rounded for reports."""
    return round(time.perf_counter() - start, 3)
