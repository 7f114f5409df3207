"""A TestClient on an API whose serving database was published into tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.api.main import create_app
from tests.utils.serving import db_url, publish_small
from trending_now.config import Settings

ORIGIN = "http://127.0.0.1:5173"


def make_settings(root: Path) -> Settings:
    """Settings whose serving database lives under `root`."""
    return Settings(project_dir=root, serving_db_url=db_url(root), api_cors_origins=[ORIGIN])


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serving")
    publish_small(root, n=12)
    return root


@pytest.fixture
def client(published: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(published))) as test_client:
        yield test_client
