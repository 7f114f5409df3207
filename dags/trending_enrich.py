"""Enrich every validated movie with a review summary, a vibe score, vibe tags and LLM genres.

**Trigger**: each new `trending://data/validated` Asset event (the ingest DAG's validate task), or
by hand from the UI with the params below (an empty field means params.yaml's value). **Steps**:
`resolve_prompt` reads the prompt from AWS Secrets Manager at run time and pins its secret
VersionId (skipped by the embedded provider, which uses no prompt); `enrich` runs the stage with
that exact version, at most `concurrency` movies in flight and no new provider call once the run's
cost reaches `max_cost_usd`. **Produces** `data/enriched/` (enrichments.parquet, failures.jsonl,
flagged.jsonl, report.json), replaced as a whole, and the `trending://data/enriched` Asset the
publish DAG consumes. `fairness` then writes the enrichment card (governance/cards/enrichment.md:
provider, prompt versions, failure modes, vibe score and tag gaps across languages and review
sources) and an audit event; a run beyond the `gate.enrichment` limits shows as skipped with the
gaps in its log, and the publish stage withholds its enrichments. **Re-run**: clear `enrich`;
cached results make no provider calls. The LLM key comes from the environment
(TRENDING_LLM_API_KEY), never from params.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Param, dag, task
from assets import ENRICHMENTS, VALIDATED_MOVIES
from params_yaml import described


@dag(
    schedule=[VALIDATED_MOVIES],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer of data/enriched and its cache
    doc_md=__doc__,
    tags=["enrich", "llm"],
    default_args={
        "owner": "ml-platform",
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": True,
    },
    params={
        "provider": Param(
            None,
            type=["null", "string"],
            enum=[None, "embedded", "openai"],
            title="Provider",
            description=described(
                "enrich.provider",
                "embedded = local MiniLM, no network; openai = an OpenAI-compatible API.",
            ),
        ),
        "concurrency": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            maximum=16,
            title="Movies in flight",
            description=described("enrich.concurrency", "Provider calls in flight."),
        ),
        "max_cost_usd": Param(
            None,
            type=["null", "number"],
            minimum=0,
            maximum=100,
            title="Cost cap (USD) per run",
            description=described("enrich.max_cost_usd", "No new provider call past it."),
        ),
        "movie_limit": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            title="Movie limit",
            description=described("enrich.movie_limit", "Enrich only the top N movies."),
        ),
    },
)
def trending_enrich() -> None:
    @task(retries=3)
    def resolve_prompt(params: dict[str, Any] | None = None) -> dict[str, str] | None:
        """Read the prompt from Secrets Manager; return its version and secret VersionId."""
        from trending_now.enrich.tasks import resolve_prompt

        assert params is not None
        pinned = resolve_prompt(provider=params["provider"])
        return pinned.model_dump() if pinned else None

    @task(outlets=[ENRICHMENTS], max_active_tis_per_dag=1)
    def enrich(
        prompt: dict[str, str] | None,
        params: dict[str, Any] | None = None,
        outlet_events: Any = None,
    ) -> dict[str, Any]:
        """Run the enrich stage with the pinned prompt; return the counts and cost."""
        from trending_now.enrich.tasks import enrich

        assert params is not None
        report = enrich(
            provider=params["provider"],
            concurrency=params["concurrency"],
            max_cost_usd=params["max_cost_usd"],
            movie_limit=params["movie_limit"],
            prompt_version_id=prompt["version_id"] if prompt else None,
        )
        summary = report.model_dump(
            mode="json", include={"movies", "calls", "cost_usd", "prompt_version"}
        )
        if outlet_events is not None:
            outlet_events[ENRICHMENTS].extra = summary
        return summary

    @task
    def fairness(summary: dict[str, Any]) -> dict[str, Any]:
        """The enrichment card: vibe score and tag gaps across language and review-source
        slices; a run beyond the gate.enrichment limits is skipped here and withheld by publish."""
        from airflow.sdk.exceptions import AirflowSkipException

        from trending_now.governance.tasks import gate_enrichment

        verdict = gate_enrichment(actor="airflow:trending_enrich")
        if verdict.decision != "publish":
            raise AirflowSkipException(
                "BLOCKED by the enrichment gate: " + "; ".join(verdict.failed)
            )
        return verdict.model_dump(mode="json")

    fairness(enrich(resolve_prompt()))


trending_enrich()
