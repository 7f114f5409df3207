"""Atomic writes (temp file in the same directory, then os.replace) and the features outputs."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from trending_now.features.labels import LabelSet

DOCUMENTS_FILE = "documents.parquet"
LABELS_FILE = "labels.json"
FEATURES_CONFIG_FILE = "features.json"  # the params the documents were built with


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` so readers see the old file or the new one, never a partial one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _temp_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)


def atomic_write_json(path: Path, data: Any) -> None:
    """Write `data` as sorted, indented JSON, atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write `frame` as Parquet (no index), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _temp_path(path) as tmp:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)


@contextlib.contextmanager
def atomic_directory(path: Path) -> Iterator[Path]:
    """Yield a fresh sibling directory to fill; on success it replaces `path` as a whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        yield staging
        if path.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
            os.replace(path, retired / path.name)
            os.replace(staging, path)
            shutil.rmtree(retired)
        else:
            os.replace(staging, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def _temp_path(path: Path) -> Iterator[Path]:
    """A temporary file beside `path`, removed if it was not moved into place."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


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
