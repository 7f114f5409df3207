"""pytest fixtures for real PostgreSQL and Redis servers (Debian packages, loopback, throwaway)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from trending_now.ops.localdb import (
    LocalServerError,
    PostgresServer,
    RedisServer,
    start_postgres,
    start_redis,
)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """One PostgreSQL cluster per test session; tests create their own databases on it."""
    try:
        server = start_postgres(Path(tmp_path_factory.mktemp("postgres")))
    except LocalServerError as exc:  # a missing package is a setup error, not a skip
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    try:
        server = start_redis(Path(tmp_path_factory.mktemp("redis")))
    except LocalServerError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()
