"""`trending stack up|down|status|urls` (`make run` / `make down`) and `trending dags trigger`
(the Airflow REST API)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from trending_now.cli.output import console, project_paths
from trending_now.config import get_settings

stack_app = typer.Typer(help="The local stack (`make run` / `make down`).", no_args_is_help=True)
dags_app = typer.Typer(
    help="Trigger and follow Airflow DAG runs over its REST API.", no_args_is_help=True
)


@stack_app.command("up")
def stack_up(
    only: Annotated[list[str] | None, typer.Option(help="Start only these services")] = None,
) -> None:
    """Start the local stack (idempotent) and print where everything is."""
    from trending_now.ops import stack

    stack.ensure_env_file(get_settings())
    get_settings.cache_clear()  # pick up a freshly generated .env
    with console.status("starting the local stack"):
        records = stack.up(get_settings(), only)
    for rec in records:
        console.print(f"[green]up[/] {rec.name} (pid {rec.pid})")


@stack_app.command("down")
def stack_down() -> None:
    """Stop exactly the processes `stack up` started."""
    from trending_now.ops import stack

    stopped = stack.down(get_settings())
    console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@stack_app.command("status")
def stack_status() -> None:
    """List the recorded services and whether each still runs."""
    from trending_now.ops import stack

    for rec in stack.read_records(get_settings()):
        alive = stack.is_alive(rec)
        console.print(f"{rec.name:24} pid {rec.pid:7} {'running' if alive else 'gone'}")


@stack_app.command("urls")
def stack_urls() -> None:
    """Print the URLs of the running stack and the Airflow login."""
    from trending_now.monitor.tasks import dashboard_link
    from trending_now.ops import stack

    settings, paths = get_settings(), project_paths()
    user, password = stack.airflow_login(settings)
    h = settings.host
    out = Console()
    out.print(f"Airflow UI      http://{h}:{settings.airflow_port}  (login {user} / {password})")
    out.print(f"Web app         http://{h}:{settings.api_port}/  (the bubble chart)")
    out.print(f"Trending API    http://{h}:{settings.api_port}/api/movies  (docs: /docs)")
    out.print(f"Replay source   http://{h}:{settings.source_port}/3  (TMDb v3 API shape)")
    out.print(f"AWS emulator    http://{h}:{settings.moto_port}  (moto server)")
    out.print(f"Drift dashboard {dashboard_link(settings, paths)}  (Evidently UI)")
    out.print(f"Logs            {paths.logs}")


@dags_app.command("trigger")
def dags_trigger(
    dag_id: str,
    conf: Annotated[str, typer.Option(help="DAG run conf as JSON")] = "{}",
    wait: Annotated[bool, typer.Option(help="Wait for the run to end")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait")] = 900.0,
) -> None:
    """Trigger a DAG through Airflow's REST API and (by default) wait for it."""
    from trending_now.ops import stack
    from trending_now.ops.airflow_api import AirflowClient

    settings = get_settings()
    user, password = stack.airflow_login(settings)
    client = AirflowClient(f"http://{settings.host}:{settings.airflow_port}", user, password)
    client.wait_for_dag(dag_id)
    run_id = client.trigger(dag_id, json.loads(conf))
    console.print(f"triggered {dag_id} run {run_id}")
    if not wait:
        return
    with console.status(f"waiting for {dag_id} {run_id}"):
        result = client.wait(dag_id, run_id, timeout_s=timeout)
    for task_id, state in result.task_states.items():
        console.print(f"  {task_id:20} {state}")
    if result.state != "success":
        console.print(f"[red]{dag_id} {run_id} ended {result.state}[/]; logs: Airflow UI")
        raise typer.Exit(1)
    console.print(f"[green]{dag_id} {run_id} succeeded[/]")
