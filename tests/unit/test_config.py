"""params.yaml is the one source of defaults: the code's defaults say the same, block by block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trending_now.config import Params, TrainParams, load_params, with_overrides

ROOT = Path(__file__).resolve().parents[2]


def _differences(code: Any, shipped: Any, path: str = "") -> list[str]:
    if isinstance(code, dict) and isinstance(shipped, dict):
        keys = sorted(set(code) | set(shipped))
        return [d for k in keys for d in _differences(code.get(k), shipped.get(k), f"{path}.{k}")]
    return [] if code == shipped else [f"{path}: code {code!r}, params.yaml {shipped!r}"]


def test_code_defaults_match_params_yaml() -> None:
    shipped = load_params(ROOT / "params.yaml").model_dump()
    assert _differences(Params().model_dump(), shipped) == []


def test_the_check_would_see_a_drifted_default() -> None:
    shipped = load_params(ROOT / "params.yaml").model_dump()
    drifted = Params(train=TrainParams(models=["genre-xgb"])).model_dump()
    assert _differences(drifted, shipped) == [
        ".train.models: code ['genre-xgb'], params.yaml "
        "['genre-xgb', 'genre-bert', 'baseline-prior', 'baseline-logreg']"
    ]


def test_every_block_of_params_yaml_is_a_typed_block() -> None:
    with pytest.raises(ValueError, match="max_depthh"):
        Params.model_validate({"train": {"xgb": {"max_depthh": 3}}})


def test_overrides_of_none_keep_params_yaml_and_others_are_validated() -> None:
    ingest = load_params(ROOT / "params.yaml").ingest
    assert with_overrides(ingest, movie_limit=None, time_window=None) is ingest
    assert with_overrides(ingest, movie_limit=7).movie_limit == 7
    with pytest.raises(ValueError, match="movie_limit"):
        with_overrides(ingest, movie_limit=0)
