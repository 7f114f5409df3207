"""The Evidently workspace `evidently ui` serves: a project, its dashboard, a run per monitor run.

The dashboard is written whole on every run from fixed panel ids, so creating it is idempotent:
re-running never duplicates a panel, and a changed panel list here replaces the old one.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trending_now.monitor.drift import DATA_TAG, PREDICTION_COLUMN, PREDICTION_TAG
from trending_now.monitor.profile import COLUMNS

if TYPE_CHECKING:
    from evidently.core.report import Snapshot

_NAMESPACE = uuid.UUID("5b0c6a52-58b8-4f6e-9e0e-7f1e5a3c2d10")
DRIFTED = "evidently:metric_v2:DriftedColumnsCount"
VALUE_DRIFT = "evidently:metric_v2:ValueDrift"


def _id(title: str) -> uuid.UUID:
    """A stable id per panel title: the same dashboard on every run."""
    return uuid.uuid5(_NAMESPACE, title)


def _panels() -> list[Any]:
    from evidently.sdk.models import PanelMetric
    from evidently.sdk.panels import bar_plot_panel, counter_panel, line_plot_panel, text_panel

    def drifted(kind: str) -> PanelMetric:
        return PanelMetric(
            legend=kind, metric=DRIFTED, metric_labels={"value_type": kind}, tags=[DATA_TAG]
        )

    columns = [
        PanelMetric(legend=c, metric=VALUE_DRIFT, metric_labels={"column": c}, tags=[DATA_TAG])
        for c in COLUMNS
    ]
    genre = PanelMetric(
        legend="genre mix",
        metric=VALUE_DRIFT,
        metric_labels={"column": PREDICTION_COLUMN},
        tags=[PREDICTION_TAG],
    )
    panels = [
        text_panel(
            "Trending Now: drift of the latest ingest against the production model's training data",
            description="Thresholds and what requests a retrain: params.yaml `monitor:`, "
            "docs/monitoring.md. Every p-value below its threshold is a drifted column.",
        ),
        counter_panel("Share of drifted columns (last run)", [drifted("share")], size="half"),
        counter_panel("Drifted columns (last run)", [drifted("count")], size="half"),
        line_plot_panel("Share of drifted columns over time", [drifted("share")], size="half"),
        bar_plot_panel("Drifted columns over time", [drifted("count")], size="half"),
        line_plot_panel("Per-column drift p-value over time (low = drifted)", columns, size="full"),
        line_plot_panel(
            "Prediction drift: genre mix p-value over time (low = drifted)", [genre], size="full"
        ),
    ]
    for panel in panels:
        panel.id = _id(panel.title)
    return panels


def dashboard() -> Any:
    """The project dashboard: one tab, the panels above."""
    from evidently.sdk.models import DashboardModel, DashboardTabModel

    panels = _panels()
    tab = DashboardTabModel(id=_id("tab:drift"), title="Drift", panels=[p.id for p in panels])
    return DashboardModel(tabs=[tab], panels=panels)


def open_project(workspace_dir: Path, name: str) -> tuple[Any, Any]:
    """The workspace and its project `name` (created on first use) with the dashboard set."""
    from evidently.ui.workspace import Workspace

    workspace_dir.mkdir(parents=True, exist_ok=True)
    workspace = Workspace(str(workspace_dir))
    found = [p for p in workspace.list_projects() if p.name == name]
    project = found[0] if found else workspace.create_project(name)
    if not found:
        project.description = "Drift of each ingest against the production model's training data"
        project.save()
    workspace.save_dashboard(project.id, dashboard())
    return workspace, project


def add_runs(workspace_dir: Path, name: str, snapshots: list[Snapshot]) -> str:
    """Add the snapshots of one monitor run to the project; return the project id."""
    workspace, project = open_project(workspace_dir, name)
    for snapshot in snapshots:
        workspace.add_run(project.id, snapshot, include_data=False)
    return str(project.id)


def dashboard_url(base_url: str, project_id: str | None) -> str:
    """Where the Evidently UI shows the project (its list of projects without an id)."""
    return f"{base_url}/projects/{project_id}" if project_id else base_url
