"""The publish stage: lineage on every row, unenriched movies kept, build-then-swap atomically.

Every test runs on SQLite and on a real PostgreSQL server (`serving_backend`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.utils.serving import ServingBackend, publish_small, serving_backend
from trending_now.config import PublishParams
from trending_now.publish import run_stage
from trending_now.publish.builds import ServingBuilds, open_builds
from trending_now.publish.db import ModelCard, Movie

__all__ = ["serving_backend"]


@pytest.fixture
def url(tmp_path: Path, serving_backend: ServingBackend) -> str:
    return serving_backend.url(tmp_path)


@pytest.fixture
def builds(url: str) -> Iterator[ServingBuilds]:
    opened = open_builds(url)
    yield opened
    opened.dispose()


def _rows(builds: ServingBuilds, query: Any) -> list[tuple[Any, ...]]:
    """Rows of `query` on the current build."""
    current = builds.current()
    assert current is not None
    with builds.session(current) as session:
        return [tuple(row) for row in session.execute(query)]


def test_every_movie_carries_lineage(tmp_path: Path, url: str, builds: ServingBuilds) -> None:
    result = publish_small(tmp_path, url=url)
    rows = _rows(builds, select(Movie.data_version, Movie.model_name, Movie.model_version))
    assert len(rows) == result.movies == 12
    assert {r[0] for r in rows} == {result.data_version}
    assert result.data_version.startswith("validated-sha256:")
    assert {r[1] for r in rows} == {"baseline-prior"}
    assert {str(r[2]).startswith("unregistered-") for r in rows} == {True}
    enriched = _rows(builds, select(Movie.prompt_version, Movie.provider).where(Movie.is_enriched))
    assert set(enriched) == {("embedded-v1", "embedded")}


def test_unenriched_movies_are_published_and_marked(
    tmp_path: Path, url: str, builds: ServingBuilds
) -> None:
    result = publish_small(tmp_path, url=url)
    flags = _rows(builds, select(Movie.is_enriched, Movie.summary, Movie.vibe_score))
    assert result.enriched == 6 and len(flags) == 12
    assert all(s is None and v is None for e, s, v in flags if not e)
    assert all(s and v for e, s, v in flags if e)


def test_without_a_model_predictions_are_omitted_with_the_reason(
    tmp_path: Path, url: str, builds: ServingBuilds
) -> None:
    result = publish_small(tmp_path, with_model=False, url=url)
    assert result.predicted == 0 and "predictions" in result.omitted
    unpredicted = select(func.count()).where(Movie.predicted_genres.is_(None))
    assert _rows(builds, unpredicted) == [(12,)]
    assert "reason" in _rows(builds, select(ModelCard.card))[0][0]


def test_raw_dvc_md5_is_the_data_version(tmp_path: Path, url: str) -> None:
    publish_small(tmp_path, url=url)
    dvc_file = tmp_path / "raw.dvc"
    dvc_file.write_text("outs:\n- md5: abc123.dir\n  path: raw\n")
    result = run_stage(
        validated_dir=tmp_path / "validated", enriched_dir=tmp_path / "missing", model_dir=None,
        db_url=url, params=PublishParams(), raw_dvc=dvc_file,
    )  # fmt: skip
    assert result.data_version == "raw-md5:abc123" and result.enriched == 0


def test_a_reader_of_the_old_build_keeps_working_after_the_swap(
    tmp_path: Path, url: str, builds: ServingBuilds
) -> None:
    first = publish_small(tmp_path, url=url)
    count = select(func.count()).select_from(Movie)
    with builds.session(first.build) as reader:
        assert reader.scalar(count) == 12
        second = publish_small(tmp_path, n=8, url=url)
        assert builds.current() == second.build != first.build
        assert reader.scalar(count) == 12  # the old build, intact, mid-transaction
    assert _rows(builds, count) == [(8,)]
    assert builds.names() == [first.build, second.build], "the previous build is kept for rollback"


def test_a_failed_build_leaves_the_previous_one_current(
    tmp_path: Path, url: str, builds: ServingBuilds, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish_small(tmp_path, url=url)

    def explode(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("boom while building")

    monkeypatch.setattr("trending_now.publish.facet_rows", explode)
    with pytest.raises(RuntimeError, match="boom"):
        publish_small(tmp_path, n=8, url=url)
    assert builds.current() == first.build
    assert builds.names() == [first.build]


def test_a_failure_while_writing_deletes_the_partial_build(
    tmp_path: Path, url: str, builds: ServingBuilds, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish_small(tmp_path, url=url)
    monkeypatch.setattr("trending_now.publish.ModelCard", None)  # fails inside the transaction
    with pytest.raises(TypeError):
        publish_small(tmp_path, n=8, url=url)
    assert builds.current() == first.build
    assert builds.names() == [first.build]


def test_old_builds_are_pruned_to_keep(tmp_path: Path, url: str, builds: ServingBuilds) -> None:
    published = [publish_small(tmp_path, n=4, url=url) for _ in range(3)]
    assert builds.names() == [p.build for p in published[1:]]
    assert published[2].pruned == [published[0].build]


def test_rollback_points_back_at_the_previous_build(
    tmp_path: Path, url: str, builds: ServingBuilds
) -> None:
    first, second = publish_small(tmp_path, n=5, url=url), publish_small(tmp_path, n=7, url=url)
    assert builds.rollback() == first.build and builds.current() == first.build
    assert _rows(builds, select(func.count()).select_from(Movie)) == [(5,)]
    assert builds.names() == [first.build, second.build]
