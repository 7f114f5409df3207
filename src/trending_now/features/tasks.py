"""Task entries of `trending features` (DVC's `features` stage runs it) and the train DAG's
features task (`dvc repro features`, a no-op when validated data and params are unchanged)."""

from __future__ import annotations

from trending_now import workspace
from trending_now.features import FeaturesResult, run_stage
from trending_now.project import Project, load_project


def features(project: Project | None = None) -> FeaturesResult:
    """Build the documents, the label set and the split from the validated data."""
    project = project or load_project()
    return run_stage(
        validated_dir=project.paths.validated,
        out_dir=project.paths.features,
        params=project.params.features,
        seed=project.params.seed,
    )


def features_with_dvc(project: Project | None = None) -> None:
    """`dvc repro --single-item features`."""
    project = project or load_project()
    workspace.dvc(project.paths.root, "repro", "--single-item", "features")
