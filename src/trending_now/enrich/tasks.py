"""Task entries of the enrich DAG, `trending enrich` and `trending prompts`: the project in, one
call, a typed result out.

The prompt is read from Secrets Manager here, at task run time (never at DAG parse time). The LLM
key travels from Settings straight into the provider: it is never logged, returned or put in
params, and reports carry only the prompt's version and the secret's VersionId.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from trending_now.config import EnrichParams, Settings, with_overrides
from trending_now.enrich import EnrichReport, run_stage
from trending_now.enrich.prompts import (
    FetchedPrompt,
    PushResult,
    fetch_prompt,
    publish_prompts,
    secrets_client,
)
from trending_now.enrich.providers import Provider
from trending_now.project import Project, load_project

log = logging.getLogger(__name__)


class PinnedPrompt(BaseModel):
    """The prompt a run uses: its name, version and the secret's VersionId."""

    name: str
    version: str
    version_id: str


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
    *, provider: str | None = None, project: Project | None = None
) -> PinnedPrompt | None:
    """Pin the current prompt: its name, version and secret VersionId (None: no prompt used)."""
    project = project or load_project()
    params = with_overrides(project.params.enrich, provider=provider)
    if params.provider == "embedded":
        return None
    fetched = load_prompt(params, project.settings)
    template = fetched.template
    log.info("prompt %s %s, secret version %s", template.name, template.version, fetched.version_id)
    return PinnedPrompt(name=template.name, version=template.version, version_id=fetched.version_id)


def enrich(
    *,
    provider: str | None = None,
    concurrency: int | None = None,
    max_cost_usd: float | None = None,
    movie_limit: int | None = None,
    prompt_version_id: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    project: Project | None = None,
) -> EnrichReport:
    """Run the enrich stage on data/validated into data/enriched (the non-None options override
    params.yaml's `enrich:` block)."""
    project = project or load_project()
    params = with_overrides(
        project.params.enrich,
        provider=provider,
        concurrency=concurrency,
        max_cost_usd=max_cost_usd,
        movie_limit=movie_limit,
    )
    chosen = build_provider(params, project.settings)
    prompt = None
    if chosen.uses_prompt:
        prompt = load_prompt(params, project.settings, version_id=prompt_version_id)
    return run_stage(
        validated_dir=project.paths.validated,
        out_dir=project.paths.enriched,
        cache_path=project.paths.enrich_cache,
        provider=chosen,
        prompt=prompt,
        params=params,
        on_progress=on_progress,
    )


def push_repo_prompts(project: Project | None = None, *, where: str = "") -> list[PushResult]:
    """Publish the current version of every prompt in `prompts/` to Secrets Manager (audited)."""
    project = project or load_project()
    settings = project.settings
    return publish_prompts(
        prompts_client(settings),
        project.paths.prompts,
        prefix=settings.prompts_secret_prefix,
        audit_log=project.paths.audit_log,
        where=where or (settings.aws_endpoint_url or "aws"),
    )
