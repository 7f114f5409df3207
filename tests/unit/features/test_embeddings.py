"""MiniLM document embeddings: windows, determinism and the content-hash cache (real model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trending_now.config import EmbeddingParams
from trending_now.features.embeddings import DocumentEmbedder, spread_indices, token_windows

SMALL = EmbeddingParams(max_length=32, max_windows=3, batch_size=2, torch_threads=1)
TEXTS = [
    "A haunted house, a ghost in the attic and screams at night: pure terror.",
    "A wedding, two families and a lot of laughs in this light romantic comedy.",
    "Terrifying ghosts haunt the old mansion; blood and screaming in the dark. " * 8,
]


@pytest.fixture(scope="module")
def embedder() -> DocumentEmbedder:
    return DocumentEmbedder(SMALL)  # no cache: always encodes


def test_spread_indices_keep_first_and_last_and_stay_in_order() -> None:
    assert spread_indices(3, 5) == [0, 1, 2]
    assert spread_indices(10, None) == list(range(10))
    assert spread_indices(10, 1) == [0]
    picked = spread_indices(10, 4)
    assert picked[0] == 0 and picked[-1] == 9 and picked == sorted(set(picked)) and len(picked) == 4


def test_token_windows_cut_the_document_and_cap_the_count() -> None:
    ids = list(range(23))
    assert token_windows(ids, body=10, max_windows=None) == [ids[:10], ids[10:20], ids[20:]]
    assert token_windows(ids, body=10, max_windows=2) == [ids[:10], ids[20:]]
    assert token_windows([], body=10, max_windows=3) == [[]]


def test_vectors_are_deterministic_and_independent_of_the_other_documents(
    embedder: DocumentEmbedder,
) -> None:
    together = embedder.embed(TEXTS)
    alone = embedder.embed([TEXTS[2]])
    assert together.shape == (3, 384) and together.dtype == np.float32
    np.testing.assert_array_equal(together[2], alone[0])
    np.testing.assert_array_equal(together, embedder.embed(TEXTS))
    # Mean of unit window vectors: length at most 1; one window (short text): exactly 1.
    norms = np.linalg.norm(together, axis=1)
    assert norms[0] == pytest.approx(1.0, abs=1e-5) and (norms <= 1.0 + 1e-5).all()


def test_similar_documents_get_closer_vectors(embedder: DocumentEmbedder) -> None:
    horror, comedy, long_horror = embedder.embed(TEXTS)
    assert float(horror @ long_horror) > float(comedy @ long_horror) + 0.1


def test_cache_returns_the_same_bytes_and_skips_encoding(
    tmp_path: Path, embedder: DocumentEmbedder
) -> None:
    cached = DocumentEmbedder(SMALL, cache_dir=tmp_path / "cache")
    first = cached.embed(TEXTS)
    assert cached.stats["encoded"] == 3 and len(list((tmp_path / "cache").rglob("*.npy"))) == 3
    again = DocumentEmbedder(SMALL, cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(again.embed(TEXTS[::-1]), first[::-1])
    assert again.stats == {"cached": 3, "encoded": 0, "windows": 0}
    np.testing.assert_array_equal(first, embedder.embed(TEXTS))  # cached == fresh


def test_cache_key_depends_on_text_and_params(tmp_path: Path) -> None:
    base = DocumentEmbedder(SMALL, cache_dir=tmp_path)
    other = DocumentEmbedder(SMALL.model_copy(update={"max_windows": 2}), cache_dir=tmp_path)
    assert base.cache_key("a") != base.cache_key("b")
    assert base.cache_key("a") != other.cache_key("a")
    assert base.cache_key("a") == DocumentEmbedder(SMALL).cache_key("a")


def test_a_corrupt_cache_entry_is_recomputed(tmp_path: Path) -> None:
    cached = DocumentEmbedder(SMALL, cache_dir=tmp_path)
    first = cached.embed(TEXTS[:1])
    entry = next(tmp_path.rglob("*.npy"))
    entry.write_bytes(b"not a numpy file")
    again = DocumentEmbedder(SMALL, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.embed(TEXTS[:1]), first)
    assert again.stats["encoded"] == 1
