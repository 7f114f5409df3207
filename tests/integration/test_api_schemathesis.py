"""Schemathesis on the API's OpenAPI schema, in-process, real snapshot: 0 server errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from services.api.main import create_app
from tests.utils.serving import db_url, write_inputs
from trending_now.config import PublishParams, Settings
from trending_now.features.snapshot import load_snapshot
from trending_now.publish import run_stage

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _app(root: Path):  # type: ignore[no-untyped-def]
    movies, reviews = load_snapshot(ROOT / "data" / "snapshot" / "movies.jsonl.xz")
    write_inputs(root, movies, reviews)
    run_stage(validated_dir=root / "validated", enriched_dir=root / "enriched", model_dir=None,
              db_url=db_url(root), params=PublishParams())  # fmt: skip
    return create_app(Settings(project_dir=root, serving_db_url=db_url(root)))


def test_no_server_errors(tmp_path: Path) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", _app(tmp_path))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/movies", "/api/movies/{movie_id}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def check(case: Any) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        check()
