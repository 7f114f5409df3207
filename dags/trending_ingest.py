"""Fetch trending movies, their reviews and watch providers, validate them, version them with DVC.

**Trigger**: daily, or by hand from the UI with the params below (source, trending window, movie
limit; an empty field means params.yaml's value). **Steps**: `ingest` writes the raw responses of
this run as JSON Lines under `data/raw/<run id>/` (idempotent: clearing and re-running a task
rewrites the same files); `version_raw` records them with `dvc add`; `validate` runs `dvc repro
validate` (the data contract: valid rows to Parquet, the rest to quarantine with a reason); `push`
sends both to the DVC remote. **Produces** the `trending://data/validated` Asset, which the
training and monitoring DAGs consume. **Re-run**: clear a task in the UI; every step is safe to
repeat.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Param, dag, task
from assets import RAW_MOVIES, VALIDATED_MOVIES
from params_yaml import from_params_yaml


@dag(
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # DVC and the raw folder are shared: one ingest at a time
    doc_md=__doc__,
    tags=["ingest", "data"],
    default_args={
        "owner": "data-platform",
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": True,
    },
    params={
        "source": Param(
            None,
            type=["null", "string"],
            enum=[None, "replay", "tmdb"],
            title="Source API",
            description="replay = the bundled TMDb-compatible server; tmdb = api.themoviedb.org. "
            "Empty = the TRENDING_SOURCE setting.",
        ),
        "time_window": from_params_yaml(
            "ingest.time_window",
            "TMDb's trending window.",
            title="Trending window",
            kind="string",
            enum=["day", "week"],
        ),
        "movie_limit": from_params_yaml(
            "ingest.movie_limit",
            "Movies taken from the trending list.",
            title="Movie limit",
            kind="integer",
            minimum=1,
            maximum=10000,
        ),
    },
)
def trending_ingest() -> None:
    @task
    def ingest(params: dict[str, Any] | None = None, run_id: str | None = None) -> str:
        """Fetch this run's movies into data/raw/<run id>/; return the raw run id."""
        from trending_now.ingest.tasks import ingest

        assert params is not None and run_id is not None
        return ingest(
            run_id=run_id,
            source=params["source"],
            time_window=params["time_window"],
            movie_limit=params["movie_limit"],
        ).run_id

    @task(outlets=[RAW_MOVIES])
    def version_raw(raw_run_id: str) -> str:
        """`dvc add data/raw`; return the DVC hash of the raw data."""
        from trending_now.ingest.tasks import version_raw

        return version_raw()

    @task(outlets=[VALIDATED_MOVIES])
    def validate(raw_hash: str, outlet_events: Any = None) -> dict[str, Any]:
        """`dvc repro validate`; return the reconciled counts (the Asset event carries them)."""
        from trending_now.validate.tasks import validate_with_dvc

        report = validate_with_dvc().model_dump()
        if outlet_events is not None:
            outlet_events[VALIDATED_MOVIES].extra = {"raw_hash": raw_hash, **report}
        return report

    @task
    def push(report: dict[str, Any]) -> None:
        """`dvc push` the raw and validated data to the default DVC remote."""
        from trending_now.ingest.tasks import push

        push()

    push(validate(version_raw(ingest())))


trending_ingest()
