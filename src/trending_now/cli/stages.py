"""`trending ingest|validate|features|train|evaluate|predict|publish`: one command per stage.

DVC's stages run these commands (dvc.yaml); the Airflow tasks call the same task entries.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from trending_now.cli.output import console, print_counts

Source = Literal["replay", "tmdb"]
Window = Literal["day", "week"]
TrackerName = Literal["wandb", "mlflow", "none"]
_T = TypeVar("_T")


def with_progress(label: str, run: Callable[..., _T], **options: Any) -> _T:
    """`run(**options, on_progress=...)` under a progress bar on stderr (done of total)."""
    columns = (TextColumn(f"[bold]{label}[/]"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        bar = progress.add_task(label, total=None)
        return run(
            **options,
            on_progress=lambda done, total: progress.update(bar, completed=done, total=total),
        )


def ingest(
    run_id: Annotated[
        str | None, typer.Option(help="Raw run id (default: manual-<UTC time>)")
    ] = None,
    source: Annotated[Source | None, typer.Option(help="Default: settings")] = None,
    window: Annotated[Window | None, typer.Option(help="Trending window")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Movies to take from trending")] = None,
) -> None:
    """Fetch trending movies, reviews and providers into data/raw/<run id>/."""
    from trending_now.ingest.tasks import ingest as run

    summary = with_progress(
        "ingest", run, run_id=run_id, source=source, time_window=window, movie_limit=limit
    )
    print_counts(f"ingest {summary.run_id}", summary.counts)


def validate(
    run: Annotated[str, typer.Option(help="Raw run id, or 'latest'")] = "latest",
    raw_dir: Annotated[Path | None, typer.Option(help="Default: <data>/raw")] = None,
    out: Annotated[Path | None, typer.Option(help="Default: <data>/validated")] = None,
    quarantine: Annotated[Path | None, typer.Option(help="Default: <data>/quarantine")] = None,
) -> None:
    """Apply the data contract: valid rows to Parquet, the rest to quarantine with reasons."""
    from trending_now.validate.tasks import validate as run_validate

    report = run_validate(run=run, raw_dir=raw_dir, out=out, quarantine=quarantine)
    print_counts(f"validate {report.run_id}", report.model_dump())


def features() -> None:
    """Build one cleaned document per movie, the genre label set and the grouped split."""
    from trending_now.features.tasks import features as run

    result = run()
    print_counts("features", {"genres": len(result.labels.genres), **result.split_counts})


def train(
    models: Annotated[
        list[str] | None, typer.Option("--model", help="Train only these (default: train.models)")
    ] = None,
    fast: Annotated[bool, typer.Option(help="Fast mode: params.yaml's train.fast block")] = False,
    tracker: Annotated[TrackerName | None, typer.Option(help="Default: settings")] = None,
) -> None:
    """Fit the genre classifiers on train, tune thresholds on valid, track the run."""
    from trending_now.train.tasks import train as run

    with console.status("training"):
        result = run(models=models, fast=fast, tracker=tracker)
    rows = {name: f"valid macro-F1 {f1:.4f}" for name, f1 in result.valid_macro_f1.items()}
    print_counts("train", rows)


def evaluate(
    models: Annotated[
        list[str] | None, typer.Option("--model", help="Score only these (default: all trained)")
    ] = None,
    tracker: Annotated[TrackerName | None, typer.Option(help="Default: settings")] = None,
) -> None:
    """Score every trained model once on the held-out test split; write metrics and plots."""
    from trending_now.evaluate.tasks import NothingToEvaluate
    from trending_now.evaluate.tasks import evaluate as run

    try:
        result = run(models=models, tracker=tracker)
    except NothingToEvaluate as exc:
        raise typer.BadParameter(str(exc)) from exc
    rows = {
        name: f"micro {r.overall.micro_f1:.4f}  macro {r.overall.macro_f1:.4f}"
        for name, r in result.reports.items()
    }
    print_counts("evaluate (test split)", rows)


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
    from trending_now.train.tasks import predict as run

    try:
        count = run(model=model, input=input, output=output)
    except UnusableRecordsError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    console.print(f"{count} predictions written to {output}")


def publish() -> None:
    """Build the serving database (movies, predictions, enrichments) and swap it in atomically."""
    from trending_now.publish.tasks import publish as run

    result = run()
    shown = (
        "build",
        "movies",
        "enriched",
        "predicted",
        "model_version",
        "data_version",
        "omitted",
        "enrichments",
    )
    print_counts("publish", result.model_dump(include=set(shown)))


def register(app: typer.Typer) -> None:
    """Attach the stage commands to the root app."""
    for command in (ingest, validate, features, train, evaluate, predict, publish):
        app.command()(command)
