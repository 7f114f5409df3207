"""The API against a database published from factory frames: one test per outcome."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.api.main import create_app
from services.api.middleware import CSP
from tests.unit.services.api.conftest import ORIGIN
from trending_now.config import Settings


def test_list_movies_returns_every_movie_by_rank(client: TestClient) -> None:
    body = client.get("/api/movies").json()
    assert body["count"] == 12 and len(body["data"]) == 12
    assert [m["id"] for m in body["data"]] == sorted(m["id"] for m in body["data"])
    assert sum(m["is_enriched"] for m in body["data"]) == 6


def test_filters_by_platform_tag_and_score(client: TestClient) -> None:
    netflix = client.get("/api/movies", params={"platform": "Netflix"}).json()
    assert netflix["count"] == 4 and all("Netflix" in m["platforms"] for m in netflix["data"])
    tagged = client.get("/api/movies", params={"tag": "slow-burn"}).json()
    assert tagged["count"] == 6
    scored = client.get("/api/movies", params={"min_score": 2, "max_score": 4}).json()
    assert {m["vibe_score"] for m in scored["data"]} == {2, 3, 4}


def test_filter_by_genre(client: TestClient) -> None:
    body = client.get("/api/movies", params={"genre": "Comedy"}).json()
    assert body["count"] >= 1 and all("Comedy" in m["genres"] for m in body["data"])
    nothing = client.get("/api/movies", params={"genre": "Nope"}).json()
    assert nothing["data"] == [] and nothing["count"] == 0


def test_pagination_pages_and_bounds(client: TestClient) -> None:
    page = client.get("/api/movies", params={"limit": 5, "offset": 10}).json()
    assert page["count"] == 12 and len(page["data"]) == 2
    assert client.get("/api/movies", params={"limit": 0}).status_code == 422
    assert client.get("/api/movies", params={"limit": 501}).status_code == 422
    assert client.get("/api/movies", params={"offset": -1}).status_code == 422


def test_read_movie_detail(client: TestClient) -> None:
    movie_id = client.get("/api/movies", params={"tag": "slow-burn"}).json()["data"][0]["id"]
    movie = client.get(f"/api/movies/{movie_id}").json()
    assert movie["summary"] and movie["llm_genres"] == ["Drama"] and movie["reviews"]
    assert movie["lineage"]["model_name"] == "baseline-prior"
    assert movie["lineage"]["prompt_version"] == "embedded-v1"
    probabilities = [p["probability"] for p in movie["genre_probabilities"]]
    assert probabilities == sorted(probabilities, reverse=True)


def test_read_movie_not_found(client: TestClient) -> None:
    response = client.get("/api/movies/999999")
    assert response.status_code == 404 and response.json() == {"detail": "Movie not found"}


def test_the_largest_accepted_id_is_a_plain_404(client: TestClient) -> None:
    assert client.get(f"/api/movies/{2**62}").status_code == 404  # beyond int4 on Postgres


def test_control_characters_in_filters_are_a_clear_422(client: TestClient) -> None:
    response = client.get("/api/movies", params={"genre": "Dra\x00ma"})
    assert response.status_code == 422 and "control characters" in response.text


def test_every_response_of_a_build_names_it(client: TestClient) -> None:
    listing, facets = client.get("/api/movies"), client.get("/api/facets")
    assert listing.headers["x-serving-build"] == facets.headers["x-serving-build"]
    assert listing.headers["x-serving-build"].startswith("serving_")
    detail = client.get(f"/api/movies/{listing.json()['data'][0]['id']}").json()
    assert detail["lineage"]["data_version"] == listing.json()["data_version"]


def test_invalid_score_range_is_a_clear_422(client: TestClient) -> None:
    response = client.get("/api/movies", params={"min_score": 8, "max_score": 2})
    assert response.status_code == 422
    assert "min_score must not be greater than max_score" in response.text
    assert client.get("/api/movies/not-a-number").status_code == 422


def test_facets_count_movies(client: TestClient) -> None:
    facets = client.get("/api/facets").json()
    assert {"value": "Netflix", "count": 4} in facets["platforms"]
    assert {"value": "slow-burn", "count": 6} in facets["tags"]
    assert facets["min_score"] >= 1 and facets["max_score"] <= 10


def test_model_card(client: TestClient) -> None:
    card = client.get("/api/model-card").json()
    assert card["model_name"] == "baseline-prior"
    assert card["summary"]["meta"]["genres"] == ["Drama", "Comedy", "Horror", "Animation"]


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/ready").status_code == 200


def test_not_ready_without_a_published_database(fresh_settings: Settings) -> None:
    with TestClient(create_app(fresh_settings)) as fresh:
        assert fresh.get("/health").status_code == 200
        assert fresh.get("/ready").status_code == 503
        assert fresh.get("/api/movies").status_code == 503


def test_metrics_count_requests_by_route(client: TestClient) -> None:
    client.get("/api/movies/999999")
    text = client.get("/metrics").text
    assert 'api_requests_total{method="GET",route="/api/movies/{movie_id}",status="404"}' in text
    assert "api_request_duration_seconds_bucket" in text


def test_security_headers_and_csp(client: TestClient) -> None:
    headers = client.get("/api/movies").headers
    assert headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"


def test_cors_allows_the_configured_origin_only(client: TestClient) -> None:
    for _ in range(2):  # the second answers come from the response cache
        ok = client.get("/api/movies", headers={"Origin": ORIGIN})
        assert ok.headers["access-control-allow-origin"] == ORIGIN
        evil = client.get("/api/movies", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in evil.headers
    preflight = client.options("/api/movies", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "GET"})  # fmt: skip
    assert preflight.status_code == 400


def test_post_is_405(client: TestClient) -> None:
    response = client.post("/api/movies", json={})
    assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD, OPTIONS"
    assert client.delete("/api/movies/1").status_code == 405


def test_serves_the_built_front_end_when_present(fresh_settings: Settings) -> None:
    dist = fresh_settings.project_dir / "frontend" / "dist"
    dist.mkdir(parents=True)
    (dist / "index.html").write_text("<h1>app</h1>")
    with TestClient(create_app(fresh_settings)) as app_client:
        assert app_client.get("/").text == "<h1>app</h1>"
        assert app_client.get("/health").json()["status"] == "ok"
