"""`trending gate`, `trending enrichment-gate`, `trending mltestscore`, `trending audit verify`:
the governance commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from trending_now.cli.output import BLOCKED_EXIT, console, project_paths

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def gate(
    family: Annotated[Literal["xgb", "bert"], typer.Option(help="Model family")] = "xgb",
    fast: Annotated[bool, typer.Option(help="The candidate was trained in fast mode")] = False,
) -> None:
    """Run the promotion gate on the freshly evaluated model; exit 3 when it is blocked."""
    from trending_now.governance.tasks import gate_candidate

    with console.status("gate: reproducibility refit, serving check, card"):
        summary = gate_candidate(family, fast=fast, actor="cli")
    decision = json.loads(Path(summary.decision_file).read_text(encoding="utf-8"))
    table = Table(title=f"gate {summary.name}@{summary.version}: {summary.decision}")
    for column in ("check", "result", "value", "threshold", "why"):
        table.add_column(column)
    for check in decision["checks"]:
        result = "[green]pass[/]" if check["passed"] else "[red]FAIL[/]"
        table.add_row(
            check["name"], result, str(check["value"]), str(check["threshold"]), check["reason"]
        )
    Console().print(table)
    console.print(f"decision: {summary.decision_file}\ncard: {summary.card}")
    if not summary.promote:
        raise typer.Exit(BLOCKED_EXIT)


def enrichment_gate() -> None:
    """Write the enrichment card with its fairness gaps; exit 3 when the run is blocked."""
    from trending_now.governance.tasks import gate_enrichment

    verdict = gate_enrichment(actor="cli")
    console.print(verdict.model_dump_json(indent=2))
    if verdict.decision != "publish":
        raise typer.Exit(BLOCKED_EXIT)


def mltestscore() -> None:
    """Write governance/mltestscore.{json,md}: the 28-test rubric of Breck et al. 2017."""
    from trending_now.governance.tasks import mltestscore as run

    report = run()
    scores = ", ".join(f"{k} {v['score']}" for k, v in report["sections"].items())
    console.print(f"ML Test Score {report['final']} (minimum of: {scores})")


@audit_app.command("verify")
def audit_verify(
    log: Annotated[Path | None, typer.Option(help="Default: var/audit/audit.jsonl")] = None,
) -> None:
    """Check the hash chain; exit 1 naming the first broken entry."""
    from trending_now import audit

    path = log or project_paths().audit_log
    result = audit.verify(path)
    if result.ok:
        console.print(
            f"[green]OK[/] {result.entries} entries, chain intact ({path}); "
            f"kinds {result.kinds}; head {result.last_hash[:16]}"
        )
        return
    console.print(
        f"[red]BROKEN[/] at seq {result.broken_seq}: {result.reason} "
        f"({result.entries} entries before it verify)"
    )
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach the governance commands to the root app."""
    app.command("gate")(gate)
    app.command("enrichment-gate")(enrichment_gate)
    app.command("mltestscore")(mltestscore)
    app.add_typer(audit_app, name="audit")
