"""`trending enrich` and `trending prompts`: the enrich stage and its prompts in Secrets Manager.

Registered in `trending_now.cli` as the `enrich` and `prompts` groups.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from trending_now.cli.output import console
from trending_now.cli.stages import with_progress
from trending_now.project import load_project

if TYPE_CHECKING:
    from trending_now.enrich import EnrichReport

Provider = Literal["embedded", "openai"]

enrich_app = typer.Typer(
    help="LLM enrichment: summaries, vibe scores, vibe tags, LLM genres.",
    invoke_without_command=True,
)
prompts_app = typer.Typer(help="Prompt templates in AWS Secrets Manager.", no_args_is_help=True)


@enrich_app.callback()
def _enrich(ctx: typer.Context) -> None:
    """Enrich validated movies: `trending enrich` is `trending enrich run` with the defaults."""
    if ctx.invoked_subcommand is None:
        run(provider=None, limit=None, concurrency=None, max_cost=None)


@enrich_app.command("run")
def run(
    provider: Annotated[Provider | None, typer.Option(help="Default: params.yaml")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Enrich only the top N movies")] = None,
    concurrency: Annotated[int | None, typer.Option(min=1, max=64, help="Movies in flight")] = None,
    max_cost: Annotated[float | None, typer.Option(min=0, help="Cost cap in USD")] = None,
) -> None:
    """Enrich data/validated into data/enriched (cached results make no provider calls)."""
    from trending_now.enrich.tasks import enrich

    report = with_progress(
        "enrich",
        enrich,
        provider=provider,
        concurrency=concurrency,
        max_cost_usd=max_cost,
        movie_limit=limit,
    )
    _print_report(report)


def _print_report(report: EnrichReport) -> None:
    """The report as a table on stdout."""
    table = Table(title=f"enrich ({report.provider}, {report.model})")
    table.add_column("what")
    table.add_column("value", justify="right")
    shown = report.model_dump(
        include={"movies", "calls", "prompt_tokens", "completion_tokens", "cost_usd"}
    )
    for key, value in shown.items():
        table.add_row(key, json.dumps(value))
    table.add_row("dropped tags", str(report.dropped_tags_total))
    table.add_row("prompt", f"{report.prompt_version} ({report.prompt_secret_version_id})")
    Console().print(table)


@prompts_app.command("push")
def push() -> None:
    """Publish prompts/ (the current version of each prompt) to AWS Secrets Manager."""
    from trending_now.enrich.tasks import push_repo_prompts

    for result in push_repo_prompts():
        state = "[green]published[/]" if result.changed else "unchanged"
        console.print(
            f"{result.name} {result.version}: {state} (secret version {result.version_id})"
        )


@prompts_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Prompt name")] = "enrich",
    full: Annotated[bool, typer.Option(help="Print the template text too")] = False,
) -> None:
    """Show the prompt stored in Secrets Manager and whether it matches the repo."""
    from trending_now.enrich.prompts import fetch_prompt, load_repo_prompts
    from trending_now.enrich.tasks import prompts_client

    project = load_project()
    settings = project.settings
    fetched = fetch_prompt(
        prompts_client(settings), prefix=settings.prompts_secret_prefix, name=name
    )
    repo = load_repo_prompts(project.paths.prompts).get(name)
    template = fetched.template
    out = Console()
    out.print(f"{template.name} {template.version} sha256 {template.sha256[:16]}")
    out.print(f"secret version {fetched.version_id}")
    out.print("matches the repo" if repo == template else "[yellow]differs from the repo[/]")
    if full:
        out.print(template.system, markup=False)
        out.print(template.user, markup=False)
