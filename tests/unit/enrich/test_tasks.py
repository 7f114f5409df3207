from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from tests.utils.enrich import ROOT
from trending_now.config import EnrichParams, Settings, with_overrides
from trending_now.enrich.providers.embedded import EmbeddedProvider
from trending_now.enrich.providers.openai_compat import OpenAICompatProvider
from trending_now.enrich.tasks import build_provider
from trending_now.project import load_project


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    return Settings(project_dir=tmp_path, llm_api_key=SecretStr("sk-unit-test-0123456789"))


def _enrich_params(settings: Settings, **overrides: object) -> EnrichParams:
    return with_overrides(load_project(settings).params.enrich, **overrides)


def test_overrides_apply_and_are_validated(settings: Settings) -> None:
    params = _enrich_params(settings, provider="openai", concurrency=2, movie_limit=None)
    assert (params.provider, params.concurrency, params.movie_limit) == ("openai", 2, None)
    with pytest.raises(ValidationError):
        _enrich_params(settings, concurrency=0)


def test_build_provider_by_name(settings: Settings) -> None:
    embedded = build_provider(_enrich_params(settings), settings)
    assert isinstance(embedded, EmbeddedProvider) and not embedded.uses_prompt
    llm = build_provider(_enrich_params(settings, provider="openai"), settings)
    assert isinstance(llm, OpenAICompatProvider) and llm.model == settings.llm_model
    assert "sk-unit-test" not in llm.fingerprint


def test_placeholder_llm_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(llm_api_key=SecretStr("changeme"))


def test_aws_endpoint_from_env_and_empty_means_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    assert Settings().aws_endpoint_url == "http://127.0.0.1:9"
    monkeypatch.setenv("TRENDING_AWS_ENDPOINT_URL", "")
    assert Settings().aws_endpoint_url is None
