"""A published serving database in tmp_path, from factory frames and a prior model.

`serving_backend` is a module-scoped fixture parametrized over SQLite and PostgreSQL (a real
server: the session's `postgres_server`); a module that imports it runs each of its tests on
both. `backend.url(root)` is the serving URL of a throwaway workspace `root`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.utils.factories import make_validated
from trending_now.config import PublishParams, TrainParams
from trending_now.enrich.schema import Enrichment, enrichments_table
from trending_now.features.labels import label_matrix
from trending_now.features.text import build_documents
from trending_now.io import atomic_write_parquet
from trending_now.ops.localdb import PostgresServer
from trending_now.publish import PublishResult, run_stage
from trending_now.train.base import ThresholdedModel
from trending_now.train.models import make_classifier, save_model

GENRES = ["Drama", "Comedy", "Horror", "Animation"]


def write_inputs(root: Path, movies: pd.DataFrame, reviews: pd.DataFrame) -> None:
    """Validated tables under root/validated."""
    atomic_write_parquet(root / "validated" / "movies.parquet", movies)
    atomic_write_parquet(root / "validated" / "reviews.parquet", reviews)


def write_prior_model(root: Path, movies: pd.DataFrame, reviews: pd.DataFrame) -> Path:
    """A fitted baseline-prior model at root/models/baseline-prior."""
    docs = build_documents(movies, reviews, max_review_chars=2000)
    y = label_matrix(movies["genres"], GENRES)
    prior = make_classifier("baseline-prior", GENRES, TrainParams(), seed=0).fit(docs, y, docs, y)
    path = root / "models" / "baseline-prior"
    save_model(ThresholdedModel(prior, np.full(len(GENRES), 0.3)), path)
    return path


def enrichment(movie_id: int, *, score: int = 7, tags: tuple[str, ...] = ()) -> Enrichment:
    """One valid enrichment row for `movie_id`."""
    return Enrichment(
        movie_id=movie_id, summary="A tense and moving film. Critics loved the ending.",
        vibe_score=score, vibe_tags=list(tags or ("dark", "gritty", "slow-burn")),
        llm_genres=["Drama"], provider="embedded", model="all-MiniLM-L6-v2",
        prompt_version="embedded-v1", prompt_secret_version_id=None, content_hash="h",
        data_run_id="run-1", created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip


def write_enrichments(root: Path, rows: list[Enrichment]) -> None:
    """The enrich stage's table under root/enriched."""
    atomic_write_parquet(root / "enriched" / "enrichments.parquet", enrichments_table(rows))


def publish_small(
    root: Path,
    *,
    n: int = 12,
    with_model: bool = True,
    url: str | None = None,
    governance: bool = False,
) -> PublishResult:
    """Publish `n` factory movies (every other one enriched) into `url` (root/serving)."""
    movies, reviews = make_validated(n, seed=1)
    movies["providers_flatrate"] = [["Netflix"] if i % 3 == 0 else [] for i in range(n)]
    write_inputs(root, movies, reviews)
    model_dir = write_prior_model(root, movies, reviews) if with_model else None
    ids = movies["id"].tolist()
    write_enrichments(root, [enrichment(m, score=1 + i % 10) for i, m in enumerate(ids[::2])])
    return run_stage(
        validated_dir=root / "validated", enriched_dir=root / "enriched", model_dir=model_dir,
        db_url=url or db_url(root), params=PublishParams(),
        governance_dir=root / "governance" if governance else None,
    )  # fmt: skip


def db_url(root: Path) -> str:
    """The serving pointer's URL under root."""
    return f"sqlite:///{root / 'serving' / 'current.sqlite3'}"


@dataclass
class ServingBackend:
    """A serving database backend for tests: SQLite files or a database on a real Postgres."""

    name: str
    server: PostgresServer | None = None
    _urls: dict[Path, str] = field(default_factory=dict)

    def url(self, root: Path) -> str:
        """The serving URL of workspace `root` (the same URL for the same root)."""
        if self.server is None:
            return db_url(root)
        if root not in self._urls:
            self._urls[root] = self.server.create_database(f"serving_{uuid.uuid4().hex[:16]}")
        return self._urls[root]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def serving_backend(request: pytest.FixtureRequest) -> ServingBackend:
    """Each test of the importing module runs on SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return ServingBackend("sqlite")
    return ServingBackend("postgres", request.getfixturevalue("postgres_server"))


def write_json(path: Path, data: Any) -> None:
    """`data` as JSON at `path` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def mltestscore(final: float = 2.5) -> dict[str, Any]:
    """An ML Test Score document in the governance contract's shape."""
    test = {"id": "data-1", "title": "Feature expectations are captured in a schema",
            "implemented_by": "tests/unit/validate/test_contracts.py", "automated": True,
            "score": 1.0}  # fmt: skip
    sections = {s: {"tests": [test], "score": final} for s in
                ("data", "model", "infrastructure", "monitoring")}  # fmt: skip
    return {"sections": sections, "final": final, "generated_at": "2026-11-26T12:00:00Z"}


def write_governance(root: Path, model: str, version: str, *, marker: str = "m1") -> None:
    """Governance documents (model card, gate decision, enrichment card, ML Test Score)."""
    gov = root / "governance"
    card = {"name": model, "version": version, "intended_use": f"demo {marker}",
            "metrics": {"micro_f1": float("nan")}, "limitations": ["small data"]}  # fmt: skip
    write_json(gov / "cards" / model / f"{version}.json", card)
    (gov / "cards" / model / f"{version}.md").write_text(f"# {model} {version} {marker}\n")
    check = {"name": "beats_baseline", "passed": True, "value": 0.6, "threshold": 0.5,
             "evidence": "metrics/genre-xgb.json"}  # fmt: skip
    write_json(gov / "decisions" / model / f"{version}.json",
               {"decision": "promote", "checks": [check], "failed": []})  # fmt: skip
    write_json(gov / "cards" / "enrichment.json",
               {"provider": "embedded", "model": "all-MiniLM-L6-v2", "marker": marker})  # fmt: skip
    write_json(gov / "mltestscore.json", mltestscore())
