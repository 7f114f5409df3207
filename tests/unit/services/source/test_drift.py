"""The replay server's drift switch: seeded, deterministic shifts of what it serves."""

from __future__ import annotations

import copy
import json
import lzma
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from services.source.__main__ import _fault_config, _parser
from services.source.app import SourceConfig, create_app
from services.source.drift import (
    FAVOURED_GENRES,
    MAX_REVIEWS,
    MIN_REVIEW_CHARS,
    apply_drift,
    shorten,
)
from services.source.faults import FaultConfig
from trending_now.config import Settings

SNAPSHOT = Path(__file__).resolve().parents[4] / "data" / "snapshot" / "movies.jsonl.xz"
KEY = "unit-test-key-drift"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in lzma.decompress(SNAPSHOT.read_bytes()).splitlines()]


def _genres(record: dict[str, Any]) -> set[str]:
    return {g["name"] for g in record["genres"]}


def test_none_serves_the_snapshot_unchanged(records: list[dict[str, Any]]) -> None:
    assert apply_drift(records, "none", 7) == records


def test_genres_keeps_the_favoured_genres_and_a_fifth_of_the_rest(
    records: list[dict[str, Any]],
) -> None:
    served = apply_drift(records, "genres", 1)
    favoured = [r for r in records if _genres(r) & FAVOURED_GENRES]
    others = [r for r in served if not _genres(r) & FAVOURED_GENRES]
    assert all(r in served for r in favoured)
    assert 0.12 <= len(others) / (len(records) - len(favoured)) <= 0.28
    share = len(favoured) / len(served)
    assert share > 2 * len(favoured) / len(records)  # the mix really moved


def test_languages_keeps_every_non_english_movie(records: list[dict[str, Any]]) -> None:
    served = apply_drift(records, "languages", 1)
    non_english = [r for r in records if r["original_language"] != "en"]
    assert all(r in served for r in non_english)
    english_kept = sum(r["original_language"] == "en" for r in served)
    assert 0.12 <= english_kept / (len(records) - len(non_english)) <= 0.28
    assert len(non_english) / len(served) > 2.5 * len(non_english) / len(records)


def test_same_seed_same_movies_other_seed_other_movies(records: list[dict[str, Any]]) -> None:
    ids = lambda seed: [r["id"] for r in apply_drift(records, "genres", seed)]  # noqa: E731
    assert ids(3) == ids(3) and ids(3) != ids(4)


def test_short_reviews_cut_every_review_and_keep_the_input(records: list[dict[str, Any]]) -> None:
    before = copy.deepcopy(records[:20])
    served = apply_drift(records[:20], "short-reviews", 0)
    assert records[:20] == before, "the snapshot records must not be modified"
    for original, shifted in zip(before, served, strict=True):
        assert len(shifted["reviews"]) == min(MAX_REVIEWS, len(original["reviews"]))
        for old, new in zip(original["reviews"], shifted["reviews"], strict=False):
            assert old["content"].startswith(new["content"])
            assert len(new["content"]) <= max(MIN_REVIEW_CHARS, len(old["content"]) // 4 + 1)


def test_shorten_cuts_at_a_word_boundary() -> None:
    text = "word " * 100
    assert shorten(text) == ("word " * 25).strip()
    assert shorten("tiny review") == "tiny review"


def test_unknown_profile_is_refused(records: list[dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="unknown drift profile"):
        apply_drift(records, "sideways", 0)  # type: ignore[arg-type]


def test_command_line_switch() -> None:
    args = _parser(Settings()).parse_args(["--drift", "languages", "--drift-seed", "5"])
    assert _fault_config(args) == FaultConfig(drift="languages", drift_seed=5)
    with pytest.raises(SystemExit):
        _parser(Settings()).parse_args(["--drift", "sideways"])


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    config = SourceConfig(snapshot_path=SNAPSHOT, api_key=SecretStr(KEY))
    with TestClient(create_app(config)) as api:
        yield api
        api.put("/_admin/faults", json={}, headers=AUTH)


def _trending_ids(client: TestClient) -> list[int]:
    first = client.get("/3/trending/movie/week", headers=AUTH).json()
    ids = [m["id"] for m in first["results"]]
    for page in range(2, first["total_pages"] + 1):
        body = client.get("/3/trending/movie/week", params={"page": page}, headers=AUTH).json()
        ids += [m["id"] for m in body["results"]]
    return ids


def test_switching_drift_at_run_time_changes_what_is_served(
    client: TestClient, records: list[dict[str, Any]]
) -> None:
    plain = _trending_ids(client)
    put = client.put("/_admin/faults", json={"drift": "languages", "drift_seed": 2}, headers=AUTH)
    assert put.status_code == 200 and put.json()["drift"] == "languages"
    shifted = _trending_ids(client)
    expected = {r["id"] for r in apply_drift(records, "languages", 2)}
    assert set(shifted) == expected and len(shifted) < len(plain)
    assert client.put("/_admin/faults", json={}, headers=AUTH).json()["drift"] == "none"
    assert _trending_ids(client) == plain


def test_short_reviews_are_served_shortened(client: TestClient) -> None:
    movie_id = 11
    full = client.get(f"/3/movie/{movie_id}/reviews", headers=AUTH).json()["results"]
    client.put("/_admin/faults", json={"drift": "short-reviews"}, headers=AUTH)
    short = client.get(f"/3/movie/{movie_id}/reviews", headers=AUTH).json()["results"]
    client.put("/_admin/faults", json={}, headers=AUTH)
    assert len(short) == min(MAX_REVIEWS, len(full))
    assert all(len(s["content"]) < len(f["content"]) or len(f["content"]) <= MIN_REVIEW_CHARS
               for s, f in zip(short, full, strict=False))  # fmt: skip


def test_the_store_builds_each_world_once_and_keeps_a_bounded_number(
    records: list[dict[str, Any]],
) -> None:
    from services.source.drift import MAX_BUILT, SnapshotStore

    store = SnapshotStore(records[:30])
    first = store.get("genres", 1)
    assert store.get("genres", 1) is first
    assert store.get("none", 5) is store.get("none", 6), "`none` ignores the seed"
    for seed in range(MAX_BUILT + 2):
        store.get("languages", seed)
    assert len(store._built) == MAX_BUILT
