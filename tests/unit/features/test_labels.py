"""The rare-genre rule and the label matrix."""

from __future__ import annotations

import numpy as np

from trending_now.features.labels import apply_rare_genre_rule, genre_counts, label_matrix


def test_rare_genre_rule_keeps_supported_genres_and_lists_excluded_with_counts() -> None:
    lists = [["Drama", "War"]] * 3 + [["Drama", "Comedy"]] * 2 + [["Western"]]
    labels = apply_rare_genre_rule(lists, min_genre_support=2)
    assert labels.genres == ["Drama", "War", "Comedy"]
    assert labels.counts == {"Drama": 5, "War": 3, "Comedy": 2}
    assert labels.excluded == {"Western": 1}
    assert labels.min_genre_support == 2


def test_genre_listed_twice_counts_once() -> None:
    assert genre_counts([["Drama", "Drama"]]) == {"Drama": 1}


def test_label_matrix_ignores_genres_outside_the_label_set() -> None:
    y = label_matrix([["Drama", "Western"], [], ["Comedy"]], ["Drama", "Comedy"])
    assert y.tolist() == [[1, 0], [0, 0], [0, 1]]
    assert y.dtype == np.int8
