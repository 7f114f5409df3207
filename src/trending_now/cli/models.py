"""`trending models list|register|promote|rollback|show` and `trending reproduce`: the registry.

A version is a GTO tag; promotion needs the gate's `promote` decision (`--force` overrides, and
the override is audited); rollback returns `prod` to the previous production version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from trending_now.cli.output import console, project_paths

if TYPE_CHECKING:
    from trending_now.registry.promotion import StageChange

models_app = typer.Typer(help="The model registry (GTO git tags).", no_args_is_help=True)


@models_app.command("list")
def models_list() -> None:
    """Registered model versions with their commits and stages."""
    from trending_now.registry.versions import versions

    table = Table(title="model versions")
    columns = ("name", "version", "stages", "commit", "created_at")
    for column in columns:
        table.add_column(column)
    for row in versions(project_paths().root):
        table.add_row(*(row[c] for c in columns))
    Console().print(table)


@models_app.command("register")
def models_register(
    name: Annotated[str, typer.Argument(help="genre-xgb | genre-bert")],
    message: Annotated[str, typer.Option(help="Annotation of the version tag")] = "",
) -> None:
    """Commit dvc.lock, params and metrics and tag the commit as the next version of NAME."""
    from trending_now.registry.versions import register

    ref = register(project_paths().root, name, message=message or f"register {name}")
    console.print(f"[green]registered {ref.tag}[/]")


@models_app.command("promote")
def models_promote(
    ref: Annotated[str, typer.Argument(help="<model>@<version>, e.g. genre-xgb@v3")],
    reason: Annotated[str, typer.Option(help="Why (in the tag and the audit log)")] = (
        "promoted by hand"
    ),
    force: Annotated[bool, typer.Option(help="Promote even if the gate blocked it")] = False,
) -> None:
    """Assign `prod` to a version the gate promoted (recorded in the audit log)."""
    from trending_now.registry.promotion import promote
    from trending_now.registry.versions import RegistryError, parse_ref

    paths = project_paths()
    try:
        change = promote(
            paths.root,
            parse_ref(ref),
            governance_dir=paths.governance,
            audit_log=paths.audit_log,
            reason=reason,
            force=force,
        )
    except RegistryError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    _print_change(change)


@models_app.command("rollback")
def models_rollback(
    name: Annotated[str, typer.Argument(help="genre-xgb | genre-bert")],
    reason: Annotated[str, typer.Option(help="Why (in the tag and the audit log)")] = (
        "rolled back by hand"
    ),
) -> None:
    """Return `prod` to the previous production version in one step (recorded)."""
    from trending_now.registry.promotion import rollback
    from trending_now.registry.versions import RegistryError

    paths = project_paths()
    try:
        change = rollback(paths.root, name, audit_log=paths.audit_log, reason=reason)
    except RegistryError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    _print_change(change)


def _print_change(change: StageChange) -> None:
    console.print(
        f"[green]{change.name}: prod {change.previous} -> {change.current}[/] "
        f"({change.seconds:.2f} s, audit seq {change.audit_seq})"
    )


@models_app.command("show")
def models_show(name: Annotated[str, typer.Argument(help="genre-xgb | genre-bert")]) -> None:
    """The production version, the one a rollback would restore, and the stage history."""
    from trending_now.registry.promotion import read_decision
    from trending_now.registry.versions import (
        ModelRef,
        production,
        production_stack,
        stage_history,
        versions,
    )

    paths = project_paths()
    history = stage_history(paths.root, name)
    stack = production_stack(history)
    current = production(paths.root, name)
    out = Console()
    out.print(
        f"{name}: prod = {current.version if current else '(none)'}; "
        f"rollback target = {stack[-2].version if len(stack) > 1 else '(none)'}"
    )
    table = Table(title=f"{name} versions")
    for column in ("version", "stages", "commit", "created_at", "gate"):
        table.add_column(column)
    for row in (r for r in versions(paths.root) if r["name"] == name):
        decision = read_decision(paths.governance, ModelRef(name, row["version"]))
        verdict = decision["decision"] if decision else "-"
        table.add_row(row["version"], row["stages"], row["commit"], row["created_at"], verdict)
    out.print(table)
    for a in history:
        out.print(f"  prod#{a.number} {a.ref.version} {a.timestamp} {a.message}")


def reproduce(
    model: Annotated[str, typer.Argument(help="<model>@<version>, e.g. genre-xgb@v1")],
    bert_tolerance: Annotated[float, typer.Option(help="Max metric difference for BERT")] = 0.01,
) -> None:
    """Rebuild a registered version in a clean worktree and compare it with its record."""
    from trending_now.registry.reproduce import reproduce as run_reproduce
    from trending_now.registry.versions import parse_ref

    paths = project_paths()
    with console.status(f"reproducing {model} (dvc pull, dvc repro --force)"):
        report = run_reproduce(
            paths.root, parse_ref(model), workdir=paths.reproduce, bert_tolerance=bert_tolerance
        )
    for item in report.compared:
        console.print(f"compared {item}")
    if report.ok:
        console.print(f"[green]PASS[/] {report.ref} reproduced exactly ({report.worktree})")
        return
    console.print(f"[red]FAIL[/] {report.ref}: {len(report.diffs)} difference(s)")
    for diff in report.diffs:
        console.print(f"  {diff}")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach `models` and `reproduce` to the root app."""
    app.add_typer(models_app, name="models")
    app.command()(reproduce)
