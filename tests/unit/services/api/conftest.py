"""A TestClient on an API whose serving database was published into tmp_path, on SQLite and on
a real PostgreSQL (every test of this package runs on both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.api.main import create_app
from tests.utils.serving import ServingBackend, publish_small, serving_backend, write_governance
from trending_now.config import Settings

__all__ = ["serving_backend"]  # the parametrized fixture, imported to be collected here
ORIGIN = "http://127.0.0.1:5173"


def make_settings(root: Path, url: str) -> Settings:
    """Settings whose project (var/, frontend/) is `root` and serving database is `url`."""
    return Settings(project_dir=root, serving_db_url=url, api_cors_origins=[ORIGIN])


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory, serving_backend: ServingBackend
) -> Settings:
    """12 factory movies published with every governance document of the model."""
    root = tmp_path_factory.mktemp(f"serving-{serving_backend.name}")
    url = serving_backend.url(root)
    first = publish_small(root, n=12, url=url)
    assert first.model_name and first.model_version
    write_governance(root, first.model_name, first.model_version)
    publish_small(root, n=12, url=url, governance=True)
    return make_settings(root, url)


@pytest.fixture
def client(published: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(published)) as test_client:
        yield test_client


@pytest.fixture
def fresh_settings(tmp_path: Path, serving_backend: ServingBackend) -> Settings:
    """Settings on an empty workspace: nothing published on this backend yet."""
    return make_settings(tmp_path, serving_backend.url(tmp_path))
