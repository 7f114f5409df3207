"""Grouped multi-label split by movie (iterative stratification) and popularity tiers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

SPLITS = ("train", "valid", "test")


def assign_splits(
    movie_ids: np.ndarray,
    y: np.ndarray,
    *,
    valid_fraction: float,
    test_fraction: float,
    seed: int,
) -> np.ndarray:
    """Split label of each movie, stratified on its genres; one movie lands in exactly one split."""
    ids = np.asarray(movie_ids)
    if len(np.unique(ids)) != len(ids):
        raise ValueError("movie ids must be unique: the split is grouped by movie")
    split = np.full(len(ids), "train", dtype=object)
    rest, test = _stratified_cut(np.arange(len(ids)), y, test_fraction, seed)
    split[test] = "test"
    valid_share = valid_fraction / (1.0 - test_fraction)
    _, valid = _stratified_cut(rest, y, valid_share, seed + 1)
    split[valid] = "valid"
    return split.astype(str)


def _stratified_cut(
    index: np.ndarray, y: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(kept, cut) positions from `index`, the cut being `fraction` of it, label-stratified."""
    splitter = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    x_dummy = np.zeros((len(index), 1))
    kept, cut = next(splitter.split(x_dummy, y[index]))
    return index[kept], index[cut]


def popularity_tiers(popularity: pd.Series, is_train: pd.Series, *, tiers: int) -> pd.Series:
    """Tier 1 (least popular) .. `tiers` from quantile edges computed on the train rows only."""
    quantiles = np.linspace(0, 1, tiers + 1)[1:-1]
    edges = np.quantile(popularity[is_train].to_numpy(dtype=float), quantiles)
    tier = np.searchsorted(edges, popularity.to_numpy(dtype=float), side="right") + 1
    return pd.Series(tier.astype("int64"), index=popularity.index, name="popularity_tier")
