"""The validate stage on raw run folders: outputs, reconciliation, atomic replace, the rate gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.utils.raw_records import make_movie_record, make_review_record, write_raw_run
from trending_now.config import ValidateParams
from trending_now.ingest.raw import read_jsonl
from trending_now.validate import DataContractError, ValidationReport, run_stage
from trending_now.validate import quarantine as stage
from trending_now.validate.quarantine import Table
from trending_now.validate.records import MOVIES_ARROW, REVIEWS_ARROW

PARAMS = ValidateParams(max_quarantine_rate=0.5)


def _raw_run(raw_dir: Path, run_id: str = "run-1") -> Path:
    """Four movies (one bad) and six reviews (one bad, one of the bad movie)."""
    movies = [
        make_movie_record(1),
        make_movie_record(2, vote_average=42),
        make_movie_record(3, runtime=None),
        make_movie_record(4),
    ]
    reviews = [
        make_review_record(1, "a"),
        make_review_record(1, "b", content=" "),
        make_review_record(2, "c"),
        make_review_record(3, "d"),
        make_review_record(4, "e"),
        make_review_record(4, "f"),
    ]
    return write_raw_run(raw_dir, run_id, movies, reviews)


def _run(tmp_path: Path, run_dir: Path, params: ValidateParams = PARAMS) -> ValidationReport:
    return run_stage(
        raw_run_dir=run_dir,
        validated_dir=tmp_path / "validated",
        quarantine_dir=tmp_path / "quarantine",
        params=params,
    )


def test_counts_reconcile_and_report_is_written(tmp_path: Path) -> None:
    report = _run(tmp_path, _raw_run(tmp_path / "raw"))
    written = json.loads((tmp_path / "validated" / "report.json").read_text())
    assert written == report.model_dump()
    assert written == {
        "run_id": "run-1",
        "movies": {"fetched": 4, "valid": 3, "quarantined": 1},
        "reviews": {"fetched": 6, "valid": 4, "quarantined": 2},
        "quarantine_reasons": {
            "movies: vote_average: outside 0-10": 1,
            "reviews: content: shorter than 1 chars after stripping": 1,
            "reviews: movie not valid": 1,
        },
        "quarantine_rate": 0.333333,
    }


def test_parquet_has_the_contract_schema(tmp_path: Path) -> None:
    _run(tmp_path, _raw_run(tmp_path / "raw"))
    assert (
        pq.read_schema(tmp_path / "validated" / "movies.parquet").remove_metadata() == MOVIES_ARROW
    )
    assert (
        pq.read_schema(tmp_path / "validated" / "reviews.parquet").remove_metadata()
        == REVIEWS_ARROW
    )
    movies = pd.read_parquet(tmp_path / "validated" / "movies.parquet")
    assert movies["id"].tolist() == [1, 3, 4]
    assert movies["runtime"].isna().tolist() == [False, True, False]
    assert set(movies["run_id"]) == {"run-1"} and set(movies["source"]) == {"test"}
    reviews = pd.read_parquet(tmp_path / "validated" / "reviews.parquet")
    assert reviews["review_id"].tolist() == ["a", "d", "e", "f"]
    assert reviews["created_at"].dt.tz is not None


def test_quarantine_files_hold_records_and_reasons(tmp_path: Path) -> None:
    _run(tmp_path, _raw_run(tmp_path / "raw"))
    movies = read_jsonl(tmp_path / "quarantine" / "movies.jsonl")
    assert movies == [
        {
            "record": make_movie_record(2, vote_average=42),
            "reasons": ["vote_average: outside 0-10"],
            "run_id": "run-1",
        }
    ]
    reviews = read_jsonl(tmp_path / "quarantine" / "reviews.jsonl")
    assert [(q["record"]["review"]["id"], q["reasons"]) for q in reviews] == [
        ("b", ["content: shorter than 1 chars after stripping"]),
        ("c", ["movie not valid"]),
    ]


def test_unparsable_lines_are_quarantined_not_fatal(tmp_path: Path) -> None:
    run_dir = _raw_run(tmp_path / "raw")
    with (run_dir / "movies.jsonl").open("a", encoding="utf-8") as fh:
        fh.write("{truncated\n")
    report = _run(tmp_path, run_dir)
    assert report.movies.fetched == 5
    assert report.movies.quarantined == 2
    assert read_jsonl(tmp_path / "quarantine" / "movies.jsonl")[-1] == {
        "record": "{truncated",
        "reasons": ["record: not valid JSON"],
        "run_id": "run-1",
    }


def test_rerun_replaces_outputs_whole(tmp_path: Path) -> None:
    _run(tmp_path, _raw_run(tmp_path / "raw"))
    (tmp_path / "validated" / "stale.txt").write_text("from an older layout")
    clean = write_raw_run(
        tmp_path / "raw", "run-2", [make_movie_record(9)], [make_review_record(9, "z")]
    )
    report = _run(tmp_path, clean)
    assert report.movies.valid == 1 and report.reviews.valid == 1
    assert sorted(p.name for p in (tmp_path / "validated").iterdir()) == [
        "movies.parquet", "report.json", "reviews.parquet",
    ]  # fmt: skip
    assert (tmp_path / "quarantine" / "movies.jsonl").read_text() == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quarantine", "raw", "validated"]


def test_crash_while_writing_keeps_previous_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(tmp_path, _raw_run(tmp_path / "raw"))
    before = {p.name: p.read_bytes() for p in (tmp_path / "validated").iterdir()}
    clean = write_raw_run(tmp_path / "raw", "run-2", [make_movie_record(9)], [])

    def explode(*_: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(stage, "_write_parquet", explode)
    with pytest.raises(OSError, match="disk full"):
        _run(tmp_path, clean)
    assert {p.name: p.read_bytes() for p in (tmp_path / "validated").iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quarantine", "raw", "validated"]


def test_rate_above_the_limit_raises_after_writing(tmp_path: Path) -> None:
    run_dir = _raw_run(tmp_path / "raw")
    with pytest.raises(DataContractError, match=r"quarantine rate 0\.333 exceeds"):
        _run(tmp_path, run_dir, ValidateParams(max_quarantine_rate=0.2))
    report = json.loads((tmp_path / "validated" / "report.json").read_text())
    assert report["quarantine_rate"] == 0.333333
    assert len(read_jsonl(tmp_path / "quarantine" / "reviews.jsonl")) == 2


def test_rate_is_the_worse_tables_rate(tmp_path: Path) -> None:
    reviews = [make_review_record(1, str(i)) for i in range(20)]
    run_dir = write_raw_run(
        tmp_path / "raw", "run-1", [make_movie_record(1), make_movie_record(2, genres=[])], reviews
    )
    report = _run(tmp_path, run_dir)
    assert report.reviews.quarantined == 0
    assert report.quarantine_rate == 0.5


def test_empty_run(tmp_path: Path) -> None:
    report = _run(tmp_path, write_raw_run(tmp_path / "raw", "run-1", [], []))
    assert report.quarantine_rate == 0.0
    assert pd.read_parquet(tmp_path / "validated" / "movies.parquet").empty


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    run_dir = _raw_run(tmp_path / "raw")
    (run_dir / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"manifest\.json"):
        _run(tmp_path, run_dir)
    assert not (tmp_path / "validated").exists()


def test_reconcile_refuses_lost_records() -> None:
    table = Table(valid=pd.DataFrame({"id": [1]}), quarantined=[], fetched=2)
    with pytest.raises(AssertionError, match="fetched 2"):
        stage.build_report("run-1", table, table)
