"""Pipeline slice: the real replay server (faults on) -> ingest -> validate, end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.utils.servers import TEST_API_KEY, start_source_server
from trending_now.config import IngestParams, ValidateParams
from trending_now.ingest import run_stage as ingest
from trending_now.ingest.raw import read_jsonl, read_latest
from trending_now.io import write_jsonl
from trending_now.validate import ValidationReport
from trending_now.validate import run_stage as validate

pytestmark = pytest.mark.integration

FAULTS = {
    "error_rate": 0.2,
    "rate_limit_rate": 0.05,
    "malformed_rate": 0.05,
    "retry_after_s": 1,
    "seed": 20260309,
}
# Enough attempts that a 30% per-request fault rate practically never exhausts the budget
# (0.3**12 ~ 5e-7 per request), so re-runs see the same data; short waits keep the test fast.
PARAMS = IngestParams(
    movie_limit=40, max_attempts=12, backoff_base_s=0.005, backoff_max_s=0.02, concurrency=8
)
RUN_FILES = ("trending.jsonl", "movies.jsonl", "reviews.jsonl", "failures.jsonl", "manifest.json")


@pytest.fixture(scope="module")
def faulty_source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_source_server(tmp_path_factory.mktemp("source"), faults=FAULTS) as base_url:
        yield base_url


def _ingest(base_url: str, raw_dir: Path, run_id: str, params: IngestParams = PARAMS) -> Path:
    result = ingest(base_url=base_url, api_key=TEST_API_KEY, salt="integration-salt",
                    params=params, raw_dir=raw_dir, run_id=run_id)  # fmt: skip
    return result.run_dir


def _validate(run_dir: Path, out: Path) -> ValidationReport:
    return validate(raw_run_dir=run_dir, validated_dir=out / "validated",
                    quarantine_dir=out / "quarantine", params=ValidateParams())  # fmt: skip


def _assert_reconciles(report: ValidationReport, out: Path) -> None:
    for counts in (report.movies, report.reviews):
        assert counts.fetched == counts.valid + counts.quarantined
    movies = pd.read_parquet(out / "validated" / "movies.parquet")
    reviews = pd.read_parquet(out / "validated" / "reviews.parquet")
    assert len(movies) == report.movies.valid and len(reviews) == report.reviews.valid
    assert movies["id"].is_unique and reviews["review_id"].is_unique
    assert set(reviews["movie_id"]) <= set(movies["id"])
    for name, counts in (("movies", report.movies), ("reviews", report.reviews)):
        assert len(read_jsonl(out / "quarantine" / f"{name}.jsonl")) == counts.quarantined


def test_reruns_under_faults_are_identical_and_reconcile(
    faulty_source: str, tmp_path: Path
) -> None:
    raw_dir = tmp_path / "raw"
    snapshots = []
    for _ in range(3):
        run_dir = _ingest(faulty_source, raw_dir, "2026-03-09")
        snapshots.append({name: (run_dir / name).read_bytes() for name in RUN_FILES})
        report = _validate(run_dir, tmp_path)
        _assert_reconciles(report, tmp_path)
    assert snapshots[0] == snapshots[1] == snapshots[2]
    manifest = json.loads(snapshots[0]["manifest.json"])
    assert manifest["counts"]["trending"] == 40
    assert manifest["counts"]["movies"] + manifest["counts"]["failures"] >= 40
    assert report.movies.fetched == manifest["counts"]["movies"]
    assert report.reviews.fetched == manifest["counts"]["reviews"]

    other = _ingest(faulty_source, raw_dir, "2026-03-10")
    assert read_latest(raw_dir) == "2026-03-10"
    assert (other / "movies.jsonl").read_bytes() == snapshots[0]["movies.jsonl"]
    assert sorted(p.name for p in raw_dir.iterdir()) == ["2026-03-09", "2026-03-10", "LATEST"]
    _assert_reconciles(_validate(other, tmp_path), tmp_path)


def _corrupt(run_dir: Path) -> tuple[int, int]:
    """Break records of a real run in place: two movies, one review, one duplicated review.

    Returns the (movies, reviews) record counts after corruption.
    """
    movies: list[Any] = read_jsonl(run_dir / "movies.jsonl")
    reviews: list[Any] = read_jsonl(run_dir / "reviews.jsonl")
    movies[0]["details"]["vote_average"] = 42
    movies[1]["details"]["original_language"] = "english"
    good = [r for r in reviews if r["movie_id"] not in {movies[0]["id"], movies[1]["id"]}]
    good[0]["review"]["content"] = "   "
    reviews.append(json.loads(json.dumps(good[1])))  # the same review delivered twice
    write_jsonl(run_dir / "movies.jsonl", movies)
    write_jsonl(run_dir / "reviews.jsonl", reviews)
    return len(movies), len(reviews)


def test_contract_violations_land_in_quarantine(faulty_source: str, tmp_path: Path) -> None:
    run_dir = _ingest(faulty_source, tmp_path / "raw", "corrupted")
    n_movies, n_reviews = _corrupt(run_dir)
    report = _validate(run_dir, tmp_path)
    _assert_reconciles(report, tmp_path)
    assert (report.movies.fetched, report.reviews.fetched) == (n_movies, n_reviews)
    assert report.movies.quarantined == 2
    quarantined = read_jsonl(tmp_path / "quarantine" / "movies.jsonl")
    assert [q["reasons"] for q in quarantined] == [  # type: ignore[index]
        ["vote_average: outside 0-10"],
        ["original_language: not a known language code"],
    ]
    by_reasons: dict[tuple[str, ...], int] = {}
    for q in read_jsonl(tmp_path / "quarantine" / "reviews.jsonl"):
        key = tuple(q["reasons"])  # type: ignore[index]
        by_reasons[key] = by_reasons.get(key, 0) + 1
    orphans = by_reasons.pop(("movie not valid",))
    assert orphans == report.quarantine_reasons["reviews: movie not valid"] > 0
    assert by_reasons == {
        ("content: shorter than 1 chars after stripping",): 1,
        ("(movie_id, content): duplicate", "review_id: duplicate"): 1,
    }
    assert report.reviews.quarantined == orphans + 2


@pytest.mark.slow
def test_whole_snapshot_without_faults(tmp_path: Path) -> None:
    with start_source_server(tmp_path) as base_url:
        params = PARAMS.model_copy(update={"movie_limit": 700})
        run_dir = _ingest(base_url, tmp_path / "raw", "full", params)
    report = _validate(run_dir, tmp_path)
    _assert_reconciles(report, tmp_path)
    assert (report.movies.valid, report.movies.quarantined) == (621, 0)
    assert (report.reviews.valid, report.reviews.quarantined) == (8895, 0)
