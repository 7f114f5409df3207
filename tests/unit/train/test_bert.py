"""genre-bert: chunking, the frozen-state cache, offline loading, fit, save/load and seeding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from tests.utils.bert import TINY_PARAMS, TinySplits, fit_tiny, offline, tiny_splits
from trending_now.config import BertParams
from trending_now.features.embeddings import spread_indices
from trending_now.train.base import read_meta
from trending_now.train.bert import (
    BertGenreClassifier,
    Chunks,
    chunk_documents,
    length_batches,
    lower_states,
    pad_chunks,
    pool_logits,
    pos_weight,
    predict_chunks,
    pretrained_dir,
    sample_chunks,
    upper_logits,
)

PRETRAINED = pretrained_dir(BertParams().pretrained_package)


@pytest.fixture(scope="module")
def tokenizer() -> object:
    return AutoTokenizer.from_pretrained(PRETRAINED, local_files_only=True)


@pytest.fixture(scope="module")
def splits() -> TinySplits:
    return tiny_splits(40)


@pytest.fixture(scope="module")
def fitted(splits: TinySplits, tmp_path_factory: pytest.TempPathFactory) -> BertGenreClassifier:
    with offline(tmp_path_factory.mktemp("hf-empty")) as attempts:
        model = fit_tiny(splits)
    assert attempts == []
    return model


@pytest.mark.parametrize(
    ("n_pieces", "k", "expected"),
    [(1, 4, [0]), (3, 4, [0, 1, 2]), (10, 1, [0]), (10, 2, [0, 9]), (10, 4, [0, 3, 6, 9])],
)
def test_spread_indices_keeps_the_first_and_spreads_the_rest(
    n_pieces: int, k: int, expected: list[int]
) -> None:
    assert spread_indices(n_pieces, k) == expected


def test_chunk_documents_windows_long_texts(tokenizer: object) -> None:
    texts = ["word " * 500, "short text", ""]
    chunks = chunk_documents(tokenizer, texts, max_length=32, max_chunks=3)
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id  # type: ignore[attr-defined]
    assert chunks.n_docs == 3
    assert chunks.owner.tolist() == [0, 0, 0, 1, 2]
    assert all(len(c) <= 32 and c[0] == cls_id and c[-1] == sep_id for c in chunks.ids)
    # 500 tokens in windows of 30: the first, a middle one and the 20-token tail.
    assert [len(c) for c in chunks.ids[:3]] == [32, 32, 22]
    assert chunks.ids[4] == [cls_id, sep_id]  # an empty document still gets a prediction


def test_pad_and_length_batches_cover_every_chunk_once() -> None:
    ids = [[1, 2, 3], [1], [1, 2], [1, 2, 3, 4]]
    input_ids, mask = pad_chunks(ids, pad_id=0)
    assert input_ids.tolist()[1] == [1, 0, 0, 0] and mask.sum(axis=1).tolist() == [3, 1, 2, 4]
    batches = length_batches([len(c) for c in ids], batch_size=3)
    assert [b.tolist() for b in batches] == [[3, 0, 2], [1]]


def test_pool_logits_is_the_mean_per_document() -> None:
    logits = np.array([[1.0, 2.0], [3.0, 4.0], [10.0, -10.0]])
    pooled = pool_logits(logits, np.array([0, 0, 1]), n_docs=2)
    np.testing.assert_allclose(pooled, [[2.0, 3.0], [10.0, -10.0]])


def test_predict_chunks_pools_before_the_sigmoid() -> None:
    chunks = Chunks(ids=[[1, 2], [1, 2, 3], [1]], owner=np.array([0, 0, 1]), n_docs=2)

    def run(input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.repeat(mask.sum(axis=1, keepdims=True).astype(float), 2, axis=1) - 2.0

    proba = predict_chunks(run, chunks, n_labels=2, pad_id=0, batch_size=2)
    expected = 1 / (1 + np.exp(-np.array([0.5, -1.0])))
    np.testing.assert_allclose(proba, np.repeat(expected[:, None], 2, axis=1))


def test_sample_chunks_draws_distinct_chunks_in_order() -> None:
    rng = np.random.default_rng(0)
    drawn = [sample_chunks(np.arange(10, 16), 2, rng).tolist() for _ in range(20)]
    assert all(len(d) == 2 and d[0] < d[1] and set(d) <= set(range(10, 16)) for d in drawn)
    assert len({tuple(d) for d in drawn}) > 1
    assert sample_chunks(np.array([3, 4]), 2, rng).tolist() == [3, 4]


def test_pos_weight_up_weights_rare_genres() -> None:
    y = np.array([[1, 0, 1], [1, 0, 0], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(pos_weight(y, 1.0).numpy(), [1 / 3, 1.0, 3.0])
    np.testing.assert_allclose(pos_weight(y, 0.5).numpy(), [(1 / 3) ** 0.5, 1.0, 3**0.5])


def test_cached_lower_then_upper_layers_equal_the_full_forward(tokenizer: object) -> None:
    model = AutoModelForSequenceClassification.from_pretrained(
        PRETRAINED, local_files_only=True, num_labels=3
    ).eval()
    batch = tokenizer(  # type: ignore[operator]
        ["A ghost haunts the house.", "Two friends road trip across a very wide country."],
        padding=True,
        return_tensors="pt",
    )
    ids, mask = batch["input_ids"], batch["attention_mask"]
    with torch.no_grad():
        full = model(input_ids=ids, attention_mask=mask).logits
        split = upper_logits(model, lower_states(model, ids, mask, 4), mask, 4)
    torch.testing.assert_close(split, full, atol=1e-5, rtol=1e-5)


@pytest.mark.slow
def test_fit_gives_probabilities_of_the_right_shape(
    fitted: BertGenreClassifier, splits: TinySplits
) -> None:
    proba = fitted.predict_proba(splits.valid)
    assert proba.shape == (len(splits.valid), len(splits.genres))
    assert np.isfinite(proba).all() and (proba >= 0).all() and (proba <= 1).all()
    assert proba.std(axis=0).max() > 0  # the text matters: not one row repeated
    assert fitted.report.epochs and fitted.params.max_length == 64


@pytest.mark.slow
def test_fit_leaves_the_frozen_layers_untouched(fitted: BertGenreClassifier) -> None:
    pretrained = AutoModelForSequenceClassification.from_pretrained(
        PRETRAINED, local_files_only=True, num_labels=len(fitted.genres)
    )
    frozen = TINY_PARAMS.frozen_layers
    before, after = pretrained.bert.encoder.layer, fitted.model.bert.encoder.layer
    for old, new in zip(before[:frozen], after[:frozen], strict=True):
        for p_old, p_new in zip(old.parameters(), new.parameters(), strict=True):
            assert torch.equal(p_old, p_new.cpu())
    changed = [
        not torch.equal(p_old, p_new.cpu())
        for p_old, p_new in zip(before[-1].parameters(), after[-1].parameters(), strict=True)
    ]
    assert any(changed)


@pytest.mark.slow
def test_save_load_round_trip_offline(
    fitted: BertGenreClassifier, splits: TinySplits, tmp_path: Path
) -> None:
    fitted.save(tmp_path / "model")
    meta = read_meta(tmp_path / "model")
    assert meta["name"] == "genre-bert" and meta["genres"] == splits.genres
    assert (tmp_path / "model" / "model.safetensors").exists()
    with offline(tmp_path / "hf-empty") as attempts:
        loaded = BertGenreClassifier.load(tmp_path / "model")
    assert attempts == []
    assert not any((tmp_path / "hf-empty").rglob("*"))
    assert loaded.params == fitted.params
    np.testing.assert_allclose(
        loaded.predict_proba(splits.valid), fitted.predict_proba(splits.valid), atol=1e-6
    )


@pytest.mark.slow
def test_same_seed_same_probabilities(fitted: BertGenreClassifier, splits: TinySplits) -> None:
    again = fit_tiny(splits)
    np.testing.assert_allclose(
        again.predict_proba(splits.valid), fitted.predict_proba(splits.valid), atol=1e-5
    )
    other = fit_tiny(splits, seed=8)
    assert not np.allclose(other.predict_proba(splits.valid), fitted.predict_proba(splits.valid))
