"""Prompts published to and read from a real moto server; the run records the secret VersionId."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.utils.aws import FAKE_AWS_ENV, start_moto_server
from tests.utils.enrich import ROOT, snapshot_subset, write_validated
from tests.utils.fake_llm_server import start_fake_llm_server
from trending_now.cli.enrich import prompts_app
from trending_now.config import Settings, get_settings
from trending_now.enrich.prompts import fetch_prompt, load_repo_prompts, push_prompts
from trending_now.enrich.tasks import enrich, prompts_client, resolve_prompt

pytestmark = pytest.mark.integration
PREFIX = "trending-now-test/prompts"


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_moto_server(tmp_path_factory.mktemp("moto")) as url:
        yield url


@pytest.fixture
def project(tmp_path: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A throwaway project (params, prompts, data) whose settings point at moto."""
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts")
    for key, value in {**FAKE_AWS_ENV, "AWS_ENDPOINT_URL": moto_url}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("TRENDING_PROJECT_DIR", str(tmp_path))
    monkeypatch.setenv("TRENDING_PROMPTS_SECRET_PREFIX", f"{PREFIX}/{tmp_path.name}")
    get_settings.cache_clear()
    yield get_settings()  # type: ignore[misc]
    get_settings.cache_clear()


def test_push_is_idempotent_and_a_change_makes_a_new_version(project: Settings) -> None:
    client = prompts_client(project)
    prompts = load_repo_prompts(project.project_dir / "prompts")
    (first,) = push_prompts(client, prompts, prefix=project.prompts_secret_prefix)
    (again,) = push_prompts(client, prompts, prefix=project.prompts_secret_prefix)
    assert first.changed and not again.changed and again.version_id == first.version_id
    edited = prompts["enrich"].make(
        "enrich", "v2", prompts["enrich"].system + "\nBe brief.", prompts["enrich"].user
    )
    (second,) = push_prompts(client, {"enrich": edited}, prefix=project.prompts_secret_prefix)
    assert second.changed and second.version_id != first.version_id
    current = fetch_prompt(client, prefix=project.prompts_secret_prefix, name="enrich")
    pinned = fetch_prompt(
        client, prefix=project.prompts_secret_prefix, name="enrich", version_id=first.version_id
    )
    assert (current.template.version, current.version_id) == ("v2", second.version_id)
    assert pinned.template == prompts["enrich"]


def test_cli_push_then_show(project: Settings) -> None:
    runner = CliRunner()
    pushed = runner.invoke(prompts_app, ["push"])
    assert pushed.exit_code == 0, pushed.output
    assert "enrich v1" in pushed.output and "published" in pushed.output
    shown = runner.invoke(prompts_app, ["show", "enrich"])
    assert shown.exit_code == 0, shown.output
    assert "matches the repo" in shown.output and "secret version" in shown.output


def test_run_reads_the_prompt_at_run_time_and_records_its_version(
    project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    CliRunner().invoke(prompts_app, ["push"])
    movies, reviews = snapshot_subset(4, seed=5)
    write_validated(project.data_path / "validated", movies, reviews)
    with start_fake_llm_server() as llm_url:
        monkeypatch.setenv("TRENDING_LLM_BASE_URL", llm_url)
        monkeypatch.setenv("TRENDING_LLM_MODEL", "fake-valid")
        monkeypatch.setenv("TRENDING_LLM_API_KEY", "sk-test-secret-key-0123456789")
        get_settings.cache_clear()
        pinned = resolve_prompt(provider="openai")
        assert pinned is not None and pinned.version == "v1"
        report = enrich(provider="openai", prompt_version_id=pinned.version_id)
    assert report.prompt_secret_version_id == pinned.version_id
    assert report.prompt_version == "enrich/v1" and report.calls >= 4
    table = pd.read_parquet(project.data_path / "enriched" / "enrichments.parquet")
    assert set(table["prompt_secret_version_id"]) == {pinned.version_id}
    assert "sk-test-secret-key" not in str(report)
    assert resolve_prompt(provider="embedded") is None  # the embedded provider reads no prompt


def test_cli_enrich_run_shows_progress_and_the_report(
    project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trending_now.cli.enrich import enrich_app

    runner = CliRunner()
    runner.invoke(prompts_app, ["push"])
    movies, reviews = snapshot_subset(3, seed=8)
    write_validated(project.data_path / "validated", movies, reviews)
    with start_fake_llm_server() as llm_url:
        monkeypatch.setenv("TRENDING_LLM_BASE_URL", llm_url)
        monkeypatch.setenv("TRENDING_LLM_MODEL", "fake-valid")
        get_settings.cache_clear()
        args = ["run", "--provider", "openai", "--limit", "2", "--concurrency", "2"]
        first = runner.invoke(enrich_app, args)
        second = runner.invoke(enrich_app, args)
    assert first.exit_code == 0, first.output
    assert '"input": 2' in first.output and "enrich/v1" in first.output
    assert second.exit_code == 0 and "calls" in second.output
    report = (project.data_path / "enriched" / "report.json").read_text()
    assert '"calls": 0' in report
    bad = runner.invoke(enrich_app, ["run", "--provider", "gpt"])
    assert bad.exit_code != 0
