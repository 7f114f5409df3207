"""The genre label set: the rare-genre rule and the multi-hot label matrix."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict


class LabelSet(BaseModel):
    """Genres kept as labels (most frequent first) and the ones the rare-genre rule excluded."""

    model_config = ConfigDict(frozen=True)

    genres: list[str]
    counts: dict[str, int]
    excluded: dict[str, int]
    min_genre_support: int


def genre_counts(genre_lists: Iterable[Sequence[str]]) -> Counter[str]:
    """Movies per genre (a genre listed twice for one movie counts once)."""
    return Counter(genre for genres in genre_lists for genre in set(genres))


def apply_rare_genre_rule(
    genre_lists: Iterable[Sequence[str]], *, min_genre_support: int
) -> LabelSet:
    """Keep genres with at least `min_genre_support` movies; list the others with their counts."""
    counts = genre_counts(genre_lists)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = {g: n for g, n in ranked if n >= min_genre_support}
    excluded = {g: n for g, n in ranked if n < min_genre_support}
    return LabelSet(
        genres=list(kept), counts=kept, excluded=excluded, min_genre_support=min_genre_support
    )


def label_matrix(genre_lists: Iterable[Sequence[str]], genres: Sequence[str]) -> np.ndarray:
    """Multi-hot (n_movies, len(genres)) int8 matrix; genres outside the label set are ignored."""
    index = {genre: j for j, genre in enumerate(genres)}
    rows = list(genre_lists)
    y = np.zeros((len(rows), len(genres)), dtype=np.int8)
    for i, movie_genres in enumerate(rows):
        for genre in movie_genres:
            if genre in index:
                y[i, index[genre]] = 1
    return y
