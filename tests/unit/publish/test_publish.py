"""The publish stage: lineage on every row, unenriched movies kept, build-then-swap atomically."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.utils.serving import db_url, publish_small
from trending_now.config import PublishParams
from trending_now.publish import run_stage
from trending_now.publish.db import sqlite_pointer


def _rows(pointer: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{pointer}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def test_every_movie_carries_lineage(tmp_path: Path) -> None:
    result = publish_small(tmp_path)
    rows = _rows(result.pointer, "SELECT data_version, model_name, model_version FROM movies")
    assert len(rows) == result.movies == 12
    assert {r[0] for r in rows} == {result.data_version}
    assert result.data_version.startswith("validated-sha256:")
    assert {r[1] for r in rows} == {"baseline-prior"}
    assert {str(r[2]).startswith("unregistered-") for r in rows} == {True}
    enriched = _rows(
        result.pointer, "SELECT prompt_version, provider FROM movies WHERE is_enriched"
    )
    assert set(enriched) == {("embedded-v1", "embedded")}


def test_unenriched_movies_are_published_and_marked(tmp_path: Path) -> None:
    result = publish_small(tmp_path)
    flags = _rows(result.pointer, "SELECT is_enriched, summary, vibe_score FROM movies")
    assert result.enriched == 6 and len(flags) == 12
    assert all(s is None and v is None for e, s, v in flags if not e)
    assert all(s and v for e, s, v in flags if e)


def test_without_a_model_predictions_are_omitted_with_the_reason(tmp_path: Path) -> None:
    result = publish_small(tmp_path, with_model=False)
    assert result.predicted == 0 and "predictions" in result.omitted
    assert _rows(result.pointer, "SELECT COUNT(*) FROM movies WHERE predicted_genres IS NULL") == [
        (12,)
    ]
    assert "reason" in str(_rows(result.pointer, "SELECT card FROM model_card")[0][0])


def test_raw_dvc_md5_is_the_data_version(tmp_path: Path) -> None:
    publish_small(tmp_path)
    dvc_file = tmp_path / "raw.dvc"
    dvc_file.write_text("outs:\n- md5: abc123.dir\n  path: raw\n")
    result = run_stage(
        validated_dir=tmp_path / "validated", enriched_dir=tmp_path / "missing", model_dir=None,
        db_url=db_url(tmp_path), params=PublishParams(), raw_dvc=dvc_file,
    )  # fmt: skip
    assert result.data_version == "raw-md5:abc123" and result.enriched == 0


def test_a_reader_of_the_old_build_keeps_working_after_the_swap(tmp_path: Path) -> None:
    first = publish_small(tmp_path)
    reader = sqlite3.connect(f"file:{first.pointer}?mode=ro", uri=True)
    assert reader.execute("SELECT COUNT(*) FROM movies").fetchone() == (12,)
    second = publish_small(tmp_path, n=8)
    assert second.pointer.resolve() == second.build != first.build
    assert reader.execute("SELECT COUNT(*) FROM movies").fetchone() == (12,)  # old file, intact
    reader.close()
    assert _rows(second.pointer, "SELECT COUNT(*) FROM movies") == [(8,)]
    assert first.build.exists(), "the previous build is kept for rollback"


def test_a_failed_build_leaves_the_previous_one_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish_small(tmp_path)

    def explode(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("boom while building")

    monkeypatch.setattr("trending_now.publish.facet_rows", explode)
    with pytest.raises(RuntimeError, match="boom"):
        publish_small(tmp_path, n=8)
    assert first.pointer.resolve() == first.build
    assert sorted(p.name for p in first.pointer.parent.glob("serving-*")) == [first.build.name]


def test_a_failure_while_writing_deletes_the_partial_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish_small(tmp_path)
    monkeypatch.setattr("trending_now.publish.ModelCard", None)  # fails inside the transaction
    with pytest.raises(TypeError):
        publish_small(tmp_path, n=8)
    assert first.pointer.resolve() == first.build
    assert [p.name for p in first.pointer.parent.glob("serving-*")] == [first.build.name]


def test_old_builds_are_pruned_to_keep(tmp_path: Path) -> None:
    builds = [publish_small(tmp_path, n=4).build for _ in range(3)]
    assert sorted(tmp_path.joinpath("serving").glob("serving-*")) == builds[1:]


def test_postgres_is_refused_clearly() -> None:
    with pytest.raises(NotImplementedError, match="not supported yet"):
        sqlite_pointer("postgresql+psycopg://u@localhost/serving")
