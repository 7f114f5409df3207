"""Schemathesis on the API's OpenAPI schema, in-process, real snapshot: 0 server errors, on
SQLite and on a real PostgreSQL, with every endpoint (governance documents, drift) answering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from services.api.main import create_app
from services.api.monitor import SUMMARY_PATH
from tests.utils.serving import ServingBackend, serving_backend, write_inputs, write_json
from tests.utils.serving import mltestscore as mltestscore_doc
from trending_now.config import PublishParams, Settings
from trending_now.features.snapshot import load_snapshot
from trending_now.publish import run_stage

__all__ = ["serving_backend"]
pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = {
    "/api/movies", "/api/movies/{movie_id}", "/api/facets", "/api/model-card",
    "/api/enrichment-card", "/api/mltestscore", "/api/drift", "/health", "/ready",
}  # fmt: skip


def _app(root: Path, url: str) -> FastAPI:
    movies, reviews = load_snapshot(ROOT / "data" / "snapshot" / "movies.jsonl.xz")
    write_inputs(root, movies, reviews)
    write_json(root / "governance" / "cards" / "enrichment.json", {"provider": "embedded"})
    write_json(root / "governance" / "mltestscore.json", mltestscore_doc())
    write_json(root / "var" / SUMMARY_PATH, {"dataset_drift": False, "drift_share": 0.0})
    run_stage(validated_dir=root / "validated", enriched_dir=root / "enriched", model_dir=None,
              db_url=url, params=PublishParams(), governance_dir=root / "governance")  # fmt: skip
    return create_app(Settings(project_dir=root, serving_db_url=url))


def test_no_server_errors(tmp_path: Path, serving_backend: ServingBackend) -> None:
    app = _app(tmp_path, serving_backend.url(tmp_path))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= ENDPOINTS
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def check(case: Any) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        check()
