"""The API application: `create_app(settings)` wires routers, middleware and the built front end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from services.api.cache import CachedResponsesMiddleware
from services.api.deps import ServingStore
from services.api.middleware import (
    MetricsMiddleware,
    ReadOnlyMiddleware,
    RequestMetrics,
    SecurityHeadersMiddleware,
)
from services.api.routes import api_router, health
from trending_now.config import Settings

DESCRIPTION = """Trending movies with predicted genres, AI-generated summaries, vibe scores and
tags, and the lineage of every item. Read-only: GET, HEAD and OPTIONS only."""


def _metrics_endpoint(request: Request) -> Response:
    """Prometheus text exposition of the request metrics."""
    metrics: RequestMetrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Close the serving database connections at shutdown."""
    yield
    store: ServingStore = app.state.store
    store.close()


def create_app(settings: Settings) -> FastAPI:
    """The API over the serving database `settings` names; serves frontend/dist when built."""
    app = FastAPI(
        title="Trending Now API", version="1.0.0", description=DESCRIPTION, lifespan=_lifespan
    )
    app.state.settings = settings
    app.state.store = ServingStore(settings.serving_url())
    app.state.metrics = RequestMetrics()
    app.include_router(health.router)
    app.include_router(api_router)
    app.add_api_route("/metrics", _metrics_endpoint, methods=["GET"], include_in_schema=False)
    # Added innermost first: CORS answers preflights before the read-only guard sees them;
    # cached responses still get the security headers and are counted in the metrics.
    app.add_middleware(CachedResponsesMiddleware, store=app.state.store)
    app.add_middleware(ReadOnlyMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.api_cors_origins,
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_credentials=False,
    )
    dist = settings.project_dir / "frontend" / "dist"
    if dist.is_dir():
        app.mount("/", StaticFiles(directory=dist, html=True), name="frontend")
    return app
