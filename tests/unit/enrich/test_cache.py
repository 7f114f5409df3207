from __future__ import annotations

from pathlib import Path

from trending_now.enrich.cache import CacheKey, EnrichCache

KEY = CacheKey("hash-1", "enrich/v1@abc", "openai-compat", "gpt-x")


def test_round_trip_and_persistence(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.sqlite3"
    with EnrichCache(path) as cache:
        assert cache.get(KEY) is None
        cache.put(KEY, {"content": {"vibe_score": 7}, "created_at": "2026-01-01T00:00:00+00:00"})
    with EnrichCache(path) as reopened:
        assert reopened.get(KEY) == {
            "content": {"vibe_score": 7},
            "created_at": "2026-01-01T00:00:00+00:00",
        }
        assert len(reopened) == 1


def test_every_key_part_matters(tmp_path: Path) -> None:
    with EnrichCache(tmp_path / "c.sqlite3") as cache:
        cache.put(KEY, {"x": 1})
        for other in (
            CacheKey("hash-2", KEY.prompt_version, KEY.provider, KEY.model),
            CacheKey(KEY.content_hash, "enrich/v2@def", KEY.provider, KEY.model),
            CacheKey(KEY.content_hash, KEY.prompt_version, "embedded", KEY.model),
            CacheKey(KEY.content_hash, KEY.prompt_version, KEY.provider, "gpt-y"),
        ):
            assert cache.get(other) is None
        cache.put(KEY, {"x": 2})
        assert cache.get(KEY) == {"x": 2} and len(cache) == 1
