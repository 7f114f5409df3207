"""The features stage's output files and their readers (writes go through trending_now.io)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from trending_now.features.labels import LabelSet

DOCUMENTS_FILE = "documents.parquet"
LABELS_FILE = "labels.json"
FEATURES_CONFIG_FILE = "features.json"  # the params the documents were built with


def load_documents(features_dir: Path, *, splits: Sequence[str]) -> pd.DataFrame:
    """The documents of the given splits only, in file order (training never asks for "test")."""
    docs = pd.read_parquet(features_dir / DOCUMENTS_FILE)
    selected = docs[docs["split"].isin(list(splits))].reset_index(drop=True)
    selected["genres"] = [list(g) for g in selected["genres"]]
    return selected


def load_labels(features_dir: Path) -> LabelSet:
    """The label set written by the features stage."""
    return LabelSet.model_validate_json((features_dir / LABELS_FILE).read_text(encoding="utf-8"))


def load_features_config(features_dir: Path) -> dict[str, Any]:
    """The `features:` params the documents in `features_dir` were built with."""
    config: dict[str, Any] = json.loads(
        (features_dir / FEATURES_CONFIG_FILE).read_text(encoding="utf-8")
    )
    return config
