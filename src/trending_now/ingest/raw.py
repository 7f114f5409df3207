"""The raw run folder `data/raw/<run_id>/`: deterministic, atomic JSON Lines writers and readers.

Every file is serialised the same way (keys sorted, UTF-8, compact separators, one object per
line, no NaN), so a re-run of the same run id over the same source writes byte-identical files.
A run folder is staged in a temporary directory beside its final place and renamed in only when
complete; `LATEST` is written last, so a crash never exposes a half-written run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trending_now.io import atomic_directory, atomic_write_text, write_json, write_jsonl

LATEST_FILE = "LATEST"
TRENDING_FILE = "trending.jsonl"
MOVIES_FILE = "movies.jsonl"
REVIEWS_FILE = "reviews.jsonl"
FAILURES_FILE = "failures.jsonl"
MANIFEST_FILE = "manifest.json"

# A run id becomes a directory name: letters, digits, '.', '_', '-'; not starting with '.' or '-'
# (hidden/temporary names are ours) and never the name of the LATEST pointer file.
_RUN_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True)
class RawRun:
    """The records of one ingest run, in the order they are written."""

    trending: list[dict[str, Any]] = field(default_factory=list)
    movies: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Records per file, as the manifest reports them."""
        return {
            "trending": len(self.trending),
            "movies": len(self.movies),
            "reviews": len(self.reviews),
            "failures": len(self.failures),
        }


@dataclass(frozen=True)
class UnparsedLine:
    """A JSON Lines line that is not valid JSON, kept so that it can be quarantined."""

    line_no: int
    text: str
    error: str


def check_run_id(run_id: str) -> str:
    """Return `run_id` if it is a safe single path component, else raise ValueError."""
    if not _RUN_ID.fullmatch(run_id) or run_id == LATEST_FILE:
        raise ValueError(
            f"invalid run id {run_id!r}: use 1-128 of [A-Za-z0-9._-], "
            f"not starting with '.' or '-', and not {LATEST_FILE!r}"
        )
    return run_id


def read_jsonl(path: Path) -> list[Any | UnparsedLine]:
    """Parse a JSON Lines file; a line that is not JSON comes back as an `UnparsedLine`."""
    records: list[Any | UnparsedLine] = []
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                records.append(UnparsedLine(line_no, line.rstrip("\n"), str(exc)))
    return records


def write_run(raw_dir: Path, run_id: str, run: RawRun, manifest: dict[str, Any]) -> Path:
    """Write `raw_dir/<run_id>/` (all five files) atomically; return the run folder."""
    run_dir = raw_dir / check_run_id(run_id)
    with atomic_directory(run_dir) as stage:
        write_jsonl(stage / TRENDING_FILE, run.trending)
        write_jsonl(stage / MOVIES_FILE, run.movies)
        write_jsonl(stage / REVIEWS_FILE, run.reviews)
        write_jsonl(stage / FAILURES_FILE, run.failures)
        write_json(stage / MANIFEST_FILE, manifest)
    return run_dir


def write_latest(raw_dir: Path, run_id: str) -> None:
    """Point `raw_dir/LATEST` at `run_id` (atomically; the run folder must exist)."""
    if not (raw_dir / check_run_id(run_id)).is_dir():
        raise FileNotFoundError(f"no run folder {raw_dir / run_id}: write the run before LATEST")
    atomic_write_text(raw_dir / LATEST_FILE, run_id + "\n")


def read_latest(raw_dir: Path) -> str:
    """The run id `raw_dir/LATEST` names (validated), or FileNotFoundError if there is none."""
    path = raw_dir / LATEST_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run the ingest stage first")
    return check_run_id(path.read_text(encoding="utf-8").strip())


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The run's manifest.json as a dict."""
    manifest = json.loads((run_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    if not isinstance(manifest, dict):
        raise ValueError(f"{run_dir / MANIFEST_FILE}: expected a JSON object")
    return manifest
