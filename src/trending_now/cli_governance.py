"""`trending gate`, `trending models promote|rollback|show`, `trending audit verify`,
`trending mltestscore`, `trending enrichment-gate`: the governance commands.

Registered in cli.py with `add_governance_commands(app, models_app)`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from trending_now.config import get_settings

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
console = Console(stderr=True)
BLOCKED_EXIT = 3  # `trending gate` exits with this when the decision is block


def gate(
    family: Annotated[str, typer.Option(help="xgb | bert")] = "xgb",
    fast: Annotated[bool, typer.Option(help="The candidate was trained in fast mode")] = False,
) -> None:
    """Run the promotion gate on the freshly evaluated model; exit 3 when it is blocked."""
    from trending_now.governance.tasks import gate_candidate

    if family not in ("xgb", "bert"):
        raise typer.BadParameter(f"unknown family {family!r}: expected xgb or bert")
    with console.status("gate: reproducibility refit, serving check, card"):
        summary = gate_candidate(family, fast=fast, actor="cli")
    decision = json.loads(Path(summary["decision_file"]).read_text(encoding="utf-8"))
    table = Table(title=f"gate {summary['name']}@{summary['version']}: {summary['decision']}")
    for column in ("check", "result", "value", "threshold", "why"):
        table.add_column(column)
    for check in decision["checks"]:
        result = "[green]pass[/]" if check["passed"] else "[red]FAIL[/]"
        table.add_row(
            check["name"], result, str(check["value"]), str(check["threshold"]), check["reason"]
        )
    Console().print(table)
    console.print(f"decision: {summary['decision_file']}\ncard: {summary['card']}")
    if summary["decision"] != "promote":
        raise typer.Exit(BLOCKED_EXIT)


def models_promote(
    ref: Annotated[str, typer.Argument(help="<model>@<version>, e.g. genre-xgb@v3")],
    reason: Annotated[str, typer.Option(help="Why (recorded in the tag and the audit log)")] = (
        "promoted by hand"
    ),
    force: Annotated[bool, typer.Option(help="Promote even if the gate blocked it")] = False,
) -> None:
    """Assign `prod` to a version the gate promoted (recorded in the audit log)."""
    from trending_now.governance import audit
    from trending_now.governance.promotion import promote
    from trending_now.governance.tasks import governance_dir
    from trending_now.registry import RegistryError, parse_ref

    settings = get_settings()
    try:
        change = promote(
            settings.project_dir,
            parse_ref(ref),
            governance_dir=governance_dir(settings),
            audit_log=audit.default_log_path(settings),
            reason=reason,
            force=force,
        )
    except RegistryError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    console.print(
        f"[green]{change.name}: prod {change.previous} -> {change.current}[/] "
        f"({change.seconds:.2f} s, audit seq {change.audit_seq})"
    )


def models_rollback(
    name: Annotated[str, typer.Argument(help="genre-xgb | genre-bert")],
    reason: Annotated[str, typer.Option(help="Why (recorded in the tag and the audit log)")] = (
        "rolled back by hand"
    ),
) -> None:
    """Return `prod` to the previous production version in one step (recorded)."""
    from trending_now.governance import audit
    from trending_now.governance.promotion import rollback
    from trending_now.registry import RegistryError

    settings = get_settings()
    try:
        change = rollback(
            settings.project_dir, name, audit_log=audit.default_log_path(settings), reason=reason
        )
    except RegistryError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    console.print(
        f"[green]{name}: prod {change.previous} -> {change.current}[/] "
        f"({change.seconds:.2f} s, audit seq {change.audit_seq})"
    )


def models_show(name: Annotated[str, typer.Argument(help="genre-xgb | genre-bert")]) -> None:
    """The production version, the one a rollback would restore, and the stage history."""
    from trending_now.governance.promotion import read_decision
    from trending_now.governance.tasks import governance_dir
    from trending_now.registry import production, production_stack, stage_history, versions

    settings = get_settings()
    root = settings.project_dir
    history = stage_history(root, name)
    stack = production_stack(history)
    out = Console()
    current = production(root, name)
    out.print(
        f"{name}: prod = {current.version if current else '(none)'}; "
        f"rollback target = {stack[-2].version if len(stack) > 1 else '(none)'}"
    )
    table = Table(title=f"{name} versions")
    for column in ("version", "stages", "commit", "created_at", "gate"):
        table.add_column(column)
    for row in versions(root):
        if row["name"] != name:
            continue
        from trending_now.registry import ModelRef

        decision = read_decision(governance_dir(settings), ModelRef(name, row["version"]))
        verdict = decision["decision"] if decision else "-"
        table.add_row(row["version"], row["stages"], row["commit"], row["created_at"], verdict)
    out.print(table)
    for assignment in history:
        out.print(
            f"  prod#{assignment.number} {assignment.ref.version} {assignment.timestamp} "
            f"{assignment.message}"
        )


@audit_app.command("verify")
def audit_verify(
    log: Annotated[Path | None, typer.Option(help="Default: var/audit/audit.jsonl")] = None,
) -> None:
    """Check the hash chain; exit 1 naming the first broken entry."""
    from trending_now.governance import audit

    path = log or audit.default_log_path(get_settings())
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


def mltestscore() -> None:
    """Write governance/mltestscore.{json,md}: the 28-test rubric of Breck et al. 2017."""
    from trending_now.governance.mltestscore import write_report
    from trending_now.governance.tasks import governance_dir

    settings = get_settings()
    report = write_report(settings.project_dir, governance_dir(settings))
    scores = ", ".join(f"{k} {v['score']}" for k, v in report["sections"].items())
    console.print(f"ML Test Score {report['final']} (minimum of: {scores})")


def enrichment_gate() -> None:
    """Write the enrichment card with its fairness gaps; exit 3 when the run is blocked."""
    from trending_now.governance.tasks import gate_enrichment

    summary = gate_enrichment(actor="cli")
    console.print(json.dumps(summary, indent=2))
    if summary["decision"] != "publish":
        raise typer.Exit(BLOCKED_EXIT)


def add_governance_commands(app: typer.Typer, models_app: typer.Typer) -> None:
    """Attach the governance commands to the main app and the `models` group."""
    app.command("gate")(gate)
    app.command("mltestscore")(mltestscore)
    app.command("enrichment-gate")(enrichment_gate)
    app.add_typer(audit_app, name="audit")
    models_app.command("promote")(models_promote)
    models_app.command("rollback")(models_rollback)
    models_app.command("show")(models_show)
