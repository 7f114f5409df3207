"""Serving URLs and build ids: which backend a URL names, and ids safe to splice into SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from trending_now.publish.builds import (
    BUILD_RE,
    PostgresBuilds,
    ServingBuildError,
    SqliteBuilds,
    build_name,
    open_builds,
)


def test_sqlite_url_names_the_pointer_file(tmp_path: Path) -> None:
    builds = open_builds(f"sqlite:///{tmp_path}/serving/current.sqlite3")
    assert isinstance(builds, SqliteBuilds)
    assert builds.pointer == tmp_path / "serving" / "current.sqlite3"
    assert builds.current() is None and builds.names() == []


def test_postgres_url_without_a_driver_uses_psycopg3() -> None:
    builds = open_builds("postgresql://u@127.0.0.1:5432/serving")
    assert isinstance(builds, PostgresBuilds)
    assert builds.url.startswith("postgresql+psycopg://u@127.0.0.1:5432/serving")
    builds.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [("mysql+pymysql://u@h/db", "not supported"), ("sqlite://", "needs a file path"),
     ("sqlite:///:memory:", "needs a file path")],
)  # fmt: skip
def test_unusable_urls_are_refused_clearly(url: str, message: str) -> None:
    with pytest.raises(ServingBuildError, match=message):
        open_builds(url)


def test_build_ids_sort_by_time_and_are_safe_identifiers() -> None:
    early = build_name(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC))
    late = build_name(datetime(2026, 11, 2, 3, 4, 5, 6, tzinfo=UTC))
    assert early == "serving_20260102t030405000006z" and early < late
    assert BUILD_RE.match(early) and BUILD_RE.match(late)


@pytest.mark.parametrize("bad", ['serving_1"; DROP SCHEMA public; --', "../etc", "serving_x"])
def test_malformed_build_ids_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ServingBuildError, match="not a serving build id"):
        SqliteBuilds(tmp_path / "current.sqlite3").path(bad)
