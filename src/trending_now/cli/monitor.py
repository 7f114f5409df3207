"""`trending monitor`: drift of the latest validated data against the production model's data.

Registered in `trending_now.cli` as the `monitor` group.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from trending_now.cli.output import console, project_paths
from trending_now.project import load_project

monitor_app = typer.Typer(
    help="Drift, skew and quality monitoring with Evidently.", no_args_is_help=True
)


@monitor_app.command("run")
def run(
    run_id: Annotated[
        str | None, typer.Option(help="Run id of the report folder (default: manual-<UTC time>)")
    ] = None,
) -> None:
    """Compare data/validated with the training data; write reports, the workspace run and
    var/monitor/latest.json. A drift decision here is recorded, not acted on: the Airflow
    monitor DAG is what requests the retrain."""
    from trending_now.monitor.tasks import monitor

    project = load_project()
    with console.status("monitoring (predicting both sides, Evidently reports)"):
        summary = monitor(run_id=run_id, project=project)
    _print_summary(summary.model_dump(mode="json"), project.paths.monitor)


@monitor_app.command("show")
def show() -> None:
    """Print the last run's summary (var/monitor/latest.json)."""
    from trending_now.monitor import LATEST_FILE

    out = project_paths().monitor
    path = out / LATEST_FILE
    if not path.exists():
        console.print(f"no monitor run yet ({path} is missing): run `trending monitor run`")
        raise typer.Exit(1)
    _print_summary(json.loads(path.read_text(encoding="utf-8")), out)


def _print_summary(summary: dict[str, Any], out_dir: Path) -> None:
    """The decision, the per-column tests and where the reports are."""
    out = Console()
    if summary.get("status") != "ok":
        out.print(f"[yellow]nothing compared[/]: {summary['reference'].get('reason')}")
        return
    table = Table(title=f"monitor {summary['run']} (drift share {summary['drift_share']:.2f})")
    for column in ("column", "method", "p-value", "threshold", "drifted"):
        table.add_column(column)
    tests = dict(summary["columns"])
    if "p_value" in summary["prediction_drift"]:
        tests["predicted genre mix"] = summary["prediction_drift"]
    for name, test in tests.items():
        p_value = "-" if test["p_value"] is None else f"{test['p_value']:.3g}"
        drifted = "[red]yes[/]" if test["drifted"] else "no"
        table.add_row(name, test["method"], p_value, f"{test['threshold']:g}", drifted)
    out.print(table)
    verdict = (
        "[red]retrain requested[/]" if summary["retrain_triggered"] else "[green]no retrain[/]"
    )
    out.print(verdict)
    for reason in summary["reasons"] + summary.get("alerts", []):
        out.print(f"  - {reason}")
    # Paths and URLs stay on one line (copy-pastable) whatever the terminal width.
    out.print(f"report:    {out_dir / summary['report_html']}", soft_wrap=True)
    out.print(f"dashboard: {summary['dashboard_url']}", soft_wrap=True)
