"""run_stage on validated tables in tmp_path with a scripted provider (no network, no model)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.utils.enrich import repo_prompt, write_validated
from tests.utils.factories import make_movie, make_review, movies_frame, reviews_frame
from tests.utils.scripted_provider import GOOD, ScriptedProvider
from trending_now.config import EnrichParams
from trending_now.enrich import run_stage
from trending_now.enrich.providers import ProviderRequest

TEXT = "A wonderful film with a moving story. The director builds real tension."


@pytest.fixture
def validated(tmp_path: Path) -> Path:
    movies = movies_frame([make_movie(i, trending_rank=10 - i) for i in range(1, 5)])
    reviews = reviews_frame([make_review(i, f"r{i}", TEXT, rating=8.0) for i in range(1, 5)])
    return write_validated(tmp_path / "validated", movies, reviews)


def stage(  # type: ignore[no-untyped-def]
    tmp_path: Path, validated: Path, provider: ScriptedProvider, cache: str = "c", **params: object
):
    return run_stage(
        validated_dir=validated,
        out_dir=tmp_path / "enriched",
        cache_path=tmp_path / "cache" / f"{cache}.sqlite3",
        provider=provider,
        prompt=repo_prompt("vid-1"),
        params=EnrichParams(**params),  # type: ignore[arg-type]
    )


def test_writes_outputs_and_report(tmp_path: Path, validated: Path) -> None:
    def script(request: ProviderRequest) -> str:
        if request.movie.movie_id == 3:
            return "nope"
        return json.dumps({**GOOD, "vibe_tags": [*GOOD["vibe_tags"], "hacked"]})  # type: ignore[list-item]

    report = stage(tmp_path, validated, ScriptedProvider(script), movie_limit=3)
    out = tmp_path / "enriched"
    table = pd.read_parquet(out / "enrichments.parquet")
    assert sorted(table["movie_id"]) == [2, 4]  # top 3 by trending rank: 4, 3, 2
    assert set(table["prompt_secret_version_id"]) == {"vid-1"}
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert [f["movie_id"] for f in failures] == [3]
    on_disk = json.loads((out / "report.json").read_text())
    assert on_disk == report.model_dump(mode="json")
    assert report.movies == {"input": 3, "enriched": 2, "flagged": 0, "failed": 1, "cached": 0}
    assert report.calls == 4 and report.prompt_tokens == 400 and report.completion_tokens == 80
    assert report.dropped_tags == {"hacked": 2} and report.dropped_tags_total == 2
    assert report.failure_reasons == {"invalid reply": 1}


def test_second_run_is_all_cache(tmp_path: Path, validated: Path) -> None:
    stage(tmp_path, validated, ScriptedProvider())
    first = (tmp_path / "enriched" / "enrichments.parquet").read_bytes()
    again = ScriptedProvider()
    report = stage(tmp_path, validated, again)
    assert again.calls == 0 and report.calls == 0 and report.movies["cached"] == 4
    assert (tmp_path / "enriched" / "enrichments.parquet").read_bytes() == first


def test_a_crash_mid_run_leaves_the_previous_outputs(tmp_path: Path, validated: Path) -> None:
    stage(tmp_path, validated, ScriptedProvider())
    before = {p.name: p.read_bytes() for p in (tmp_path / "enriched").iterdir()}

    def explode(request: ProviderRequest) -> str:
        raise KeyboardInterrupt  # not a provider error: the run itself dies

    with pytest.raises(KeyboardInterrupt):
        stage(tmp_path, validated, ScriptedProvider(explode), cache="empty")
    after = {p.name: p.read_bytes() for p in (tmp_path / "enriched").iterdir()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".enriched")]
