"""`trending`: one command per pipeline stage, plus the registry, governance, the local stack and
Airflow helpers. One module per command group:

| module | commands |
| --- | --- |
| `stages.py` | ingest, validate, features, train, evaluate, predict, publish |
| `enrich.py` | enrich (run), prompts (push, show) |
| `governance.py` | gate, enrichment-gate, mltestscore, audit (verify) |
| `models.py` | models (list, register, promote, rollback, show), reproduce |
| `monitor.py` | monitor (run, show) |
| `stack.py` | stack (up, down, status, urls), dags (trigger) |
| `deploy.py` | distributed (up, down, urls, status), infra (deploy-local, bootstrap) |

A command parses its options and calls a stage's task entry (`trending_now.<stage>.tasks`), the
same function the Airflow task calls; the entry reads settings and params.yaml.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.logging import RichHandler

from trending_now.cli import deploy, enrich, governance, models, monitor, stack, stages
from trending_now.cli.output import console

app = typer.Typer(help="Trending Now: the MLOps reference pipeline.", no_args_is_help=True)


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False)],
    )
    # httpx logs every request at INFO; URLs never carry our key, but keep the output readable.
    logging.getLogger("httpx").setLevel(logging.WARNING)


stages.register(app)
governance.register(app)
models.register(app)
app.add_typer(enrich.enrich_app, name="enrich")
app.add_typer(enrich.prompts_app, name="prompts")
app.add_typer(monitor.monitor_app, name="monitor")
app.add_typer(stack.stack_app, name="stack")
app.add_typer(stack.dags_app, name="dags")
app.add_typer(deploy.distributed_app, name="distributed")
app.add_typer(deploy.infra_app, name="infra")

__all__ = ["app"]
