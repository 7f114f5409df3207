"""Task entries of `trending validate` (DVC's `validate` stage runs it) and the ingest DAG's
validate task (`dvc repro validate`, which runs the command only when its inputs changed)."""

from __future__ import annotations

import json
from pathlib import Path

from trending_now import workspace
from trending_now.ingest.raw import check_run_id, read_latest
from trending_now.project import Project, load_project
from trending_now.validate.quarantine import REPORT_FILE, ValidationReport, run_stage


def validate(
    *,
    run: str = "latest",
    raw_dir: Path | None = None,
    out: Path | None = None,
    quarantine: Path | None = None,
    project: Project | None = None,
) -> ValidationReport:
    """Apply the data contract to one raw run (`latest` = the newest); write the outputs."""
    project = project or load_project()
    paths = project.paths
    raw = raw_dir or paths.raw
    run_id = read_latest(raw) if run == "latest" else check_run_id(run)
    return run_stage(
        raw_run_dir=raw / run_id,
        validated_dir=out or paths.validated,
        quarantine_dir=quarantine or paths.quarantine,
        params=project.params.validate_,
    )


def validate_with_dvc(project: Project | None = None) -> ValidationReport:
    """`dvc repro validate` (a no-op when the raw data and params are unchanged); the report."""
    project = project or load_project()
    workspace.dvc(project.paths.root, "repro", "validate")
    report = json.loads((project.paths.validated / REPORT_FILE).read_text(encoding="utf-8"))
    return ValidationReport.model_validate(report)
