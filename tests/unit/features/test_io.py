"""Atomic writes and loading features by split."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trending_now.features.io import load_documents
from trending_now.io import atomic_directory, atomic_write_json, atomic_write_parquet


def test_atomic_write_json_leaves_no_temp_files(tmp_path: Path) -> None:
    atomic_write_json(tmp_path / "sub" / "a.json", {"b": 1, "a": [1, 2]})
    assert (tmp_path / "sub" / "a.json").read_text().startswith('{\n  "a"')
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["a.json"]


def test_atomic_directory_replaces_whole_directory(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with atomic_directory(target) as staging:
        (staging / "new.txt").write_text("new")
        assert not (target / "new.txt").exists()
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_atomic_directory_keeps_old_content_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.txt").write_text("old")

    def half_written() -> None:
        with atomic_directory(target) as staging:
            (staging / "half.txt").write_text("x")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        half_written()
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_load_documents_returns_only_requested_splits(tmp_path: Path) -> None:
    docs = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "text": ["a", "b", "c"],
            "genres": [["x"], [], ["y"]],
            "split": ["train", "valid", "test"],
        }
    )
    atomic_write_parquet(tmp_path / "documents.parquet", docs)
    loaded = load_documents(tmp_path, splits=("train", "valid"))
    assert loaded["id"].tolist() == [1, 2]
    assert loaded["genres"].tolist() == [["x"], []]
