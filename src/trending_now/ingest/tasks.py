"""Task entries of the ingest DAG and `trending ingest`: the project in, one call, a summary out.

`ingest` fetches one run from the source into `data/raw/<run id>/` and audits it; `version_raw`
records the raw data with `dvc add`; `push` sends everything DVC versions to its remote.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from pydantic import BaseModel

from trending_now import audit, workspace
from trending_now.config import with_overrides
from trending_now.ingest import ProgressCallback, run_stage
from trending_now.paths import safe_run_id
from trending_now.project import Project, load_project

log = logging.getLogger(__name__)


class IngestSummary(BaseModel):
    """One ingest run: its id, the source it read and how many records each file holds."""

    run_id: str
    source: str
    counts: dict[str, int]


def default_run_id(prefix: str = "manual") -> str:
    """`manual-<UTC time>`: the id of a run nobody named."""
    return f"{prefix}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def ingest(
    *,
    run_id: str | None = None,
    source: str | None = None,
    time_window: str | None = None,
    movie_limit: int | None = None,
    on_progress: ProgressCallback | None = None,
    project: Project | None = None,
) -> IngestSummary:
    """Fetch one run with params.yaml's `ingest:` block (the non-None options override it)."""
    project = project or load_project()
    settings = project.settings
    params = with_overrides(project.params.ingest, time_window=time_window, movie_limit=movie_limit)
    chosen = source or settings.source
    result = run_stage(
        base_url=settings.source_base_url(chosen),
        api_key=settings.require_tmdb_api_key(),
        salt=settings.require_pseudonym_salt(),
        params=params,
        raw_dir=project.paths.raw,
        run_id=safe_run_id(run_id or default_run_id()),
        source_name="tmdb-replay" if chosen == "replay" else "tmdb",
        on_progress=on_progress,
    )
    summary = IngestSummary(run_id=result.run_dir.name, source=chosen, counts=dict(result.counts))
    log.info("ingest %s: %s", summary.run_id, summary.counts)
    details = {**summary.model_dump(), "params": params.model_dump()}
    audit.append_event(project.paths.audit_log, "ingest", details)
    return summary


def version_raw(project: Project | None = None) -> str:
    """`dvc add data/raw`; return the md5 DVC recorded for the directory."""
    project = project or load_project()
    workspace.dvc(project.paths.root, "add", str(project.paths.raw.relative_to(project.paths.root)))
    md5 = workspace.dvc_file_md5(project.paths.raw_dvc)
    if md5 is None:
        raise workspace.WorkspaceError(f"{project.paths.raw_dvc} has no md5 after dvc add")
    return md5


def push(project: Project | None = None) -> None:
    """`dvc push` everything versioned to the default remote."""
    project = project or load_project()
    workspace.dvc(project.paths.root, "push")
