"""Drift profiles for the replay server: serve a shifted world so the monitor has something to see.

A profile changes what the snapshot looks like before it is shaped into TMDb responses:
- `genres`: the trending list leans to Horror, Animation and Family (other movies mostly drop out);
- `languages`: the trending list leans to non-English movies (English ones mostly drop out);
- `short-reviews`: every review is cut to about a quarter of its length, at most 5 per movie;
- `mixed`: Horror/Animation/Family or non-English movies favoured, and the reviews shortened.
Which movies drop out is a seeded draw per movie (`drift_seed`), so a profile and a seed always
serve the same data; `none` serves the snapshot unchanged. Switch it at start (`--drift`) or at
run time (`PUT /_admin/faults` with `{"drift": "genres", "drift_seed": 3}`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from typing import Any, Literal

from services.source.snapshot import Snapshot, build_snapshot

DriftProfile = Literal["none", "genres", "languages", "short-reviews", "mixed"]
DRIFT_PROFILES: tuple[DriftProfile, ...] = (
    "none",
    "genres",
    "languages",
    "short-reviews",
    "mixed",
)

FAVOURED_GENRES = frozenset({"Horror", "Animation", "Family"})
KEEP_OTHERS = 0.2  # chance that a movie outside the favoured set stays in the list
REVIEW_SHARE = 0.25  # share of each review's characters kept by `short-reviews`
MIN_REVIEW_CHARS = 40
MAX_REVIEWS = 5
MAX_BUILT = 4  # shaped snapshots kept in memory (tens of MB each)

Json = dict[str, Any]


def _draw(seed: int, movie_id: int) -> float:
    """A uniform number in [0, 1) fixed by (seed, movie id): the same movie, the same fate."""
    digest = hashlib.sha256(f"{seed}:{movie_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _favours_genres(record: Json) -> bool:
    return any(g["name"] in FAVOURED_GENRES for g in record.get("genres") or [])


def _favours_languages(record: Json) -> bool:
    return str(record.get("original_language")) != "en"


def _select(records: Iterable[Json], favoured: Callable[[Json], bool], seed: int) -> list[Json]:
    """Favoured movies all stay; each other movie stays with probability KEEP_OTHERS."""
    return [r for r in records if favoured(r) or _draw(seed, int(r["id"])) < KEEP_OTHERS]


def shorten(text: str) -> str:
    """About REVIEW_SHARE of `text` (at least MIN_REVIEW_CHARS), cut at a word boundary."""
    keep = max(MIN_REVIEW_CHARS, int(len(text) * REVIEW_SHARE))
    if len(text) <= keep:
        return text
    cut = text[:keep]
    space = cut.rfind(" ")
    return (cut[:space] if space > keep // 2 else cut).rstrip()


def _short_reviews(record: Json) -> Json:
    reviews = (record.get("reviews") or [])[:MAX_REVIEWS]
    return {**record, "reviews": [{**r, "content": shorten(str(r["content"]))} for r in reviews]}


def apply_drift(records: list[Json], profile: DriftProfile, seed: int) -> list[Json]:
    """The snapshot records as served under `profile` (the input is not modified)."""
    if profile not in DRIFT_PROFILES:
        raise ValueError(f"unknown drift profile {profile!r}; known: {DRIFT_PROFILES}")
    out = list(records)
    if profile == "genres":
        out = _select(out, _favours_genres, seed)
    elif profile == "languages":
        out = _select(out, _favours_languages, seed)
    elif profile == "mixed":
        out = _select(out, lambda r: _favours_genres(r) or _favours_languages(r), seed)
    if profile in ("short-reviews", "mixed"):
        out = [_short_reviews(r) for r in out]
    return out


class SnapshotStore:
    """The snapshot records and their shaped responses per (profile, seed), built once each."""

    def __init__(self, records: list[Json]) -> None:
        self._records = records
        self._built: dict[tuple[DriftProfile, int], Snapshot] = {}
        self._lock = threading.Lock()

    def get(self, profile: DriftProfile, seed: int) -> Snapshot:
        """The responses served under `profile` with `seed` (`none` ignores the seed)."""
        key = (profile, seed if profile != "none" else 0)
        with self._lock:
            if key not in self._built:
                while len(self._built) >= MAX_BUILT:  # bounded: a seed sweep must not grow memory
                    del self._built[next(iter(self._built))]
                self._built[key] = build_snapshot(apply_drift(self._records, profile, seed))
            return self._built[key]
