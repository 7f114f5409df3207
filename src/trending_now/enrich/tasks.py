"""Entry points for the enrich DAG and CLI: settings and params in, one stage call, a result out.

The prompt is read from Secrets Manager here, at task run time (never at DAG parse time). The LLM
key travels from Settings straight into the provider: it is never logged, returned or put in
params, and reports carry only the prompt's version and the secret's VersionId.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trending_now.config import EnrichParams, Settings, get_settings, load_params
from trending_now.enrich.prompts import (
    FetchedPrompt,
    PushResult,
    fetch_prompt,
    load_repo_prompts,
    push_prompts,
    secrets_client,
)
from trending_now.enrich.providers import Provider

log = logging.getLogger(__name__)

CACHE_FILE = Path("cache") / "enrich.sqlite3"


def enrich_params(settings: Settings, **overrides: Any) -> EnrichParams:
    """params.yaml's enrich block with the non-None overrides applied (and re-validated)."""
    params = load_params(settings.params_path).enrich
    changes = {k: v for k, v in overrides.items() if v is not None}
    return EnrichParams.model_validate({**params.model_dump(), **changes})


def build_provider(params: EnrichParams, settings: Settings) -> Provider:
    """The provider params.yaml (or an override) names, configured from settings."""
    if params.provider == "embedded":
        from trending_now.enrich.providers.embedded import EmbeddedProvider

        return EmbeddedProvider(params.embedded, vote_weight=params.vote_weight)
    from trending_now.enrich.providers.openai_compat import OpenAICompatProvider

    return OpenAICompatProvider(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,
        params=params.llm,
    )


def prompts_client(settings: Settings) -> Any:
    """A Secrets Manager client at the configured endpoint (None = real AWS)."""
    return secrets_client(endpoint_url=settings.aws_endpoint_url, region=settings.aws_region)


def load_prompt(
    params: EnrichParams, settings: Settings, *, version_id: str | None = None
) -> FetchedPrompt:
    """The enrich prompt from Secrets Manager (current, or the pinned VersionId)."""
    return fetch_prompt(
        prompts_client(settings),
        prefix=settings.prompts_secret_prefix,
        name=params.prompt,
        version_id=version_id,
    )


def resolve_prompt(
    *, provider: str | None = None, settings: Settings | None = None
) -> dict[str, str] | None:
    """Pin the current prompt: its name, version and secret VersionId (None: no prompt used)."""
    settings = settings or get_settings()
    params = enrich_params(settings, provider=provider)
    if params.provider == "embedded":
        return None
    fetched = load_prompt(params, settings)
    template = fetched.template
    log.info("prompt %s %s, secret version %s", template.name, template.version, fetched.version_id)
    return {"name": template.name, "version": template.version, "version_id": fetched.version_id}


def enrich_validated(
    *,
    provider: str | None = None,
    concurrency: int | None = None,
    max_cost_usd: float | None = None,
    movie_limit: int | None = None,
    prompt_version_id: str | None = None,
    settings: Settings | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run the enrich stage on data/validated into data/enriched; return report.json's content."""
    from trending_now.enrich import run_stage

    settings = settings or get_settings()
    params = enrich_params(
        settings,
        provider=provider,
        concurrency=concurrency,
        max_cost_usd=max_cost_usd,
        movie_limit=movie_limit,
    )
    chosen = build_provider(params, settings)
    prompt = (
        load_prompt(params, settings, version_id=prompt_version_id) if chosen.uses_prompt else None
    )
    report = run_stage(
        validated_dir=settings.data_path / "validated",
        out_dir=settings.data_path / "enriched",
        cache_path=settings.data_path / CACHE_FILE,
        provider=chosen,
        prompt=prompt,
        params=params,
        on_progress=on_progress,
    )
    return report.model_dump(mode="json")


def push_repo_prompts(settings: Settings | None = None) -> list[PushResult]:
    """Publish the current version of every prompt in `<project>/prompts/` to Secrets Manager."""
    from trending_now.governance.tasks import record

    settings = settings or get_settings()
    prompts = load_repo_prompts(settings.project_dir / "prompts")
    results = push_prompts(prompts_client(settings), prompts, prefix=settings.prompts_secret_prefix)
    for pushed in results:
        if pushed.changed:  # a new prompt version is live: audited like a model promotion
            details = {"name": pushed.name, "version": pushed.version}
            details["secret_version_id"] = pushed.version_id
            record("prompt_version", details, settings=settings)
    return results
