"""`trending`: one command per pipeline stage, plus the local stack and Airflow helpers.

Settings and params.yaml are read here, at the edge, and passed down as arguments.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from trending_now.cli_deploy import distributed_app, infra_app
from trending_now.cli_enrich import enrich_app, prompts_app
from trending_now.cli_governance import add_governance_commands
from trending_now.cli_monitor import monitor_app
from trending_now.config import get_settings, load_params

app = typer.Typer(help="Trending Now: the MLOps reference pipeline.", no_args_is_help=True)
stack_app = typer.Typer(help="The local stack (`make run` / `make down`).", no_args_is_help=True)
dags_app = typer.Typer(
    help="Trigger and follow Airflow DAG runs over its REST API.", no_args_is_help=True
)
app.add_typer(stack_app, name="stack")
app.add_typer(dags_app, name="dags")
models_app = typer.Typer(help="The model registry (GTO git tags).", no_args_is_help=True)
app.add_typer(models_app, name="models")
add_governance_commands(app, models_app)  # gate, models promote|rollback|show, audit, mltestscore
app.add_typer(enrich_app, name="enrich")
app.add_typer(prompts_app, name="prompts")
app.add_typer(monitor_app, name="monitor")
app.add_typer(distributed_app, name="distributed")
app.add_typer(infra_app, name="infra")
console = Console(stderr=True)


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False)],
    )
    # httpx logs every request at INFO; URLs never carry our key, but keep the output readable.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _print_counts(title: str, counts: dict[str, Any]) -> None:
    table = Table(title=title)
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in counts.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    Console().print(table)


@app.command()
def ingest(
    run_id: Annotated[
        str | None, typer.Option(help="Raw run id (default: manual-<UTC time>)")
    ] = None,
    source: Annotated[str | None, typer.Option(help="replay | tmdb (default: settings)")] = None,
    window: Annotated[str | None, typer.Option(help="Trending window: day | week")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Movies to take from trending")] = None,
) -> None:
    """Fetch trending movies, reviews and providers into data/raw/<run id>/."""
    from trending_now.pipeline import ingest_from_source

    rid = run_id or "manual-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with Progress(
        TextColumn("[bold]ingest[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bar = progress.add_task(rid, total=None)

        def _advance(done: int, total: int) -> None:
            progress.update(bar, completed=done, total=total)

        done = ingest_from_source(
            run_id=rid, source=source, time_window=window, movie_limit=limit, on_progress=_advance
        )
    manifest = json.loads((get_settings().data_path / "raw" / done / "manifest.json").read_text())
    _print_counts(f"ingest {done}", manifest["counts"])


@app.command()
def validate(
    run: Annotated[str, typer.Option(help="Raw run id, or 'latest'")] = "latest",
    raw_dir: Annotated[Path | None, typer.Option(help="Default: <data>/raw")] = None,
    out: Annotated[Path | None, typer.Option(help="Default: <data>/validated")] = None,
    quarantine: Annotated[Path | None, typer.Option(help="Default: <data>/quarantine")] = None,
) -> None:
    """Apply the data contract: valid rows to Parquet, the rest to quarantine with reasons."""
    from trending_now.ingest.raw import check_run_id, read_latest
    from trending_now.validate import run_stage

    settings = get_settings()
    params = load_params(settings.params_path)
    raw = raw_dir or settings.data_path / "raw"
    run_id = read_latest(raw) if run == "latest" else check_run_id(run)
    report = run_stage(
        raw_run_dir=raw / run_id,
        validated_dir=out or settings.data_path / "validated",
        quarantine_dir=quarantine or settings.data_path / "quarantine",
        params=params.validate_,
    )
    _print_counts(f"validate {run_id}", _as_dict(report))


@app.command()
def features() -> None:
    """Build one cleaned document per movie, the genre label set and the grouped split."""
    from trending_now.features import run_stage

    settings = get_settings()
    params = load_params(settings.params_path)
    result = run_stage(
        validated_dir=settings.data_path / "validated",
        out_dir=settings.data_path / "features",
        params=params.features,
        seed=params.seed,
    )
    _print_counts("features", {"genres": len(result.labels.genres), **result.split_counts})


def _ml_dirs() -> dict[str, Path]:
    root = get_settings().project_dir
    return {
        "features_dir": get_settings().data_path / "features",
        "models_dir": root / "models",
        "metrics_dir": root / "metrics",
        "plots_dir": root / "plots",
    }


@app.command()
def train(
    models: Annotated[
        list[str] | None, typer.Option("--model", help="Train only these (default: train.models)")
    ] = None,
    fast: Annotated[bool, typer.Option(help="Fast mode: a subsample and a small search")] = False,
    evaluate: Annotated[
        bool, typer.Option(help="Score on test at the end (DVC runs `trending evaluate` instead)")
    ] = True,
    tracker: Annotated[str | None, typer.Option(help="wandb | mlflow | none")] = None,
) -> None:
    """Fit the genre classifiers on train, tune thresholds on valid, track the run."""
    from trending_now.tracking import get_tracker
    from trending_now.train import run_stage

    settings = get_settings()
    params = load_params(settings.params_path)
    train_params = params.train
    if fast:
        train_params = train_params.model_copy(
            update={"fast": train_params.fast.model_copy(update={"enabled": True})}
        )
    kind = tracker or settings.tracker
    with console.status("training"):
        result = run_stage(
            **_ml_dirs(),
            params=train_params,
            evaluate_params=params.evaluate,
            seed=params.seed,
            tracker=get_tracker(kind, settings.var_path),  # type: ignore[arg-type]
            repo_dir=settings.project_dir,
            only=models,
            evaluate=evaluate,
        )
    rows = {name: f"valid macro-F1 {f1:.4f}" for name, f1 in result.valid_macro_f1.items()}
    for name, report in result.test_reports.items():
        rows[name] += f", test macro-F1 {report.overall.macro_f1:.4f}"
    _print_counts("train", rows)


@app.command()
def evaluate(
    models: Annotated[
        list[str] | None, typer.Option("--model", help="Score only these (default: all trained)")
    ] = None,
    tracker: Annotated[str | None, typer.Option(help="wandb | mlflow | none")] = None,
) -> None:
    """Score every trained model once on the held-out test split; write metrics and plots."""
    from trending_now.evaluate import run_stage
    from trending_now.features.io import DOCUMENTS_FILE, LABELS_FILE
    from trending_now.tracking import get_tracker
    from trending_now.tracking.base import run_config
    from trending_now.train import log_evaluation

    settings = get_settings()
    params = load_params(settings.params_path)
    dirs = _ml_dirs()
    wanted = models or params.train.models
    names = [m for m in wanted if (dirs["models_dir"] / m).is_dir()]
    if not names:
        raise typer.BadParameter(f"no trained models under {dirs['models_dir']}: run train first")
    config = run_config(
        {"seed": params.seed, "evaluate": params.evaluate.model_dump(), "models": names},
        data_files=[dirs["features_dir"] / f for f in (DOCUMENTS_FILE, LABELS_FILE)],
        repo_dir=settings.project_dir,
    )
    run_tracker = get_tracker(tracker or settings.tracker, settings.var_path)  # type: ignore[arg-type]
    with run_tracker.start_run("evaluate", config):
        result = run_stage(**dirs, model_names=names, params=params.evaluate)
        log_evaluation(
            run_tracker, result.reports, dirs["models_dir"], dirs["metrics_dir"], dirs["plots_dir"]
        )
    _print_counts(
        "evaluate (test split)",
        {
            name: f"micro {r.overall.micro_f1:.4f}  macro {r.overall.macro_f1:.4f}"
            for name, r in result.reports.items()
        },
    )


@app.command()
def predict(
    model: Annotated[
        str, typer.Option(help="<model>@<version> (e.g. genre-xgb@v1) or a model directory")
    ],
    input: Annotated[
        Path, typer.Option(help="Movies in the shipped snapshot's schema (.jsonl[.xz|.gz])")
    ],
    output: Annotated[Path, typer.Option(help="Where to write predictions (JSON Lines)")],
) -> None:
    """Predict genres (probabilities and decided labels) for movies the pipeline never saw."""
    from trending_now.features.snapshot import UnusableRecordsError
    from trending_now.io import atomic_write_text, read_records
    from trending_now.registry import resolve_model_dir
    from trending_now.train.predict import predict_movies

    settings = get_settings()
    model_dir = resolve_model_dir(settings.project_dir, model, settings.var_path / "models")
    try:
        rows = predict_movies(model_dir, list(read_records(input)))
    except UnusableRecordsError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    atomic_write_text(output, "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
    console.print(f"{len(rows)} predictions written to {output}")


@app.command()
def publish() -> None:
    """Build the serving database (movies, predictions, enrichments) and swap it in atomically."""
    from trending_now.publish.tasks import publish_serving_db

    summary = publish_serving_db(get_settings())
    _print_counts("publish", summary)


@models_app.command("list")
def models_list() -> None:
    """Registered model versions with their commits and stages."""
    from trending_now.registry import versions

    table = Table(title="model versions")
    for column in ("name", "version", "stages", "commit", "created_at"):
        table.add_column(column)
    for row in versions(get_settings().project_dir):
        table.add_row(*(row[c] for c in ("name", "version", "stages", "commit", "created_at")))
    Console().print(table)


@models_app.command("register")
def models_register(
    name: Annotated[str, typer.Argument(help="genre-xgb | genre-bert")],
    message: Annotated[str, typer.Option(help="Annotation of the version tag")] = "",
) -> None:
    """Commit dvc.lock, params and metrics and tag the commit as the next version of NAME."""
    from trending_now.registry import register

    ref = register(get_settings().project_dir, name, message=message or f"register {name}")
    console.print(f"[green]registered {ref.tag}[/]")


@app.command()
def reproduce(
    model: Annotated[str, typer.Argument(help="<model>@<version>, e.g. genre-xgb@v1")],
    bert_tolerance: Annotated[float, typer.Option(help="Max metric difference for BERT")] = 0.01,
) -> None:
    """Rebuild a registered version in a clean worktree and compare it with its record."""
    from trending_now.registry import parse_ref
    from trending_now.reproduce import reproduce as run_reproduce

    settings = get_settings()
    with console.status(f"reproducing {model} (dvc pull, dvc repro --force)"):
        report = run_reproduce(
            settings.project_dir,
            parse_ref(model),
            workdir=settings.var_path / "reproduce",
            bert_tolerance=bert_tolerance,
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


def _as_dict(obj: Any) -> dict[str, Any]:
    if hasattr(obj, "model_dump"):
        return dict(obj.model_dump())
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(obj)
    return dict(obj)


@stack_app.command("up")
def stack_up(
    only: Annotated[list[str] | None, typer.Option(help="Start only these services")] = None,
) -> None:
    """Start the local stack (idempotent) and print where everything is."""
    from trending_now import stack

    settings = get_settings()
    stack.ensure_env_file(settings)
    get_settings.cache_clear()  # pick up a freshly generated .env
    settings = get_settings()
    with console.status("starting the local stack"):
        records = stack.up(settings, only)
    for rec in records:
        console.print(f"[green]up[/] {rec.name} (pid {rec.pid})")


@stack_app.command("down")
def stack_down() -> None:
    """Stop exactly the processes `stack up` started."""
    from trending_now import stack

    stopped = stack.down(get_settings())
    console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@stack_app.command("status")
def stack_status() -> None:
    """List the recorded services and whether each still runs."""
    from trending_now import stack

    settings = get_settings()
    for rec in stack.read_records(settings):
        alive = stack._is_alive(rec)
        console.print(f"{rec.name:24} pid {rec.pid:7} {'running' if alive else 'gone'}")


@stack_app.command("urls")
def stack_urls() -> None:
    """Print the URLs of the running stack and the Airflow login."""
    from trending_now import stack
    from trending_now.monitor.tasks import dashboard_link

    settings = get_settings()
    user, password = stack.airflow_login(settings)
    h = settings.host
    out = Console()
    out.print(f"Airflow UI      http://{h}:{settings.airflow_port}  (login {user} / {password})")
    out.print(f"Web app         http://{h}:{settings.api_port}/  (the bubble chart)")
    out.print(f"Trending API    http://{h}:{settings.api_port}/api/movies  (docs: /docs)")
    out.print(f"Replay source   http://{h}:{settings.source_port}/3  (TMDb v3 API shape)")
    out.print(f"AWS emulator    http://{h}:{settings.moto_port}  (moto server)")
    out.print(f"Drift dashboard {dashboard_link(settings)}  (Evidently UI)")
    out.print(f"Logs            {settings.var_path / 'log'}")


@dags_app.command("trigger")
def dags_trigger(
    dag_id: str,
    conf: Annotated[str, typer.Option(help="DAG run conf as JSON")] = "{}",
    wait: Annotated[bool, typer.Option(help="Wait for the run to end")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait")] = 900.0,
) -> None:
    """Trigger a DAG through Airflow's REST API and (by default) wait for it."""
    from trending_now import stack
    from trending_now.airflow_api import AirflowClient

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


if __name__ == "__main__":
    app()
