"""`trending distributed` (Airflow on Celery without Docker) and `trending infra` (AWS stack).

Registered in `trending_now.cli` as the `distributed` and `infra` groups.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from trending_now.cli.output import console
from trending_now.config import get_settings

if TYPE_CHECKING:
    from trending_now.ops.infra.bootstrap import BootstrapReport

distributed_app = typer.Typer(
    help="Airflow with the CeleryExecutor on PostgreSQL + Redis, two workers (no Docker).",
    no_args_is_help=True,
)
infra_app = typer.Typer(
    help="The AWS stack (CloudFormation): deploy and bootstrap.", no_args_is_help=True
)


def _dist_var() -> Path:
    return get_settings().var_path / "distributed"


@distributed_app.command("up")
def distributed_up(
    port_base: Annotated[int, typer.Option(help="First of six consecutive ports")] = 8800,
    workers: Annotated[int, typer.Option(min=1, max=8, help="Celery workers")] = 2,
) -> None:
    """Start the distributed stack (idempotent) and print where everything is."""
    from trending_now.ops import distributed, stack

    stack.ensure_env_file(get_settings())
    get_settings.cache_clear()  # pick up a freshly generated .env
    ports = distributed.DistributedPorts.from_base(port_base)
    dist = distributed.make_stack(get_settings(), ports, workers=workers)
    with console.status("starting PostgreSQL, Redis, Airflow and the Celery workers"):
        records = distributed.up(dist)
    for rec in records:
        console.print(f"[green]up[/] {rec.name} (pid {rec.pid})")
    distributed_urls()


@distributed_app.command("down")
def distributed_down() -> None:
    """Stop exactly what `distributed up` started (Airflow and workers, Redis, PostgreSQL)."""
    from trending_now.ops import distributed

    stopped = distributed.down(_dist_var())
    console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@distributed_app.command("urls")
def distributed_urls() -> None:
    """Print the URLs of the running distributed stack and the Airflow login."""
    from trending_now.ops import distributed, stack

    dist = distributed.load_stack(get_settings(), _dist_var())
    user, password = stack.airflow_login(dist.settings)
    h, p = dist.settings.host, dist.ports
    out = Console()
    out.print(f"Airflow UI      {dist.airflow_url}  (login {user} / {password})")
    out.print(f"Celery workers  {', '.join(dist.worker_names())} (broker redis://{h}:{p.redis})")
    out.print(f"PostgreSQL      postgresql://postgres@{h}:{p.postgres}/airflow")
    out.print(f"Replay source   http://{h}:{p.source}/3")
    out.print(f"AWS emulator    http://{h}:{p.moto}")
    out.print(f"Logs            {dist.settings.var_path / 'log'}")
    out.print(
        f"Trigger         TRENDING_AIRFLOW_PORT={p.airflow} TRENDING_VAR_DIR={_dist_var()} "
        "trending dags trigger trending_ingest --conf '{\"movie_limit\": 50}'"
    )


@distributed_app.command("status")
def distributed_status() -> None:
    """List the recorded processes of the distributed stack and whether each still runs."""
    from trending_now.config import Settings
    from trending_now.ops import stack

    for rec in stack.read_records(Settings(var_dir=_dist_var())):
        alive = stack.is_alive(rec)
        console.print(f"{rec.name:24} pid {rec.pid:7} {'running' if alive else 'gone'}")


@infra_app.command("deploy-local")
def infra_deploy_local() -> None:
    """Deploy the CloudFormation stack into the local AWS emulator, then bootstrap it."""
    from trending_now.ops import stack
    from trending_now.ops.infra.local import deploy_local

    stack.ensure_env_file(get_settings())
    get_settings.cache_clear()
    result = deploy_local(get_settings())
    _print_report(result.deployed.outputs, result.report)


@infra_app.command("bootstrap")
def infra_bootstrap(
    stack_name: Annotated[str, typer.Option(help="The deployed CloudFormation stack")],
    fix: Annotated[
        bool | None,
        typer.Option(help="Apply what is missing (default: only against an emulator endpoint)"),
    ] = None,
) -> None:
    """After `aws cloudformation deploy`: check what exists and set the secret values."""
    from trending_now.ops.infra.bootstrap import bootstrap
    from trending_now.ops.infra.deploy import describe_stack, session

    settings = get_settings()
    endpoint = settings.aws_endpoint_url  # None = real AWS (credentials from boto3's chain)
    sess = session(settings.aws_region)
    deployed = describe_stack(sess, endpoint, stack_name)
    report = bootstrap(
        sess, endpoint, deployed, settings, fix=endpoint is not None if fix is None else fix
    )
    _print_report(deployed.outputs, report)
    if report.unfixed:
        raise typer.Exit(1)


def _print_report(outputs: dict[str, str], report: BootstrapReport) -> None:
    out = Console()
    for key, value in sorted(outputs.items()):
        out.print(f"{key:24} {value}")
    for finding in report.findings:
        mark = "[green]applied[/]" if finding.fixed else "[red]differs[/]"
        out.print(f"{mark} {finding.resource}.{finding.what}: {finding.detail}")
    for name, state in report.secrets.items():
        hint = (
            f"  (set it: aws secretsmanager put-secret-value --secret-id {name} "
            "--secret-string ...)"
            if state == "empty"
            else ""
        )
        out.print(f"secret {name}: {state}{hint}")
