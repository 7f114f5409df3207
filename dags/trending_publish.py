"""Publish the serving database whenever a new genre model or new enrichments land.

**Trigger**: the `trending://models/genre` or the `trending://data/enriched` Asset, or by hand
from the UI. **Step**: `publish` builds a new SQLite serving database from the validated movies,
the production model's genre predictions and the enrichments, then swaps the `current` pointer
atomically (the API never reads a half-built file; the previous build is kept for rollback).
**Produces** the `trending://serving/db` Asset. **Re-run**: clear the task; each run is a new build.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import dag, task
from assets import ENRICHMENTS, GENRE_MODELS, PUBLISHED


@dag(
    schedule=(GENRE_MODELS | ENRICHMENTS),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["publish", "serving"],
    default_args={"owner": "ml-platform", "retries": 2, "retry_delay": timedelta(minutes=1)},
)
def trending_publish() -> None:
    @task(outlets=[PUBLISHED])
    def publish() -> dict[str, Any]:
        """Build the serving database and make it current; return counts and lineage."""
        from trending_now.publish.tasks import publish

        return publish().model_dump(mode="json", exclude={"pruned"})

    publish()


trending_publish()
