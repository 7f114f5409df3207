"""The replay source app: TMDb routes, shapes, auth, paging, trending order, fault switches."""

from __future__ import annotations

import json
import lzma
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from services.source.app import SourceConfig, create_app
from services.source.faults import FaultConfig

SNAPSHOT = Path(__file__).resolve().parents[4] / "data" / "snapshot" / "movies.jsonl.xz"
KEY = "unit-test-key-7f3a"
AUTH = {"Authorization": f"Bearer {KEY}"}
INVALID_KEY_BODY = {
    "status_code": 7,
    "status_message": "Invalid API key: You must be granted a valid key.",
    "success": False,
}
NOT_FOUND_BODY = {
    "status_code": 34,
    "status_message": "The resource you requested could not be found.",
    "success": False,
}
IMDB = "imdb_large_movie_review_v1"
DETAILS_KEYS = {
    "adult", "id", "imdb_id", "title", "original_title", "original_language", "release_date",
    "genres", "production_countries", "popularity", "vote_average", "vote_count", "overview",
    "tagline", "runtime", "status", "budget", "revenue", "poster_path", "backdrop_path",
    "homepage", "video", "spoken_languages", "production_companies",
}  # fmt: skip
TRENDING_KEYS = {
    "adult", "id", "title", "original_title", "original_language", "overview", "poster_path",
    "backdrop_path", "media_type", "genre_ids", "popularity", "release_date", "video",
    "vote_average", "vote_count",
}  # fmt: skip


@pytest.fixture(scope="module")
def records() -> dict[int, dict[str, Any]]:
    """The snapshot read directly (independently of the code under test), by id."""
    lines = lzma.decompress(SNAPSHOT.read_bytes()).splitlines()
    return {r["id"]: r for r in (json.loads(line) for line in lines)}


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    """One app for the module: loading the snapshot is the slow part."""
    config = SourceConfig(snapshot_path=SNAPSHOT, api_key=SecretStr(KEY))
    with TestClient(create_app(config)) as client:
        yield client


@pytest.fixture
def client(api: TestClient) -> Iterator[TestClient]:
    """The shared client, with every fault switched off again after the test."""
    yield api
    assert api.put("/_admin/faults", json={}, headers=AUTH).status_code == 200


def set_faults(client: TestClient, **switches: Any) -> None:
    response = client.put("/_admin/faults", json=switches, headers=AUTH)
    assert response.status_code == 200, response.text


def get_json(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


def popularity_order(movies: list[dict[str, Any]]) -> list[int]:
    return [m["id"] for m in sorted(movies, key=lambda m: (-m["popularity"], m["id"]))]


def all_pages(client: TestClient, path: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every result across pages, plus the page envelopes."""
    first = get_json(client, path, page=1)
    bodies = [first] + [get_json(client, path, page=p) for p in range(2, first["total_pages"] + 1)]
    return [item for body in bodies for item in body["results"]], bodies


def test_health_needs_no_key(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "movies": 621}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": KEY},
        {"Authorization": f"Basic {KEY}"},
    ],
)
@pytest.mark.parametrize("path", ["/3/movie/11", "/3/genre/movie/list", "/_admin/faults"])
def test_missing_or_wrong_key_is_401(
    client: TestClient, headers: dict[str, str], path: str
) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.json() == INVALID_KEY_BODY


@pytest.mark.parametrize("path", ["/3/movie/1", "/3/movie/1/reviews", "/3/movie/abc", "/3/nope"])
def test_unknown_resource_is_404(client: TestClient, path: str) -> None:
    response = client.get(path, headers=AUTH)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND_BODY


def test_details_shape(client: TestClient, records: dict[int, dict[str, Any]]) -> None:
    details = get_json(client, "/3/movie/11")
    assert set(details) == DETAILS_KEYS
    assert details["title"] == "Star Wars" and details["imdb_id"] == records[11]["imdb_id"]
    assert details["genres"] == records[11]["genres"]
    assert {"iso_3166_1": "US", "name": "United States of America"} in details[
        "production_countries"
    ]
    assert details["poster_path"] is None and details["homepage"] == ""


@pytest.mark.parametrize(("window", "count"), [("day", 208), ("week", 621)])
def test_trending_pages_are_consistent(client: TestClient, window: str, count: int) -> None:
    movies, bodies = all_pages(client, f"/3/trending/movie/{window}")
    assert len(movies) == count == len({m["id"] for m in movies})
    assert all(b["total_results"] == count and b["total_pages"] == -(-count // 20) for b in bodies)
    assert [b["page"] for b in bodies] == list(range(1, len(bodies) + 1))
    assert all(len(b["results"]) == 20 for b in bodies[:-1])
    assert set(movies[0]) == TRENDING_KEYS and movies[0]["media_type"] == "movie"


def test_trending_derivation_order(client: TestClient, records: dict[int, dict[str, Any]]) -> None:
    flagged = [r for r in records.values() if r["in_tmdb_lists_2026_03_09"]]
    rest = [r for r in records.values() if not r["in_tmdb_lists_2026_03_09"]]
    day, _ = all_pages(client, "/3/trending/movie/day")
    week, _ = all_pages(client, "/3/trending/movie/week")
    assert [m["id"] for m in day] == popularity_order(flagged)
    assert [m["id"] for m in week] == popularity_order(flagged) + popularity_order(rest)
    star_wars = next(m for m in week if m["id"] == 11)
    assert star_wars["genre_ids"] == [g["id"] for g in records[11]["genres"]]


@pytest.mark.parametrize("page", ["0", "-1", "501", "abc"])
def test_out_of_range_page_is_400(client: TestClient, page: str) -> None:
    response = client.get("/3/trending/movie/week", params={"page": page}, headers=AUTH)
    assert response.status_code == 400
    assert response.json()["status_code"] == 22


def test_page_past_the_end_is_empty(client: TestClient) -> None:
    body = get_json(client, "/3/trending/movie/week", page=40)
    assert body == {"page": 40, "results": [], "total_pages": 32, "total_results": 621}


def test_reviews_keep_both_sources_in_order(
    client: TestClient, records: dict[int, dict[str, Any]]
) -> None:
    reviews, bodies = all_pages(client, "/3/movie/76/reviews")
    expected = records[76]["reviews"]
    assert len(bodies) == 2 and all(b["id"] == 76 for b in bodies)
    assert bodies[0]["total_results"] == len(expected) == 30
    assert [r["id"] for r in reviews] == [r["id"] for r in expected]
    assert [r["source"] for r in reviews] == [r["source"] for r in expected]
    assert {r["source"] for r in reviews} == {"tmdb", IMDB}
    assert [r["content"] for r in reviews] == [r["content"] for r in expected]


def test_review_fields_per_source(client: TestClient) -> None:
    reviews, _ = all_pages(client, "/3/movie/76/reviews")
    for review in reviews:
        details = review["author_details"]
        assert set(details) == {"name", "username", "avatar_path", "rating"}
        assert "acl" not in review
        if review["source"] == IMDB:
            nulls = [review["author"], details["username"], review["created_at"], review["url"]]
            assert nulls == [None, None, None, None] and review["updated_at"] is None
            assert 1 <= details["rating"] <= 10
        else:
            assert review["author"] and details["username"] == review["author"]
            assert review["created_at"] and review["url"]


def test_providers_shape(client: TestClient, records: dict[int, dict[str, Any]]) -> None:
    body = get_json(client, "/3/movie/11/watch/providers")
    us = body["results"]["US"]
    assert body["id"] == 11 and us["link"].startswith("https://")
    assert [p["provider_name"] for p in us["flatrate"]] == records[11]["watch_providers_us"][
        "flatrate"
    ]
    assert us["flatrate"][0] == {
        "provider_id": 337,
        "provider_name": "Disney Plus",
        "logo_path": None,
        "display_priority": 0,
    }
    assert [p["provider_id"] for p in us["rent"]] == [10, 3, 192]


def test_providers_unknown_name_gets_stable_id_and_empty_kinds_are_omitted(
    client: TestClient, records: dict[int, dict[str, Any]]
) -> None:
    names = {m: r["watch_providers_us"] for m, r in records.items()}
    spectrum_movie = next(m for m, wp in names.items() if "Philo" in wp["flatrate"])
    us = get_json(client, f"/3/movie/{spectrum_movie}/watch/providers")["results"]["US"]
    spectrum = next(p for p in us["flatrate"] if p["provider_name"] == "Philo")
    assert spectrum["provider_id"] == zlib.crc32(b"Philo") % 10**6 + 10**6
    rent_only = next(m for m, wp in names.items() if wp["rent"] and not wp["flatrate"])
    us = get_json(client, f"/3/movie/{rent_only}/watch/providers")["results"]["US"]
    assert "flatrate" not in us and us["rent"]


def test_no_providers_is_an_empty_results_object(client: TestClient) -> None:
    assert get_json(client, "/3/movie/397/watch/providers") == {"id": 397, "results": {}}


def test_genre_list(client: TestClient) -> None:
    genres = get_json(client, "/3/genre/movie/list")["genres"]
    assert len(genres) == 19 and {"id": 878, "name": "Science Fiction"} in genres


def test_admin_reads_and_replaces_faults(client: TestClient) -> None:
    set_faults(client, error_rate=0.5, seed=3)
    config = get_json(client, "/_admin/faults")
    assert config == FaultConfig(error_rate=0.5, seed=3).model_dump()
    bad = client.put("/_admin/faults", json={"error_rate": 2}, headers=AUTH)
    assert bad.status_code == 422


def test_error_rate_one_always_fails(client: TestClient) -> None:
    set_faults(client, error_rate=1.0)
    statuses = {client.get("/3/movie/11", headers=AUTH).status_code for _ in range(30)}
    assert statuses <= {500, 502, 503} and len(statuses) >= 2


def test_rate_limit_rate_one_is_429_with_retry_after(client: TestClient) -> None:
    set_faults(client, rate_limit_rate=1.0, retry_after_s=2)
    response = client.get("/3/movie/11", headers=AUTH)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"


def _is_malformed(response: Any, required: str) -> bool:
    """Not JSON at all, or JSON lacking the `required` field."""
    try:
        body = response.json()
    except ValueError:
        return True
    return not isinstance(body, dict) or required not in body


@pytest.mark.parametrize(
    ("path", "required"),
    [
        ("/3/trending/movie/week", "results"),
        ("/3/movie/11", "id"),
        ("/3/genre/movie/list", "genres"),
    ],
)
def test_malformed_rate_one_breaks_every_body(client: TestClient, path: str, required: str) -> None:
    set_faults(client, malformed_rate=1.0, seed=1)
    responses = [client.get(path, headers=AUTH) for _ in range(20)]
    assert all(r.status_code == 200 for r in responses)
    assert all(_is_malformed(r, required) for r in responses)
    kinds = {r.text[:1] for r in responses}  # "<" html, "{" truncated or wrong shape
    assert kinds == {"<", "{"}


def test_latency_is_added(client: TestClient) -> None:
    set_faults(client, latency_ms=150)
    started = time.perf_counter()
    get_json(client, "/3/movie/11")
    assert time.perf_counter() - started >= 0.15


def test_faults_never_touch_health(client: TestClient) -> None:
    set_faults(client, error_rate=1.0, latency_ms=300)
    started = time.perf_counter()
    assert client.get("/health").status_code == 200
    assert time.perf_counter() - started < 0.3


def _fault_trace(client: TestClient, seed: int) -> list[tuple[int, str]]:
    set_faults(client, error_rate=0.2, rate_limit_rate=0.2, malformed_rate=0.2, seed=seed)
    responses = [client.get("/3/movie/11", headers=AUTH) for _ in range(40)]
    return [(r.status_code, r.text[:40]) for r in responses]


def test_seeded_faults_are_reproducible(client: TestClient) -> None:
    first, again, other = (
        _fault_trace(client, 11),
        _fault_trace(client, 11),
        _fault_trace(client, 12),
    )
    assert first == again
    assert first != other
    assert {status for status, _ in first} >= {200, 429}
