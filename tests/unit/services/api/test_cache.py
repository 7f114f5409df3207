"""The response cache: what is cached (200s marked with their build), per build, and its bound."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.api.cache import CachedResponse, ResponseCache
from services.api.deps import ServingStore


def _entry(body: bytes) -> CachedResponse:
    return CachedResponse(route=None, headers=[], body=body)


def test_evicts_least_recently_used_beyond_the_byte_budget() -> None:
    cache = ResponseCache(max_bytes=10)
    cache.put("a", _entry(b"1234"))
    cache.put("b", _entry(b"5678"))
    assert cache.get("a") == _entry(b"1234")  # now b is the least recently used
    cache.put("c", _entry(b"90ab"))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None


def test_replacing_a_key_and_oversized_bodies() -> None:
    cache = ResponseCache(max_bytes=8)
    cache.put("a", _entry(b"12345678"))
    cache.put("a", _entry(b"12"))
    cache.put("b", _entry(b"345678"))
    assert len(cache) == 2 and cache.get("a") == _entry(b"12")
    cache.put("huge", _entry(b"x" * 9))
    assert cache.get("huge") is None and len(cache) == 2


def test_only_build_marked_200s_are_cached_and_hits_replay_them(client: TestClient) -> None:
    store: ServingStore = client.app.state.store  # type: ignore[attr-defined]
    first = client.get("/api/movies", params={"limit": 3})
    client.get("/api/movies/999999")  # 404: never cached
    client.get("/api/drift")  # live, not from a build: never cached
    build = first.headers["x-serving-build"]
    cached = store.cache.get((build, "/api/movies", b"limit=3"))
    assert cached is not None and cached.body == first.content
    assert store.cache.get((build, "/api/movies/999999", b"")) is None
    assert store.cache.get((build, "/api/drift", b"")) is None
    again = client.get("/api/movies", params={"limit": 3})
    assert again.content == first.content
    assert again.headers["content-security-policy"] and again.headers["x-serving-build"] == build
    metrics = client.get("/metrics").text
    assert 'api_requests_total{method="GET",route="/api/movies",status="200"}' in metrics
