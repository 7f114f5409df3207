"""The ingest stage against an in-memory TMDb stand-in (httpx.MockTransport)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.utils.raw_records import make_details, make_wire_review
from trending_now.config import IngestParams
from trending_now.ingest import IngestResult, run_stage
from trending_now.ingest.privacy import pseudonymise
from trending_now.ingest.raw import read_jsonl
from trending_now.ingest.tmdb import TmdbHTTPError

API_KEY = "unit-test-key-123"
SALT = "unit-test-salt-456"
# Trending order deliberately differs from id order.
TRENDING_IDS = [30, 10, 50, 20, 40]
PARAMS = IngestParams(
    movie_limit=5, max_review_pages=3, concurrency=4, max_attempts=3, backoff_base_s=0.001,
    backoff_max_s=0.002, timeout_s=5,
)  # fmt: skip


def _page(items: list[Any], page: int, **extra: Any) -> dict[str, Any]:
    pages = max(1, -(-len(items) // 20))
    return {"page": page, "results": items[(page - 1) * 20 : page * 20], "total_pages": pages,
            "total_results": len(items), **extra}  # fmt: skip


def _reviews(movie_id: int) -> list[dict[str, Any]]:
    """Movie 10 has 25 reviews (two pages); the others one each."""
    count = 25 if movie_id == 10 else 1
    return [
        make_wire_review(f"{movie_id}-{i}", content=f"Review {i}, write to me@example.org")
        for i in range(count)
    ]


def _providers(movie_id: int) -> dict[str, Any]:
    if movie_id == 20:
        return {"id": movie_id, "results": {}}
    offer = {"provider_id": 8, "provider_name": "Netflix", "logo_path": None, "display_priority": 1}
    return {"id": movie_id, "results": {"US": {"link": "https://x", "flatrate": [offer]}}}


class FakeSource:
    """TMDb routes over five movies; `fail` maps (kind, movie id) to a permanent HTTP status."""

    def __init__(self, fail: dict[tuple[str, int], int] | None = None) -> None:
        self.fail = fail or {}
        self.calls: Counter[str] = Counter()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return httpx.Response(401, json={"status_code": 7, "status_message": "Invalid API key"})
        path, page = request.url.path, int(request.url.params.get("page", "1"))
        self.calls[path] += 1
        if path == "/3/trending/movie/week":
            return httpx.Response(200, json=_page([{"id": i} for i in TRENDING_IDS], page))
        match = re.fullmatch(r"/3/movie/(\d+)(/reviews|/watch/providers)?", path)
        assert match, path
        movie_id = int(match.group(1))
        kind = {None: "details", "/reviews": "reviews", "/watch/providers": "watch_providers"}
        status = self.fail.get((kind[match.group(2)], movie_id))
        if status is not None:
            return httpx.Response(status, json={"status_code": 34, "status_message": "nope"})
        if match.group(2) is None:
            return httpx.Response(200, json=make_details(movie_id))
        if match.group(2) == "/reviews":
            return httpx.Response(200, json=_page(_reviews(movie_id), page, id=movie_id))
        return httpx.Response(200, json=_providers(movie_id))


def _ingest(
    tmp_path: Path, source: Callable[[httpx.Request], httpx.Response], **kw: Any
) -> IngestResult:
    args: dict[str, Any] = {
        "base_url": "http://source.test/3", "api_key": API_KEY, "salt": SALT, "params": PARAMS,
        "raw_dir": tmp_path / "raw", "run_id": "run-1", "transport": httpx.MockTransport(source),
    }  # fmt: skip
    return run_stage(**{**args, **kw})


def test_writes_the_run_folder(tmp_path: Path) -> None:
    result = _ingest(tmp_path, FakeSource())
    run_dir = tmp_path / "raw" / "run-1"
    assert result.run_dir == run_dir
    assert dict(result.counts) == {"trending": 5, "movies": 5, "reviews": 29, "failures": 0}
    trending = read_jsonl(run_dir / "trending.jsonl")
    assert [(t["rank"], t["id"]) for t in trending] == list(enumerate(TRENDING_IDS, start=1))
    movies = read_jsonl(run_dir / "movies.jsonl")
    assert [m["id"] for m in movies] == sorted(TRENDING_IDS)
    assert movies[0]["details"] == make_details(10)
    assert movies[0]["watch_providers"]["flatrate"][0]["provider_name"] == "Netflix"
    assert movies[1]["watch_providers"] is None  # movie 20 has no US providers
    reviews = read_jsonl(run_dir / "reviews.jsonl")
    assert [r["review"]["id"] for r in reviews[:25]] == [f"10-{i}" for i in range(25)]
    assert [r["movie_id"] for r in reviews] == [10] * 25 + [20, 30, 40, 50]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest == {"run_id": "run-1", "source": "tmdb-replay", "window": "week",
                        "movie_limit": 5, "counts": dict(result.counts)}  # fmt: skip
    assert (tmp_path / "raw" / "LATEST").read_text().strip() == "run-1"


def test_reviews_are_pseudonymised_and_scrubbed(tmp_path: Path) -> None:
    _ingest(tmp_path, FakeSource())
    review = read_jsonl(tmp_path / "raw" / "run-1" / "reviews.jsonl")[0]["review"]
    assert review["author_hash"] == pseudonymise("Jane Critic", SALT)
    assert review["author_details"] == {"rating": 8.0}
    assert review["content"] == "Review 0, write to [email]"
    everything = "".join(p.read_text() for p in (tmp_path / "raw" / "run-1").iterdir())
    for secret in ("Jane Critic", "janecritic", "me@example.org", API_KEY, SALT):
        assert secret not in everything


def test_rerun_is_byte_identical(tmp_path: Path) -> None:
    _ingest(tmp_path, FakeSource())
    run_dir = tmp_path / "raw" / "run-1"
    first = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    _ingest(tmp_path, FakeSource())
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == first
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["LATEST", "run-1"]


def test_failed_fetches_drop_the_movie_whole(tmp_path: Path) -> None:
    source = FakeSource({("reviews", 30): 503, ("watch_providers", 40): 404, ("details", 50): 404})
    result = _ingest(tmp_path, source)
    run_dir = tmp_path / "raw" / "run-1"
    assert [m["id"] for m in read_jsonl(run_dir / "movies.jsonl")] == [10, 20]
    assert {r["movie_id"] for r in read_jsonl(run_dir / "reviews.jsonl")} == {10, 20}
    failures = read_jsonl(run_dir / "failures.jsonl")
    assert [(f["id"], f["kind"]) for f in failures] == [
        (30, "reviews"), (40, "watch_providers"), (50, "details"),
    ]  # fmt: skip
    assert failures[0]["url"] == "/3/movie/30/reviews?page=1"
    assert (
        failures[0]["reason"]
        == "RetryBudgetExhaustedError: gave up after 3 attempts, last: HTTP 503"
    )
    assert failures[1]["reason"].startswith("TmdbHTTPError: HTTP 404")
    assert source.calls["/3/movie/50/reviews"] == 0  # no details, nothing else fetched
    assert result.counts["failures"] == 3
    assert len(read_jsonl(run_dir / "trending.jsonl")) == 5  # the list itself is complete


def test_rejected_key_stops_the_run_before_writing(tmp_path: Path) -> None:
    with pytest.raises(TmdbHTTPError, match="HTTP 401"):
        _ingest(tmp_path, FakeSource(), api_key="wrong-key")
    assert not (tmp_path / "raw").exists()


def test_revoked_key_mid_run_is_not_a_movie_failure(tmp_path: Path) -> None:
    with pytest.raises(TmdbHTTPError, match="HTTP 401"):
        _ingest(tmp_path, FakeSource({("details", 20): 401}))
    assert not (tmp_path / "raw" / "run-1").exists()


def test_movie_limit_caps_the_list(tmp_path: Path) -> None:
    result = _ingest(tmp_path, FakeSource(), params=PARAMS.model_copy(update={"movie_limit": 2}))
    assert result.counts["trending"] == 2
    assert [m["id"] for m in read_jsonl(result.run_dir / "movies.jsonl")] == [10, 30]


@pytest.mark.parametrize("run_id", ["../escape", "LATEST", ".tmp", "a/b"])
def test_unsafe_run_id_is_refused_before_fetching(tmp_path: Path, run_id: str) -> None:
    source = FakeSource()
    with pytest.raises(ValueError, match="invalid run id"):
        _ingest(tmp_path, source, run_id=run_id)
    assert not source.calls
