"""ONNX export of genre-bert: fp32 matches eager PyTorch, int8 keeps the decisions, offline load."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import pytest

from tests.utils.bert import TinySplits, fit_tiny, offline, tiny_splits
from trending_now.train.base import decide, tune_thresholds
from trending_now.train.bert import BertGenreClassifier
from trending_now.train.onnx_export import (
    ONNX_DIR,
    OnnxBertGenreClassifier,
    OnnxExport,
    export_onnx,
)

pytestmark = pytest.mark.slow
GRID = [round(0.02 * i, 2) for i in range(1, 50)]


@dataclass(frozen=True)
class Exported:
    model: BertGenreClassifier
    path: Path
    export: OnnxExport
    splits: TinySplits


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    splits = tiny_splits(40)
    model = fit_tiny(splits)
    path = tmp_path_factory.mktemp("bert") / "model"
    model.save(path)
    return Exported(model, path, export_onnx(path), splits)


def test_export_writes_both_models_with_dynamic_axes(exported: Exported) -> None:
    assert exported.export.fp32_path.exists() and exported.export.int8_path.exists()
    assert sorted(p.name for p in exported.path.iterdir() if p.name.startswith(".")) == []
    graph = onnx.load(str(exported.export.fp32_path)).graph
    inputs = {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]
              for i in graph.input}  # fmt: skip
    assert inputs == {"input_ids": ["batch", "sequence"], "attention_mask": ["batch", "sequence"]}
    assert exported.export.int8_path.stat().st_size < exported.export.fp32_path.stat().st_size / 2


def test_fp32_matches_eager_pytorch(exported: Exported) -> None:
    valid = exported.splits.valid
    onnx_model = OnnxBertGenreClassifier.load(exported.path, variant="fp32")
    np.testing.assert_allclose(
        onnx_model.predict_proba(valid), exported.model.predict_proba(valid), atol=1e-4
    )


def test_fp32_handles_padding_and_other_lengths(exported: Exported) -> None:
    docs = exported.splits.valid.head(3).copy()
    docs["text"] = ["x", "a much longer text " * 40, "a ghost in the house"]
    onnx_model = OnnxBertGenreClassifier.load(exported.path, variant="fp32")
    np.testing.assert_allclose(
        onnx_model.predict_proba(docs), exported.model.predict_proba(docs), atol=1e-4
    )


def test_int8_keeps_most_decisions(exported: Exported) -> None:
    splits = exported.splits
    docs = splits.train.head(20)
    fp32 = OnnxBertGenreClassifier.load(exported.path, variant="fp32")
    int8 = OnnxBertGenreClassifier.load(exported.path, variant="int8")
    thresholds = tune_thresholds(splits.y_valid, fp32.predict_proba(splits.valid), GRID)
    proba_fp32, proba_int8 = fp32.predict_proba(docs), int8.predict_proba(docs)
    rows_equal = (decide(proba_fp32, thresholds) == decide(proba_int8, thresholds)).all(axis=1)
    assert rows_equal.mean() >= 0.8
    assert np.abs(proba_int8 - proba_fp32).max() < 0.05
    assert not np.array_equal(proba_int8, proba_fp32)  # it really is a different model


def test_onnx_classifier_loads_offline_and_saves_a_usable_copy(
    exported: Exported, tmp_path: Path
) -> None:
    docs = exported.splits.valid
    with offline(tmp_path / "hf-empty") as attempts:
        model = OnnxBertGenreClassifier.load(exported.path)
        model.save(tmp_path / "copy")
        copy = OnnxBertGenreClassifier.load(tmp_path / "copy")
    assert attempts == [] and not any((tmp_path / "hf-empty").rglob("*"))
    assert model.variant == "int8" and model.genres == exported.model.genres
    assert (tmp_path / "copy" / ONNX_DIR / "model.int8.onnx").exists()
    np.testing.assert_array_equal(copy.predict_proba(docs), model.predict_proba(docs))
    assert model.predict_proba(docs.head(0)).shape == (0, len(model.genres))


def test_onnx_classifier_is_inference_only(exported: Exported) -> None:
    model = OnnxBertGenreClassifier.load(exported.path)
    splits = exported.splits
    with pytest.raises(NotImplementedError):
        model.fit(splits.train, splits.y_train, splits.valid, splits.y_valid)
