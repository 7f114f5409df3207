"""Tiny genre-bert fixtures on real snapshot text: short documents, fast mode, no network."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from trending_now.config import BertParams
from trending_now.features.labels import apply_rare_genre_rule, label_matrix
from trending_now.features.snapshot import load_snapshot
from trending_now.features.text import build_documents
from trending_now.train.bert import BertGenreClassifier

SNAPSHOT = Path(__file__).resolve().parents[2] / "data" / "snapshot" / "movies.jsonl.xz"
# params.yaml's fast mode for BERT (train.fast.bert): one 64-token chunk, one epoch
TINY_PARAMS = BertParams(
    batch_size=8, inference_batch_size=16, max_length=64, max_chunks=1, epochs=1, frozen_layers=4
)


@dataclass(frozen=True)
class TinySplits:
    """Short real documents split into train / valid with their multi-hot genres."""

    genres: list[str]
    train: pd.DataFrame
    y_train: np.ndarray
    valid: pd.DataFrame
    y_valid: np.ndarray


@lru_cache(maxsize=1)
def snapshot_documents() -> pd.DataFrame:
    """Every shipped movie as a cleaned document (title, overview, first reviews)."""
    movies, reviews = load_snapshot(SNAPSHOT)
    return build_documents(movies, reviews, max_review_chars=400, max_reviews=2)


def tiny_splits(n_movies: int = 40, *, max_chars: int = 300) -> TinySplits:
    """The first `n_movies` movies by id, texts cut to `max_chars`; 70% train, 30% valid."""
    docs = snapshot_documents().sort_values("id").head(n_movies).reset_index(drop=True)
    docs["text"] = docs["text"].str.slice(0, max_chars)
    genres = apply_rare_genre_rule(docs["genres"], min_genre_support=5).genres
    cut = int(n_movies * 0.7)
    train, valid = docs.iloc[:cut].reset_index(drop=True), docs.iloc[cut:].reset_index(drop=True)
    return TinySplits(
        genres,
        train,
        label_matrix(train["genres"], genres),
        valid,
        label_matrix(valid["genres"], genres),
    )


def fit_tiny(splits: TinySplits, *, seed: int = 7, **params: Any) -> BertGenreClassifier:
    """A fast-mode genre-bert fitted on the tiny splits."""
    model = BertGenreClassifier(splits.genres, TINY_PARAMS.model_copy(update=params), seed=seed)
    return model.fit(splits.train, splits.y_train, splits.valid, splits.y_valid)


@contextlib.contextmanager
def offline(cache_dir: Path) -> Iterator[list[Any]]:
    """HF_HUB_OFFLINE=1, an empty HF cache, and non-loopback connections refused (and listed)."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(address)
            raise OSError(f"network access in a test: {address!r}")
        return real_connect(sock, address)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        mp.setenv("HF_HOME", str(cache_dir))
        mp.setenv("HF_HUB_CACHE", str(cache_dir / "hub"))
        mp.setattr(socket.socket, "connect", guarded)
        yield attempts
