"""The embedded provider with the packaged MiniLM on real snapshot movies (no network).

One stage run on 20 real movies feeds every test here (the model encodes ~30 sentences/s on two
cores): agreement with the known TMDb genres against a shuffled-label baseline, the cache, the
schema under hostile reviews.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pytest

from tests.utils.enrich import HOSTILE_REVIEWS, make_input, snapshot_subset, write_validated
from trending_now.config import EnrichParams
from trending_now.enrich import EnrichReport, run_stage
from trending_now.enrich.providers import ProviderRequest
from trending_now.enrich.providers.embedded import EmbeddedProvider
from trending_now.enrich.safety import check_reply
from trending_now.enrich.vocabulary import VIBE_TAGS, genre_names, tag_names

pytestmark = [pytest.mark.integration, pytest.mark.slow]
N_MOVIES = 20
SHUFFLES = 500
PARAMS = EnrichParams()


@pytest.fixture(scope="module")
def provider() -> EmbeddedProvider:
    return EmbeddedProvider(PARAMS.embedded, vote_weight=PARAMS.vote_weight)


@pytest.fixture(scope="module")
def runs(provider: EmbeddedProvider, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two stage runs over the same 20 movies (the second from the cache), timed."""
    tmp = tmp_path_factory.mktemp("embedded")
    movies, reviews = snapshot_subset(N_MOVIES, seed=11)
    kwargs: dict[str, Any] = {
        "validated_dir": write_validated(tmp / "validated", movies, reviews),
        "out_dir": tmp / "enriched",
        "cache_path": tmp / "cache.sqlite3",
        "provider": provider,
        "prompt": None,
        "params": PARAMS,
    }
    provider.complete(ProviderRequest(make_input(0)))  # load the model outside the timing
    timings, reports = [], []
    for _ in range(2):
        start = time.perf_counter()
        reports.append(run_stage(**kwargs))
        timings.append(time.perf_counter() - start)
    table = pd.read_parquet(tmp / "enriched" / "enrichments.parquet")
    return {"reports": reports, "timings": timings, "table": table, "movies": movies}


def precision(predicted: Sequence[set[str]], truth: Sequence[set[str]]) -> float:
    """Share of predicted genres that are among the movie's known genres (micro)."""
    hits = sum(len(p & t) for p, t in zip(predicted, truth, strict=True))
    return hits / max(1, sum(len(p) for p in predicted))


def beats_shuffled(predicted: list[set[str]], truth: list[set[str]]) -> tuple[float, float, float]:
    """(real precision, mean shuffled precision, permutation p-value)."""
    real = precision(predicted, truth)
    rng = random.Random(0)
    shuffled = []
    for _ in range(SHUFFLES):
        permuted = truth[:]
        rng.shuffle(permuted)
        shuffled.append(precision(predicted, permuted))
    p_value = (1 + sum(s >= real for s in shuffled)) / (1 + SHUFFLES)
    return real, sum(shuffled) / SHUFFLES, p_value


def known_and_outputs(runs: dict[str, Any]) -> tuple[pd.DataFrame, list[set[str]]]:
    table = runs["table"].merge(runs["movies"][["id", "genres"]], left_on="movie_id", right_on="id")
    return table, [set(g) for g in table["genres"]]


def test_every_movie_is_enriched_with_valid_labelled_output(runs: dict[str, Any]) -> None:
    first: EnrichReport = runs["reports"][0]
    assert first.movies["input"] == N_MOVIES
    assert first.movies["enriched"] + first.movies["flagged"] + first.movies["failed"] == N_MOVIES
    assert first.movies["enriched"] >= N_MOVIES - 2, first.model_dump()
    table = runs["table"]
    assert set(table["provider"]) == {"embedded"} and set(table["model"]) == {"all-MiniLM-L6-v2"}
    assert table["prompt_secret_version_id"].isna().all()
    for tags, genres, score in zip(
        table["vibe_tags"], table["llm_genres"], table["vibe_score"], strict=True
    ):
        assert 3 <= len(tags) <= 6 and set(tags) <= set(tag_names())
        assert set(genres) <= set(genre_names()) and 1 <= score <= 10


def test_llm_genres_agree_with_tmdb_genres_better_than_chance(runs: dict[str, Any]) -> None:
    table, truth = known_and_outputs(runs)
    predicted = [set(g) for g in table["llm_genres"]]
    real, shuffled, p_value = beats_shuffled(predicted, truth)
    print(f"genre precision {real:.3f} vs shuffled {shuffled:.3f} (p={p_value:.4f})")
    assert real > shuffled + 0.1 and p_value < 0.01


def test_vibe_tags_point_to_the_movies_genres_better_than_chance(runs: dict[str, Any]) -> None:
    related = {t.name: set(t.related_genres) for t in VIBE_TAGS}
    table, truth = known_and_outputs(runs)
    predicted = [set().union(*(related[t] for t in tags)) for tags in table["vibe_tags"]]
    real, shuffled, p_value = beats_shuffled(predicted, truth)
    print(f"tag->genre precision {real:.3f} vs shuffled {shuffled:.3f} (p={p_value:.4f})")
    assert real > shuffled and p_value < 0.05


def test_second_run_makes_zero_calls_and_is_much_faster(runs: dict[str, Any]) -> None:
    first, second = runs["reports"]
    assert first.calls == N_MOVIES and second.calls == 0
    assert second.movies["cached"] == N_MOVIES
    assert runs["timings"][1] < 0.2 * runs["timings"][0], runs["timings"]


def test_hostile_reviews_keep_schema_and_vocabulary(provider: EmbeddedProvider) -> None:
    movie = make_input(7, *HOSTILE_REVIEWS, "A fine film with a strong cast and a clever script.")
    checked = check_reply(provider.complete(ProviderRequest(movie)).text)
    assert set(checked.content.vibe_tags) <= set(tag_names()) and checked.dropped_tags == ()
    assert "<" not in checked.content.summary and "hacked" not in checked.content.summary
