"""Split a raw run into validated rows and quarantined records, each with all of its reasons.

Order of the rules: record shape (records.py) -> column contract (contracts.py, lazy, so every
failing check is collected) -> cross-table rules: a movie needs text (a non-empty overview or a
valid review), and a review needs a valid movie ("movie not valid"). Every fetched record ends in
exactly one place, which `_reconcile` checks before anything is written.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow as arrow
import pyarrow.parquet as pq
from pandera.errors import SchemaErrors
from pydantic import BaseModel, ConfigDict

from trending_now.config import ValidateParams
from trending_now.ingest import raw
from trending_now.io import atomic_directory, write_json, write_jsonl
from trending_now.validate.contracts import (
    MOVIE_NOT_VALID_REASON,
    NO_TEXT_REASON,
    movie_schema,
    review_schema,
)
from trending_now.validate.records import (
    MOVIES_ARROW,
    REVIEWS_ARROW,
    Flat,
    flatten_movie,
    flatten_review,
    movies_frame,
    reviews_frame,
)

log = logging.getLogger(__name__)

MOVIES_PARQUET = "movies.parquet"
REVIEWS_PARQUET = "reviews.parquet"
REPORT_FILE = "report.json"
QUARANTINE_MOVIES = "movies.jsonl"
QUARANTINE_REVIEWS = "reviews.jsonl"

# pandera's built-in check names, as reasons a person can read.
_CHECK_WORDING = {
    "not_nullable": "missing",
    "field_uniqueness": "duplicate",
    "multiple_fields_uniqueness": "duplicate",
}


class DataContractError(RuntimeError):
    """Too much of a run failed the data contract (outputs are written before this is raised)."""


class TableCounts(BaseModel):
    """Records fetched from the raw run, and where they ended up."""

    model_config = ConfigDict(frozen=True)

    fetched: int
    valid: int
    quarantined: int


class ValidationReport(BaseModel):
    """What `report.json` says about one validate run."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    movies: TableCounts
    reviews: TableCounts
    quarantine_reasons: dict[str, int]
    quarantine_rate: float


@dataclass(frozen=True)
class Table:
    """One table after validation: valid rows, and quarantined records with their reasons."""

    valid: pd.DataFrame
    quarantined: list[dict[str, Any]]
    fetched: int

    @property
    def counts(self) -> TableCounts:
        """Fetched / valid / quarantined."""
        return TableCounts(
            fetched=self.fetched, valid=len(self.valid), quarantined=len(self.quarantined)
        )


@dataclass(frozen=True)
class RawRecords:
    """The parts of a raw run folder the contract looks at."""

    run_id: str
    source: str
    trending: list[Any]
    movies: list[Any]
    reviews: list[Any]


def read_raw_run(run_dir: Path) -> RawRecords:
    """Read a raw run folder (manifest, trending, movies, reviews)."""
    manifest = raw.read_manifest(run_dir)
    return RawRecords(
        run_id=str(manifest.get("run_id") or run_dir.name),
        source=str(manifest.get("source") or "unknown"),
        trending=raw.read_jsonl(run_dir / raw.TRENDING_FILE),
        movies=raw.read_jsonl(run_dir / raw.MOVIES_FILE),
        reviews=raw.read_jsonl(run_dir / raw.REVIEWS_FILE),
    )


def _trending_ranks(trending: list[Any]) -> dict[int, int]:
    """Movie id -> rank from trending.jsonl (malformed lines simply give no rank)."""
    ranks: dict[int, int] = {}
    for entry in trending:
        if isinstance(entry, dict) and isinstance(entry.get("id"), int):
            rank = entry.get("rank")
            ranks.setdefault(entry["id"], rank if isinstance(rank, int) else -1)
    return ranks


def _reason(case: pd.Series, unique: list[str] | None) -> str:
    """One pandera failure case as a reason: `column: what`, or the dataframe check's own text."""
    check = str(case["check"])
    wording = _CHECK_WORDING.get(check, check)
    if check == "multiple_fields_uniqueness" and unique:
        return f"({', '.join(unique)}): {wording}"
    if case["schema_context"] == "DataFrameSchema":
        return wording
    return f"{case['column']}: {wording}"


def _schema_failures(schema: pa.DataFrameSchema, df: pd.DataFrame) -> list[tuple[int, str]]:
    """(row index, reason) for every failing check, collected lazily over the whole frame."""
    try:
        schema.validate(df, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        if cases["index"].isna().any():  # a whole-column failure (dtype, missing column) is our bug
            raise RuntimeError(
                f"schema-level contract failure:\n{cases[cases['index'].isna()]}"
            ) from exc
        unique = list(schema.unique) if schema.unique else None
        return [(int(case["index"]), _reason(case, unique)) for _, case in cases.iterrows()]
    return []


def _collect_reasons(
    flats: list[Flat],
    frame: Callable[[list[dict[str, Any]], list[int]], pd.DataFrame],
    schema: pa.DataFrameSchema,
) -> tuple[pd.DataFrame, list[list[str]]]:
    """The usable rows as a frame, and every record's reasons (shape problems, then checks)."""
    reasons = [list(f.reasons) for f in flats]
    usable = [i for i, f in enumerate(flats) if not f.fatal]
    df = frame([flats[i].row for i in usable], usable)
    for idx, reason in sorted(_schema_failures(schema, df)):
        column = reason.split(":", 1)[0]
        explained = any(r.startswith(f"{column}: ") for r in reasons[idx])
        if reason not in reasons[idx] and not (explained and reason.endswith(": missing")):
            reasons[idx].append(reason)
    return df, reasons


def _quarantine_entry(record: Any, reasons: list[str], run_id: str) -> dict[str, Any]:
    """A quarantine line: the raw record as read (or the unparsable line's text) and why."""
    if isinstance(record, raw.UnparsedLine):
        record = record.text
    return {"record": record, "reasons": reasons, "run_id": run_id}


def _split(df: pd.DataFrame, records: list[Any], reasons: list[list[str]], run_id: str) -> Table:
    """Valid rows (record order) and quarantine entries from per-record reasons."""
    valid_idx = [i for i, r in enumerate(reasons) if not r]
    quarantined = [_quarantine_entry(records[i], r, run_id) for i, r in enumerate(reasons) if r]
    return Table(df.loc[valid_idx].reset_index(drop=True), quarantined, len(records))


def _apply_text_rule(movies: pd.DataFrame, reasons: list[list[str]], reviewed: set[int]) -> None:
    """A valid movie with an empty overview needs at least one valid review."""
    for idx, movie_id, overview in zip(movies.index, movies["id"], movies["overview"], strict=True):
        has_text = not isinstance(overview, str) or bool(overview.strip())
        if not reasons[idx] and not has_text and int(movie_id) not in reviewed:
            reasons[idx].append(NO_TEXT_REASON)


def _apply_movie_rule(reviews: pd.DataFrame, reasons: list[list[str]], valid_ids: set[int]) -> None:
    """A review whose movie is absent or quarantined is quarantined too."""
    for idx, movie_id in zip(reviews.index, reviews["movie_id"], strict=True):
        if int(movie_id) not in valid_ids:
            reasons[idx].append(MOVIE_NOT_VALID_REASON)


def _row_valid_ids(df: pd.DataFrame, reasons: list[list[str]], column: str) -> set[int]:
    """Values of `column` over the rows that have no reason so far."""
    return {int(v) for i, v in zip(df.index, df[column], strict=True) if not reasons[i]}


def validate_run(run: RawRecords, *, params: ValidateParams, today: date) -> tuple[Table, Table]:
    """Apply the contract to one raw run: (movies, reviews), each valid + quarantined."""
    ranks = _trending_ranks(run.trending)
    movie_flats = [
        flatten_movie(r, trending_rank=ranks, run_id=run.run_id, source=run.source)
        for r in run.movies
    ]
    review_flats = [flatten_review(r, run_id=run.run_id) for r in run.reviews]
    movies, movie_reasons = _collect_reasons(
        movie_flats, movies_frame, movie_schema(params, today=today)
    )
    reviews, review_reasons = _collect_reasons(review_flats, reviews_frame, review_schema(params))
    _apply_text_rule(movies, movie_reasons, _row_valid_ids(reviews, review_reasons, "movie_id"))
    _apply_movie_rule(reviews, review_reasons, _row_valid_ids(movies, movie_reasons, "id"))
    return (
        _split(movies, run.movies, movie_reasons, run.run_id),
        _split(reviews, run.reviews, review_reasons, run.run_id),
    )


def _reconcile(name: str, table: Table) -> None:
    """Nothing is lost: fetched == valid + quarantined (checked even under `python -O`)."""
    counts = table.counts
    if counts.fetched != counts.valid + counts.quarantined:
        raise AssertionError(f"{name}: fetched {counts.fetched} != valid + quarantined {counts}")


def build_report(run_id: str, movies: Table, reviews: Table) -> ValidationReport:
    """Counts, reasons (prefixed by table) and the quarantine rate (the worse table's)."""
    reasons: Counter[str] = Counter()
    for name, table in (("movies", movies), ("reviews", reviews)):
        _reconcile(name, table)
        reasons.update(f"{name}: {r}" for q in table.quarantined for r in q["reasons"])
    rates = [t.counts.quarantined / t.fetched for t in (movies, reviews) if t.fetched]
    return ValidationReport(
        run_id=run_id,
        movies=movies.counts,
        reviews=reviews.counts,
        quarantine_reasons=dict(sorted(reasons.items())),
        quarantine_rate=round(max(rates, default=0.0), 6),
    )


def _write_parquet(path: Path, df: pd.DataFrame, schema: arrow.Schema) -> None:
    """Write a frame with the exact validated Arrow schema."""
    table = arrow.Table.from_pandas(df[schema.names], schema=schema, preserve_index=False)
    pq.write_table(table.replace_schema_metadata(None), path)


def write_outputs(
    movies: Table,
    reviews: Table,
    report: ValidationReport,
    *,
    validated_dir: Path,
    quarantine_dir: Path,
) -> None:
    """Replace the quarantine folder, then the validated folder, each as a whole."""
    with atomic_directory(quarantine_dir) as stage:
        write_jsonl(stage / QUARANTINE_MOVIES, movies.quarantined)
        write_jsonl(stage / QUARANTINE_REVIEWS, reviews.quarantined)
    with atomic_directory(validated_dir) as stage:
        _write_parquet(stage / MOVIES_PARQUET, movies.valid, MOVIES_ARROW)
        _write_parquet(stage / REVIEWS_PARQUET, reviews.valid, REVIEWS_ARROW)
        write_json(stage / REPORT_FILE, report.model_dump())


def run_stage(
    *, raw_run_dir: Path, validated_dir: Path, quarantine_dir: Path, params: ValidateParams
) -> ValidationReport:
    """Validate one raw run folder; write validated Parquet, quarantine JSONL and report.json.

    Raises DataContractError after writing when the quarantine rate exceeds
    `params.max_quarantine_rate`.
    """
    run = read_raw_run(raw_run_dir)
    movies, reviews = validate_run(run, params=params, today=date.today())
    report = build_report(run.run_id, movies, reviews)
    write_outputs(
        movies, reviews, report, validated_dir=validated_dir, quarantine_dir=quarantine_dir
    )
    log.info(
        "validated run %s: movies %s, reviews %s, quarantine rate %.3f",
        run.run_id,
        movies.counts,
        reviews.counts,
        report.quarantine_rate,
    )
    if report.quarantine_rate > params.max_quarantine_rate:
        raise DataContractError(
            f"run {run.run_id}: quarantine rate {report.quarantine_rate:.3f} exceeds "
            f"max_quarantine_rate {params.max_quarantine_rate} (see {quarantine_dir}); "
            f"reasons: {report.quarantine_reasons}"
        )
    return report
