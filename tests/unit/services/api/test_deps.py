"""The per-request build view on Postgres: a pointer read at most every POINTER_TTL_S, a
request whose build was pruned under it reruns on the current build instead of failing, and
an unreachable database is a 503 that says so."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi.testclient import TestClient

from services.api import queries
from services.api.deps import BuildView, ServingStore
from services.api.main import create_app
from services.api.schemas import MovieFilter
from tests.unit.services.api.conftest import make_settings
from tests.utils.servers import free_port
from tests.utils.serving import publish_small
from trending_now.ops.localdb import PostgresServer


def test_an_unreachable_database_is_a_clear_503(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/serving"
    with TestClient(create_app(make_settings(tmp_path, url))) as client:
        for path in ("/ready", "/api/movies", "/api/model-card"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert "serving database is unavailable" in response.text
        assert client.get("/health").status_code == 200


def test_a_pruned_build_is_reread_from_the_current_one(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = postgres_server.create_database("serving_view_retry")
    first = publish_small(tmp_path, n=3, with_model=False, url=url)
    store = ServingStore(url)
    store.POINTER_TTL_S = 3600.0  # the pointer read below stays the cached one
    try:
        assert asyncio.run(store.current()) == first.build
        publish_small(tmp_path, n=4, with_model=False, url=url)
        last = publish_small(tmp_path, n=5, with_model=False, url=url)
        assert last.pruned == [first.build]
        assert asyncio.run(store.current()) == first.build  # still within the pointer TTL
        view = BuildView(store, first.build)
        page = asyncio.run(view.run(lambda db: queries.list_movies(db, MovieFilter())))
        assert page.count == 5 and view.build == last.build
    finally:
        store.close()
